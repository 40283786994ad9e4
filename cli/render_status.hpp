// SPDX-License-Identifier: GPL-2.0-only
// svsmctl status as text, JSON or Prometheus exposition format: one Status,
// three renderings.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "output.hpp"
#include "svsm/status.hpp"

namespace svsmctl {

// "yes, on all 4 CPUs", "NO: QUERY_PROTOCOL failed on 4 of 4 CPUs: ..."
[[nodiscard]] std::string liveness_text(const svsm::Liveness& l);

[[nodiscard]] std::string render_status_text(const svsm::Status& s, const Output& out);
[[nodiscard]] nlohmann::ordered_json render_status_json(const svsm::Status& s);
[[nodiscard]] std::string render_status_prometheus(const svsm::Status& s);

// Prometheus label values: backslash, double quote and newline escaped.
[[nodiscard]] std::string prometheus_escape(std::string_view v);

}  // namespace svsmctl
