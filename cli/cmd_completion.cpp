// SPDX-License-Identifier: GPL-2.0-only
// svsmctl completion bash|zsh|fish: shell completion scripts generated from
// this program's own CLI11 tree at run time, so they cannot drift from the
// parser. The hidden "completion json" prints the same tree as JSON, for the
// man-page coverage test (tests/docs).
#include <nlohmann/json.hpp>

#include "app.hpp"
#include "completion.hpp"

namespace svsmctl {

using completion::CommandSpec;
using completion::describe;

namespace {

nlohmann::ordered_json tree_json(const CommandSpec &c) {
  using json = nlohmann::ordered_json;
  json j = {{"name", c.name()},
            {"path", c.key()},
            {"description", c.description},
            {"hidden", c.hidden},
            {"fallthrough", c.fallthrough}};
  json &opts = j["options"] = json::array();
  for (const auto &o : c.options) {
    json oj = {{"long", o.longs},
               {"short", o.shorts},
               {"description", o.description},
               {"takes_value", o.takes_value},
               {"type_name", o.type_name},
               {"default", o.default_value},
               {"repeatable", o.repeatable},
               {"required", o.required},
               {"hidden", o.hidden},
               {"choices", o.choices}};
    oj["files"] = o.files.empty() ? json(nullptr) : json(o.files);
    opts.push_back(oj);
  }
  json &pos = j["positionals"] = json::array();
  for (const auto &p : c.positionals)
    pos.push_back({{"name", p.name}, {"description", p.description}, {"required", p.required}});
  json &subs = j["subcommands"] = json::array();
  for (const auto &s : c.subcommands) subs.push_back(tree_json(s));
  return j;
}

}  // namespace

void add_completion(CLI::App *sub, Registry &reg) {
  sub->require_subcommand(1);
  CLI::App *root = sub->get_parent();

  auto script = [root](std::string (*generate)(const CommandSpec &)) {
    return [root, generate](const GlobalOptions &, Output &out) {
      out.print("{}", generate(describe(root, {})));
      return static_cast<int>(exit_ok);
    };
  };
  reg.add(sub->add_subcommand("bash", "Print the bash completion script"),
          script(completion::bash_script));
  reg.add(sub->add_subcommand("zsh", "Print the zsh completion script"),
          script(completion::zsh_script));
  reg.add(sub->add_subcommand("fish", "Print the fish completion script"),
          script(completion::fish_script));

  // Hidden (no group): the CLI tree for tests/docs, not a stable interface.
  auto *tree = sub->add_subcommand("json", "Print the command-line definition as JSON")->group("");
  reg.add(tree, [root](const GlobalOptions &, Output &out) {
    auto doc = json_header("completion json");
    doc["cli"] = tree_json(describe(root, {}));
    out.document(doc);
    return static_cast<int>(exit_ok);
  });
}

}  // namespace svsmctl
