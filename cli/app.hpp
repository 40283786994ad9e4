// SPDX-License-Identifier: GPL-2.0-only
// svsmctl: the command line. Parsing and dispatch live here; each command is
// in cmd_<name>.cpp and renders what libsvsm returns.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "output.hpp"

namespace svsmctl {

// Documented in svsmctl(8), EXIT STATUS. check uses the Nagios codes instead.
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,      // anything else that went wrong
  exit_usage = 2,        // bad command line
  exit_not_svsm = 3,     // this is not a guest running under an SVSM
  exit_unavailable = 4,  // module missing, device missing, or not privileged
  exit_svsm_error = 5,   // the SVSM call failed or was not serviced
  exit_unverified = 6,   // verify, attest --verify: nothing failed, but the report is unsigned
};

struct GlobalOptions {
  bool json = false;
  bool quiet = false;
  std::string color = "auto";
  std::string device;
};

// A user mistake found after parsing (a bad combination, a bad value).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Runner = std::function<int(const GlobalOptions &, Output &)>;

// Registers a subcommand's runner; the one the user chose runs after parsing.
class Registry {
 public:
  void add(CLI::App *sub, Runner run) { commands_.push_back({sub, std::move(run)}); }
  [[nodiscard]] const Runner *chosen() const;

 private:
  std::vector<std::pair<CLI::App *, Runner>> commands_;
};

void add_status(CLI::App &app, Registry &reg);
void add_cpus(CLI::App &app, Registry &reg);
void add_protocols(CLI::App &app, Registry &reg);
void add_call(CLI::App &app, Registry &reg);
void add_remap(CLI::App &app, Registry &reg);
void add_attest(CLI::App &app, Registry &reg);
void add_explain(CLI::App &app, Registry &reg);
void add_check(CLI::App &app, Registry &reg);
void add_module(CLI::App &app, Registry &reg);
void add_completion(CLI::App &app, Registry &reg);

// svsmctl check's answer to a command-line mistake: one UNKNOWN line on
// stdout (or its JSON document), as monitoring plugins must; returns 3.
int check_usage_error(const GlobalOptions &g, const std::string &message);

// The whole program, without exit(): returns the exit status.
int run(int argc, char **argv);

}  // namespace svsmctl
