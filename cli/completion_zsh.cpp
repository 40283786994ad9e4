// SPDX-License-Identifier: GPL-2.0-only
// The zsh completion script for svsmctl's CLI11 tree.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "completion.hpp"

namespace svsmctl::completion {

namespace {

// Text inside an _arguments spec: [description] and :message: fields.
std::string zsh_escape(std::string_view s) {
  std::string r;
  for (char ch : s) {
    if (ch == '\'')
      r += "'\\''";
    else if (ch == '[' || ch == ']' || ch == ':' || ch == '\\')
      r += std::string("\\") + ch;
    else
      r += ch;
  }
  return r;
}

std::string zsh_function(const CommandSpec &c) {
  std::string name = "_svsmctl";
  for (const auto &p : c.path) {
    std::string part = p;
    std::replace(part.begin(), part.end(), '-', '_');
    name += "__" + part;
  }
  return name;
}

std::string zsh_option_spec(const OptionSpec &o) {
  auto words = option_words(o);
  std::string exclusion =
      words.size() > 1 ? fmt::format("'({})'", fmt::join(words, " ")) : std::string("");
  std::string star = o.repeatable ? "*" : "";
  if (o.repeatable) exclusion.clear();
  // Each form quoted ('*' would glob), brace-expanded when there are several.
  std::vector<std::string> forms;
  for (const auto &s : o.shorts)
    forms.push_back(fmt::format("'{}-{}{}'", star, s, o.takes_value ? "+" : ""));
  for (const auto &l : o.longs)
    forms.push_back(fmt::format("'{}--{}{}'", star, l, o.takes_value ? "=" : ""));
  std::string names =
      forms.size() > 1 ? fmt::format("{{{}}}", fmt::join(forms, ",")) : forms.front();

  std::string tail = fmt::format("[{}]", zsh_escape(o.description));
  if (o.takes_value) {
    // The value's name: FILE, N, ... or, for CLI11's generic TEXT, the option's.
    std::string message = o.type_name.substr(0, o.type_name.find(':'));
    if ((message.empty() || message == "TEXT") && !o.longs.empty()) {
      message = o.longs.front();
      std::transform(message.begin(), message.end(), message.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    }
    std::string action = !o.choices.empty()  ? fmt::format("({})", fmt::join(o.choices, " "))
                         : o.files == "file" ? "_files"
                         : o.files == "dir"  ? "_files -/"
                                             : " ";
    tail +=
        fmt::format(":{}:{}", zsh_escape(message.empty() ? std::string("VALUE") : message), action);
  }
  return fmt::format("{}{}'{}'", exclusion, names, tail);
}

}  // namespace

std::string zsh_script(const CommandSpec &root) {
  std::string functions;
  walk(root, [&](const CommandSpec &c, const std::vector<const CommandSpec *> &chain) {
    std::vector<std::string> specs;
    for (const auto &o : effective_options(chain)) specs.push_back(zsh_option_spec(o));
    auto subs = visible_subcommands(c);
    std::string f = fmt::format("{}() {{\n", zsh_function(c));
    if (subs.empty()) {
      int n = 0;
      for (const auto &p : c.positionals)
        specs.push_back(fmt::format("'{}:{}: '", ++n, zsh_escape(p.name)));
      f += "  _arguments -s : \\\n";
      for (size_t i = 0; i < specs.size(); ++i)
        f += fmt::format("    {}{}\n", specs[i], i + 1 < specs.size() ? " \\" : "");
      if (specs.empty()) f += "    ''\n";
    } else {
      f += "  local curcontext=$curcontext state line ret=1\n  typeset -A opt_args\n";
      f += "  _arguments -C -s : \\\n";
      for (const auto &s : specs) f += fmt::format("    {} \\\n", s);
      f += "    '1: :->command' \\\n    '*:: :->argument' && ret=0\n";
      f += "  case $state in\n    command)\n      local -a commands=(\n";
      for (const auto *s : subs)
        f += fmt::format("        '{}:{}'\n", s->name(), zsh_escape(s->description));
      f += fmt::format(
          "      )\n      _describe -t commands '{} command' commands && ret=0\n      ;;\n",
          c.path.empty() ? std::string("svsmctl") : "svsmctl " + c.key());
      f += "    argument)\n      case $words[1] in\n";
      for (const auto *s : subs)
        f += fmt::format("        {}) {} && ret=0 ;;\n", s->name(), zsh_function(*s));
      f += "      esac\n      ;;\n  esac\n  return ret\n";
    }
    f += "}\n\n";
    functions += f;
  });
  return "#compdef svsmctl\n" + header("zsh") + "\n" + functions +
         "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n  _svsmctl \"$@\"\nelse\n"
         "  compdef _svsmctl svsmctl\nfi\n";
}

}  // namespace svsmctl::completion
