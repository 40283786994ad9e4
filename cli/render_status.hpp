// SPDX-License-Identifier: GPL-2.0-only
// svsmctl status as text, JSON or Prometheus exposition format: text and
// JSON from one walk of the facts through a Printer; Prometheus, whose
// metric families are not fields, as its own view.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "output.hpp"
#include "printer.hpp"
#include "svsm/status.hpp"

namespace svsmctl {

// "yes, on all 4 CPUs", "NO: QUERY_PROTOCOL failed on 4 of 4 CPUs: ..."
[[nodiscard]] std::string liveness_text(const svsm::Liveness &l);

// The facts of a Status, each once, in the order the text shows them.
void print_status(const svsm::Status &s, Printer &p);

[[nodiscard]] std::string render_status_text(const svsm::Status &s, const Output &out);
[[nodiscard]] nlohmann::ordered_json render_status_json(const svsm::Status &s);
[[nodiscard]] std::string render_status_prometheus(const svsm::Status &s);

// Prometheus label values: backslash, double quote and newline escaped.
[[nodiscard]] std::string prometheus_escape(std::string_view v);

}  // namespace svsmctl
