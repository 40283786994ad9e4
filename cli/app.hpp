// SPDX-License-Identifier: GPL-2.0-only
// svsmctl: the command line. Parsing and dispatch live here; each command is
// in cmd_<name>.cpp and renders what libsvsm returns.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "output.hpp"
#include "run.hpp"

namespace svsmctl {

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

// Each command's options, nested commands and runner, added to its
// subcommand (named and described in app.cpp's command table). A command
// the table calls bare is also added with a null @sub, for a line that
// names it alone: it registers its runner and declares nothing.
void add_status(CLI::App *sub, Registry &reg);
void add_cpus(CLI::App *sub, Registry &reg);
void add_protocols(CLI::App *sub, Registry &reg);
void add_call(CLI::App *sub, Registry &reg);
void add_remap(CLI::App *sub, Registry &reg);
void add_attest(CLI::App *sub, Registry &reg);
void add_verify(CLI::App *sub, Registry &reg);
void add_explain(CLI::App *sub, Registry &reg);
void add_check(CLI::App *sub, Registry &reg);
void add_module(CLI::App *mod, Registry &reg);
void add_completion(CLI::App *sub, Registry &reg);

// svsmctl check's answer to a command-line mistake: one UNKNOWN line on
// stdout (or its JSON document), as monitoring plugins must; returns 3.
int check_usage_error(const GlobalOptions &g, const std::string &message);

}  // namespace svsmctl
