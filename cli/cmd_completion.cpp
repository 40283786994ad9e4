// SPDX-License-Identifier: GPL-2.0-only
// svsmctl completion bash|zsh|fish: shell completion scripts generated from
// this program's own CLI11 tree at run time, so they cannot drift from the
// parser. The hidden "completion json" prints the same tree as JSON, for the
// man-page coverage test (tests/docs).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "app.hpp"
#include "svsm/version.hpp"

namespace svsmctl {

namespace {

using json = nlohmann::ordered_json;

// ---- The CLI tree, as the generators need it ----

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

// CLI::IsMember describes itself as "{a,b,c}" (CLI11's detail::generate_set);
// CLI11 2.1 keeps the set itself inside a closure, so the description is the
// only place to read it back from. A Transformer's "{from->to,...}" gives "from".
std::vector<std::string> choices_of(CLI::Option* opt) {
  for (int i = 0;; ++i) {
    CLI::Validator* v = nullptr;
    try {
      v = opt->get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    std::string d = v->get_description();
    if (d.size() < 2 || d.front() != '{' || d.back() != '}') continue;
    std::vector<std::string> out;
    for (auto& item : CLI::detail::split(d.substr(1, d.size() - 2), ',')) {
      auto arrow = item.find("->");
      if (arrow != std::string::npos) item.resize(arrow);
      if (item.empty() || item.find_first_of(" \t\n'\"\\") != std::string::npos) return {};
      out.push_back(item);
    }
    return out;
  }
}

// FILE and DIR, whether set with type_name() or by CLI::ExistingFile/Directory.
std::string files_of(const CLI::Option* opt) {
  for (const auto& part : CLI::detail::split(opt->get_type_name(), ':')) {
    if (part == "FILE") return "file";
    if (part == "DIR") return "dir";
  }
  return {};
}

CommandSpec describe(CLI::App* app, std::vector<std::string> path) {
  CommandSpec c;
  c.path = std::move(path);
  c.description = app->get_description();
  c.hidden = !c.path.empty() && app->get_group().empty();
  c.fallthrough = app->get_fallthrough();
  for (CLI::Option* opt : app->get_options([](CLI::Option*) { return true; })) {
    if (opt->get_positional() && !opt->nonpositional()) {
      c.positionals.push_back({opt->get_name(true), opt->get_description(), opt->get_required()});
      continue;
    }
    OptionSpec o;
    o.longs = opt->get_lnames();
    o.shorts = opt->get_snames();
    o.description = opt->get_description();
    o.type_name = opt->get_type_name();
    o.default_value = opt->get_default_str();
    o.takes_value = opt->get_expected_max() > 0;  // flags expect 0 arguments
    o.repeatable = opt->get_expected_max() > 1;   // vector options
    o.required = opt->get_required();
    o.hidden = opt->get_group().empty();
    if (o.takes_value) {
      o.choices = choices_of(opt);
      o.files = files_of(opt);
    }
    c.options.push_back(std::move(o));
  }
  for (CLI::App* sub : app->get_subcommands([](CLI::App* s) { return !s->get_name().empty(); })) {
    auto sub_path = c.path;
    sub_path.push_back(sub->get_name());
    c.subcommands.push_back(describe(sub, std::move(sub_path)));
  }
  return c;
}

bool same_name(const OptionSpec& a, const OptionSpec& b) {
  auto shared = [](const std::vector<std::string>& x, const std::vector<std::string>& y) {
    return std::any_of(x.begin(), x.end(), [&](const auto& n) { return std::find(y.begin(), y.end(), n) != y.end(); });
  };
  return shared(a.longs, b.longs) || shared(a.shorts, b.shorts);
}

// The options a command accepts: its own, then, when it falls through, its
// parent's (svsmctl status --json works), without the names it redefines
// (every command has its own --help). Hidden options are left out.
std::vector<OptionSpec> effective_options(const std::vector<const CommandSpec*>& chain) {
  std::vector<OptionSpec> out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& o : (*it)->options) {
      if (o.hidden) continue;
      if (std::none_of(out.begin(), out.end(), [&](const auto& x) { return same_name(x, o); })) out.push_back(o);
    }
    if (!(*it)->fallthrough) break;
  }
  return out;
}

std::vector<std::string> option_words(const OptionSpec& o) {
  std::vector<std::string> w;
  for (const auto& s : o.shorts) w.push_back("-" + s);
  for (const auto& l : o.longs) w.push_back("--" + l);
  return w;
}

std::vector<const CommandSpec*> visible_subcommands(const CommandSpec& c) {
  std::vector<const CommandSpec*> v;
  for (const auto& s : c.subcommands)
    if (!s.hidden) v.push_back(&s);
  return v;
}

// Calls fn(command, chain from the root to it) for every visible command.
template <typename F>
void walk(const CommandSpec& c, std::vector<const CommandSpec*>& chain, F&& fn) {
  chain.push_back(&c);
  fn(c, chain);
  for (const auto* s : visible_subcommands(c)) walk(*s, chain, fn);
  chain.pop_back();
}

template <typename F>
void walk(const CommandSpec& root, F&& fn) {
  std::vector<const CommandSpec*> chain;
  walk(root, chain, fn);
}

std::string sh_quote(std::string_view s) {
  std::string r = "'";
  for (char ch : s) r += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return r + "'";
}

std::string header(std::string_view shell) {
  return fmt::format(
      "# {} completion for svsmctl. Generated by 'svsmctl completion {}' from the\n"
      "# command-line definition of svsmctl {}: do not edit, regenerate it.\n",
      shell, shell, svsm::version);
}

// ---- bash ----

std::string bash_script(const CommandSpec& root) {
  std::string subs, opts, values;
  walk(root, [&](const CommandSpec& c, const std::vector<const CommandSpec*>& chain) {
    std::vector<std::string> names;
    for (const auto* s : visible_subcommands(c)) names.push_back(s->name());
    if (!names.empty()) subs += fmt::format("        {}) REPLY={} ;;\n", sh_quote(c.key()), sh_quote(fmt::format("{}", fmt::join(names, " "))));

    std::vector<std::string> words;
    for (const auto& o : effective_options(chain)) {
      auto w = option_words(o);
      words.insert(words.end(), w.begin(), w.end());
      if (!o.takes_value) continue;
      std::string kind = !o.choices.empty() ? fmt::format("={}", fmt::join(o.choices, " "))
                         : !o.files.empty() ? o.files
                                            : "value";
      std::vector<std::string> keys;
      for (const auto& word : w) keys.push_back(sh_quote(c.key() + "|" + word));
      values += fmt::format("        {}) REPLY={} ;;\n", fmt::join(keys, "|"), sh_quote(kind));
    }
    // A command with neither subcommands nor positionals offers its options
    // on an empty word; the others wait for a '-'.
    bool leaf = c.subcommands.empty() && c.positionals.empty();
    opts += fmt::format("        {}) REPLY={}{} ;;\n", sh_quote(c.key()), sh_quote(fmt::format("{}", fmt::join(words, " "))),
                        leaf ? "; leaf=1" : "");
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

// ---- zsh ----

// Text inside an _arguments spec: [description] and :message: fields.
std::string zsh_escape(std::string_view s) {
  std::string r;
  for (char ch : s) {
    if (ch == '\'') r += "'\\''";
    else if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') r += std::string("\\") + ch;
    else r += ch;
  }
  return r;
}

std::string zsh_function(const CommandSpec& c) {
  std::string name = "_svsmctl";
  for (const auto& p : c.path) {
    std::string part = p;
    std::replace(part.begin(), part.end(), '-', '_');
    name += "__" + part;
  }
  return name;
}

std::string zsh_option_spec(const OptionSpec& o) {
  auto words = option_words(o);
  std::string exclusion = words.size() > 1 ? fmt::format("'({})'", fmt::join(words, " ")) : std::string("");
  std::string star = o.repeatable ? "*" : "";
  if (o.repeatable) exclusion.clear();
  // Each form quoted ('*' would glob), brace-expanded when there are several.
  std::vector<std::string> forms;
  for (const auto& s : o.shorts) forms.push_back(fmt::format("'{}-{}{}'", star, s, o.takes_value ? "+" : ""));
  for (const auto& l : o.longs) forms.push_back(fmt::format("'{}--{}{}'", star, l, o.takes_value ? "=" : ""));
  std::string names = forms.size() > 1 ? fmt::format("{{{}}}", fmt::join(forms, ",")) : forms.front();

  std::string tail = fmt::format("[{}]", zsh_escape(o.description));
  if (o.takes_value) {
    // The value's name: FILE, N, ... or, for CLI11's generic TEXT, the option's.
    std::string message = o.type_name.substr(0, o.type_name.find(':'));
    if ((message.empty() || message == "TEXT") && !o.longs.empty()) {
      message = o.longs.front();
      std::transform(message.begin(), message.end(), message.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    }
    std::string action = !o.choices.empty() ? fmt::format("({})", fmt::join(o.choices, " "))
                         : o.files == "file" ? "_files"
                         : o.files == "dir"  ? "_files -/"
                                             : " ";
    tail += fmt::format(":{}:{}", zsh_escape(message.empty() ? std::string("VALUE") : message), action);
  }
  return fmt::format("{}{}'{}'", exclusion, names, tail);
}

std::string zsh_script(const CommandSpec& root) {
  std::string functions;
  walk(root, [&](const CommandSpec& c, const std::vector<const CommandSpec*>& chain) {
    std::vector<std::string> specs;
    for (const auto& o : effective_options(chain)) specs.push_back(zsh_option_spec(o));
    auto subs = visible_subcommands(c);
    std::string f = fmt::format("{}() {{\n", zsh_function(c));
    if (subs.empty()) {
      int n = 0;
      for (const auto& p : c.positionals)
        specs.push_back(fmt::format("'{}:{}: '", ++n, zsh_escape(p.name)));
      f += "  _arguments -s : \\\n";
      for (size_t i = 0; i < specs.size(); ++i)
        f += fmt::format("    {}{}\n", specs[i], i + 1 < specs.size() ? " \\" : "");
      if (specs.empty()) f += "    ''\n";
    } else {
      f += "  local curcontext=$curcontext state line ret=1\n  typeset -A opt_args\n";
      f += "  _arguments -C -s : \\\n";
      for (const auto& s : specs) f += fmt::format("    {} \\\n", s);
      f += "    '1: :->command' \\\n    '*:: :->argument' && ret=0\n";
      f += "  case $state in\n    command)\n      local -a commands=(\n";
      for (const auto* s : subs)
        f += fmt::format("        '{}:{}'\n", s->name(), zsh_escape(s->description));
      f += fmt::format("      )\n      _describe -t commands '{} command' commands && ret=0\n      ;;\n",
                       c.path.empty() ? std::string("svsmctl") : "svsmctl " + c.key());
      f += "    argument)\n      case $words[1] in\n";
      for (const auto* s : subs) f += fmt::format("        {}) {} && ret=0 ;;\n", s->name(), zsh_function(*s));
      f += "      esac\n      ;;\n  esac\n  return ret\n";
    }
    f += "}\n\n";
    functions += f;
  });
  return "#compdef svsmctl\n" + header("zsh") + "\n" + functions +
         "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n  _svsmctl \"$@\"\nelse\n"
         "  compdef _svsmctl svsmctl\nfi\n";
}

// ---- fish ----

std::string fish_quote(std::string_view s) {
  std::string r = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') r += '\\';
    r += ch;
  }
  return r + "'";
}

std::string fish_script(const CommandSpec& root) {
  std::vector<std::string> sub_keys, value_keys;
  std::string completes;
  walk(root, [&](const CommandSpec& c, const std::vector<const CommandSpec*>& chain) {
    std::string cond = fish_quote(fmt::format("__svsmctl_is '{}'", c.key()));
    for (const auto* s : visible_subcommands(c)) {
      sub_keys.push_back(fish_quote(c.key() + "|" + s->name()));
      completes += fmt::format("complete -c svsmctl -n {} -a {} -d {}\n", cond, s->name(), fish_quote(s->description));
    }
    for (const auto& o : effective_options(chain)) {
      std::string line = fmt::format("complete -c svsmctl -n {}", cond);
      for (const auto& s : o.shorts) line += " -s " + s;
      for (const auto& l : o.longs) line += " -l " + l;
      if (o.takes_value) {
        for (const auto& w : option_words(o)) value_keys.push_back(fish_quote(c.key() + "|" + w));
        if (!o.choices.empty()) line += " -x -a " + fish_quote(fmt::format("{}", fmt::join(o.choices, " ")));
        else if (o.files == "file") line += " -r -F";
        else if (o.files == "dir") line += " -x -a '(__fish_complete_directories)'";
        else line += " -x";
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
                                      fmt::join(sub_keys, " "), fmt::join(value_keys, " "), completes);
}

// ---- JSON ----

json tree_json(const CommandSpec& c) {
  json j = {{"name", c.name()}, {"path", c.key()}, {"description", c.description}, {"hidden", c.hidden},
            {"fallthrough", c.fallthrough}};
  json& opts = j["options"] = json::array();
  for (const auto& o : c.options) {
    json oj = {{"long", o.longs}, {"short", o.shorts}, {"description", o.description},
               {"takes_value", o.takes_value}, {"type_name", o.type_name}, {"default", o.default_value},
               {"repeatable", o.repeatable}, {"required", o.required}, {"hidden", o.hidden},
               {"choices", o.choices}};
    oj["files"] = o.files.empty() ? json(nullptr) : json(o.files);
    opts.push_back(oj);
  }
  json& pos = j["positionals"] = json::array();
  for (const auto& p : c.positionals)
    pos.push_back({{"name", p.name}, {"description", p.description}, {"required", p.required}});
  json& subs = j["subcommands"] = json::array();
  for (const auto& s : c.subcommands) subs.push_back(tree_json(s));
  return j;
}

}  // namespace

void add_completion(CLI::App& app, Registry& reg) {
  auto* sub = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  sub->require_subcommand(1);
  CLI::App* root = &app;

  auto script = [root](std::string (*generate)(const CommandSpec&)) {
    return [root, generate](const GlobalOptions&, Output& out) {
      out.print("{}", generate(describe(root, {})));
      return static_cast<int>(exit_ok);
    };
  };
  reg.add(sub->add_subcommand("bash", "Print the bash completion script"), script(bash_script));
  reg.add(sub->add_subcommand("zsh", "Print the zsh completion script"), script(zsh_script));
  reg.add(sub->add_subcommand("fish", "Print the fish completion script"), script(fish_script));

  // Hidden (no group): the CLI tree for tests/docs, not a stable interface.
  auto* tree = sub->add_subcommand("json", "Print the command-line definition as JSON")->group("");
  reg.add(tree, [root](const GlobalOptions&, Output& out) {
    auto doc = json_header("completion json");
    doc["cli"] = tree_json(describe(root, {}));
    out.document(doc);
    return static_cast<int>(exit_ok);
  });
}

}  // namespace svsmctl
