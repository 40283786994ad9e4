// SPDX-License-Identifier: GPL-2.0-only
// The fish completion script for svsmctl's CLI11 tree.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "completion.hpp"

namespace svsmctl::completion {

namespace {

std::string fish_quote(std::string_view s) {
  std::string r = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') r += '\\';
    r += ch;
  }
  return r + "'";
}

}  // namespace

std::string fish_script(const CommandSpec &root) {
  std::vector<std::string> sub_keys, value_keys;
  std::string completes;
  walk(root, [&](const CommandSpec &c, const std::vector<const CommandSpec *> &chain) {
    std::string cond = fish_quote(fmt::format("__svsmctl_is '{}'", c.key()));
    for (const auto *s : visible_subcommands(c)) {
      sub_keys.push_back(fish_quote(c.key() + "|" + s->name()));
      completes += fmt::format("complete -c svsmctl -n {} -a {} -d {}\n", cond, s->name(),
                               fish_quote(s->description));
    }
    for (const auto &o : effective_options(chain)) {
      std::string line = fmt::format("complete -c svsmctl -n {}", cond);
      for (const auto &s : o.shorts) line += " -s " + s;
      for (const auto &l : o.longs) line += " -l " + l;
      if (o.takes_value) {
        for (const auto &w : option_words(o)) value_keys.push_back(fish_quote(c.key() + "|" + w));
        if (!o.choices.empty())
          line += " -x -a " + fish_quote(fmt::format("{}", fmt::join(o.choices, " ")));
        else if (o.files == "file")
          line += " -r -F";
        else if (o.files == "dir")
          line += " -x -a '(__fish_complete_directories)'";
        else
          line += " -x";
      }
      completes += line + " -d " + fish_quote(o.description) + "\n";
    }
  });

  return header("fish") + fmt::format(R"(
# The subcommand path of the command line before the cursor ("" is svsmctl
# itself), following subcommands and skipping option values.
function __svsmctl_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
        else if string match -q -- '-*' $t
            if not string match -q -- '*=*' $t; and contains -- "$path|$t" $__svsmctl_value_options
                set skip 1
            end
        else if contains -- "$path|$t" $__svsmctl_subcommands
            set path (string trim -- "$path $t")
        end
    end
    echo $path
end

function __svsmctl_is
    set -l path (__svsmctl_path)
    test "$path" = "$argv[1]"
end

set -g __svsmctl_subcommands {}
set -g __svsmctl_value_options {}

complete -c svsmctl -f
{})",
                                      fmt::join(sub_keys, " "), fmt::join(value_keys, " "),
                                      completes);
}

}  // namespace svsmctl::completion
