// SPDX-License-Identifier: GPL-2.0-only
// The bash completion script for svsmctl's CLI11 tree.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "completion.hpp"

namespace svsmctl::completion {

std::string bash_script(const CommandSpec &root) {
  std::string subs, opts, values;
  walk(root, [&](const CommandSpec &c, const std::vector<const CommandSpec *> &chain) {
    std::vector<std::string> names;
    for (const auto *s : visible_subcommands(c)) names.push_back(s->name());
    if (!names.empty())
      subs += fmt::format("        {}) REPLY={} ;;\n", sh_quote(c.key()),
                          sh_quote(fmt::format("{}", fmt::join(names, " "))));

    std::vector<std::string> words;
    for (const auto &o : effective_options(chain)) {
      auto w = option_words(o);
      words.insert(words.end(), w.begin(), w.end());
      if (!o.takes_value) continue;
      std::string kind = !o.choices.empty() ? fmt::format("={}", fmt::join(o.choices, " "))
                         : !o.files.empty() ? o.files
                                            : "value";
      std::vector<std::string> keys;
      for (const auto &word : w) keys.push_back(sh_quote(c.key() + "|" + word));
      values += fmt::format("        {}) REPLY={} ;;\n", fmt::join(keys, "|"), sh_quote(kind));
    }
    // A command with neither subcommands nor positionals offers its options
    // on an empty word; the others wait for a '-'.
    bool leaf = c.subcommands.empty() && c.positionals.empty();
    opts += fmt::format("        {}) REPLY={}{} ;;\n", sh_quote(c.key()),
                        sh_quote(fmt::format("{}", fmt::join(words, " "))), leaf ? "; leaf=1" : "");
  });

  return header("bash") + fmt::format(R"(
# REPLY: the subcommands of the command path $1 ("" is svsmctl itself).
_svsmctl_subcommands() {{
    case $1 in
{}        *) REPLY='' ;;
    esac
}}

# REPLY: the options command path $1 accepts; leaf=1 if it takes no
# subcommand or positional argument.
_svsmctl_options() {{
    leaf=0
    case $1 in
{}        *) REPLY='' ;;
    esac
}}

# REPLY for "PATH|OPTION": flag, value (free text), file, dir, or =CHOICES.
_svsmctl_value_kind() {{
    case $1 in
{}        *) REPLY=flag ;;
    esac
}}

_svsmctl() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} path='' word kind='' prefix='' leaf REPLY i
    COMPREPLY=()

    # Follow the subcommands before the cursor, skipping option values
    # ("--opt value", "--opt=value" and, split at '=' by COMP_WORDBREAKS,
    # "--opt = value"). kind is set when the cursor is on an option's value.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        case $word in
            -*=*) ;;
            -*)
                _svsmctl_value_kind "$path|$word"
                [[ $REPLY == flag ]] && continue
                ((++i < COMP_CWORD)) && [[ ${{COMP_WORDS[i]}} == = ]] && ((i++))
                if ((i == COMP_CWORD)); then
                    kind=$REPLY
                    [[ $cur == = ]] && cur=''
                fi
                ;;
            *)
                _svsmctl_subcommands "$path"
                [[ " $REPLY " == *" $word "* ]] && path=${{path:+$path }}$word
                ;;
        esac
    done
    if [[ -z $kind && $cur == -*=* ]]; then
        _svsmctl_value_kind "$path|${{cur%%=*}}"
        if [[ $REPLY != flag ]]; then
            kind=$REPLY prefix=${{cur%%=*}}= cur=${{cur#*=}}
        fi
    fi

    case $kind in
        value) return 0 ;;
        file) compopt -o filenames 2>/dev/null
              mapfile -t COMPREPLY < <(compgen -P "$prefix" -f -- "$cur"); return 0 ;;
        dir) compopt -o filenames 2>/dev/null
             mapfile -t COMPREPLY < <(compgen -P "$prefix" -d -- "$cur"); return 0 ;;
        =*) mapfile -t COMPREPLY < <(compgen -P "$prefix" -W "${{kind#=}}" -- "$cur"); return 0 ;;
    esac

    _svsmctl_options "$path"
    if [[ $cur != -* ]]; then
        ((leaf)) && [[ -z $cur ]] || _svsmctl_subcommands "$path"
    fi
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
}} &&
complete -F _svsmctl svsmctl
)",
                                      subs, opts, values);
}

}  // namespace svsmctl::completion
