// SPDX-License-Identifier: GPL-2.0-only
// What attest --verify and verify share: the expectation options, the
// rendering of a verification, and its exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "app.hpp"
#include "output.hpp"
#include "printer.hpp"
#include "svsm/verify.hpp"

namespace svsmctl {

struct VerifyOptions {
  std::string certs_dir;
  std::string measurement, policy, min_tcb, vmpl;
};

// --certs and the --expect-* options. For attest they need --verify.
void add_verify_options(CLI::App *sub, VerifyOptions &o, CLI::Option *needs = nullptr);
// The expectations, or a UsageError naming the bad option.
[[nodiscard]] svsm::Expectations parse_expectations(const VerifyOptions &o);

[[nodiscard]] nlohmann::ordered_json report_json(const svsm::SnpReport &r, svsm::Product p);
// The verdict and each check: text lines, and "verification" in JSON.
void print_verification(Printer &p, const svsm::Verification &v);
[[nodiscard]] int verification_exit(const svsm::Verification &v);

}  // namespace svsmctl
