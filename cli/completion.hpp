// SPDX-License-Identifier: GPL-2.0-only
// svsmctl's command line as the completion generators see it, read from the
// CLI11 tree at run time (completion_tree.cpp), and one generator per shell
// (completion_bash.cpp, completion_zsh.cpp, completion_fish.cpp).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace svsmctl::completion {

struct OptionSpec {
  std::vector<std::string> longs;   // without the leading "--"
  std::vector<std::string> shorts;  // without the leading "-"
  std::string description;
  std::string type_name;  // CLI11's full type name, e.g. "TEXT:{auto,always,never}"
  std::string default_value;
  bool takes_value = false;
  bool repeatable = false;
  bool required = false;
  bool hidden = false;
  std::vector<std::string> choices;  // from a CLI::IsMember check
  std::string files;                 // "file", "dir" or ""
};

struct PositionalSpec {
  std::string name;
  std::string description;
  bool required = false;
};

struct CommandSpec {
  std::vector<std::string> path;  // {} for svsmctl, {"module", "load"}
  std::string description;
  bool hidden = false;
  bool fallthrough = false;  // unknown options go to the parent command
  std::vector<OptionSpec> options;
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands;

  [[nodiscard]] std::string key() const { return fmt::format("{}", fmt::join(path, " ")); }
  [[nodiscard]] std::string name() const { return path.empty() ? "svsmctl" : path.back(); }
};

[[nodiscard]] CommandSpec describe(CLI::App *app, std::vector<std::string> path);

// The options a command accepts: its own, then, when it falls through, its
// parent's (svsmctl status --json works), without the names it redefines
// (every command has its own --help). Hidden options are left out.
[[nodiscard]] std::vector<OptionSpec> effective_options(
    const std::vector<const CommandSpec *> &chain);
[[nodiscard]] std::vector<std::string> option_words(const OptionSpec &o);
[[nodiscard]] std::vector<const CommandSpec *> visible_subcommands(const CommandSpec &c);

// Calls fn(command, chain from the root to it) for every visible command.
template <typename F>
void walk(const CommandSpec &c, std::vector<const CommandSpec *> &chain, F &&fn) {
  chain.push_back(&c);
  fn(c, chain);
  for (const auto *s : visible_subcommands(c)) walk(*s, chain, fn);
  chain.pop_back();
}

template <typename F>
void walk(const CommandSpec &root, F &&fn) {
  std::vector<const CommandSpec *> chain;
  walk(root, chain, fn);
}

[[nodiscard]] std::string sh_quote(std::string_view s);
// The comment every generated script starts with.
[[nodiscard]] std::string header(std::string_view shell);

[[nodiscard]] std::string bash_script(const CommandSpec &root);
[[nodiscard]] std::string zsh_script(const CommandSpec &root);
[[nodiscard]] std::string fish_script(const CommandSpec &root);

}  // namespace svsmctl::completion
