// SPDX-License-Identifier: GPL-2.0-only
#include "app.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "svsm/device.hpp"
#include "svsm/error.hpp"
#include "svsm/module.hpp"
#include "svsm/version.hpp"
#include "verify_render.hpp"

namespace svsmctl {

const Runner *Registry::chosen() const {
  // The deepest parsed command wins ("module load" over "module"); a bare
  // line registered one command, with no subcommand to parse.
  const Runner *best = nullptr;
  for (const auto &[sub, run] : commands_)
    if (!sub || sub->parsed()) best = &run;
  return best;
}

namespace {

// Errors the SVSM or the module described (the call came back filled in).
bool in_band(int err) {
  return err == EIO || err == EBUSY || err == ECOMM || err == EREMOTEIO;
}

// "OPERATION: detail", and the errno's text only where nothing better says
// what happened: after an SVSM result code's meaning, "Input/output error"
// would contradict it.
std::string error_text(const svsm::Error &e) {
  std::string text = e.operation();
  std::string detail = e.detail();
  while (!detail.empty() && (detail.back() == ' ' || detail.back() == ':')) detail.pop_back();
  if (!detail.empty()) text += ": " + detail;
  if (e.svsm_result() || (in_band(e.errno_value()) && !detail.empty())) return text;
  if (e.errno_value() == ENOTTY && !detail.empty()) return text;  // "not an svsm_diag device"
  while (!text.empty() && text.back() == '.') text.pop_back();
  return text + ": " + std::strerror(e.errno_value());
}

std::string errno_hint(const svsm::Error &e, const std::string &device) {
  const bool default_device = device == svsm::default_device_path;
  switch (e.errno_value()) {
    case ENOENT:
      if (!default_device)
        return fmt::format("--device {}: no such file; give the svsm_diag device node", device);
      return "load the module with 'svsmctl module load' (or 'modprobe svsm_diag')";
    case ENOTTY: return fmt::format("--device {}: give the svsm_diag device node instead", device);
    case EACCES: return fmt::format("run as root: {} is readable by root only", device);
    case EPERM:
      return "run as root; on a real SEV-SNP guest, calls that change state also need the module "
             "parameter allow_unsafe_calls=1 (and allow_remap_test=1 for remap-ca)";
    case ENODEV: return "there is no SVSM here: 'svsmctl status' says why";
    case ENXIO: return "that CPU is offline or does not exist: see 'svsmctl cpus'";
    case EIO:
      if (auto code = e.svsm_result())
        return fmt::format("'svsmctl explain {:#x}' says what the SVSM's answer means", *code);
      return {};
    case EBUSY:
      return "the SVSM stayed busy: try again, or load svsm_diag with a larger max_retries";
    case ECOMM:
      return "try again; if it happens again, the hypervisor is not running the SVSM: look in its "
             "logs";
    case EREMOTEIO: return "the hypervisor refused to run the SVSM (VMPL0): look in its logs";
    case EAGAIN:
      return "try again: NMIs (perf, watchdog, backtraces) kept interrupting the exchange";
    case EHOSTDOWN:
      return "offline and online that CPU to recover its Calling Area "
             "(echo 0, then 1, > /sys/devices/system/cpu/cpuN/online)";
    case EPROTO:
      if (e.operation() == "ATTEST")
        return "the SVSM reported sizes larger than the buffers it was given; report this to its "
               "vendor";
      return "the svsmctl and svsm_diag versions do not match: install the same version of both";
    default: return {};
  }
}

int exit_code_for(const svsm::Error &e) {
  if (e.errno_value() == EPROTO && e.operation() == "ATTEST") return exit_svsm_error;
  switch (e.errno_value()) {
    case ENOENT:
    case ENOTTY:  // --device names something that is not svsm_diag
    case EACCES:
    case EPERM:
    case EPROTO: return exit_unavailable;
    case ENODEV: return exit_not_svsm;
    case EIO:
    case EBUSY:
    case ECOMM:
    case EREMOTEIO:
    case EAGAIN:
    case EHOSTDOWN: return exit_svsm_error;
    default: return exit_failure;
  }
}

int exit_code_for(const svsm::ModuleError &e) {
  switch (e.kind()) {
    case svsm::ModuleErrorKind::no_device: return exit_not_svsm;
    case svsm::ModuleErrorKind::bad_parameter: return exit_usage;
    case svsm::ModuleErrorKind::other:
    case svsm::ModuleErrorKind::in_use:
    case svsm::ModuleErrorKind::loaded_differently: return exit_failure;
    default: return exit_unavailable;
  }
}

void report(Output &out, bool json, int code, const std::string &message, const std::string &hint,
            std::optional<int> err = {}, std::optional<uint32_t> svsm_result = {}) {
  out.error(message, hint);
  if (!json) return;
  nlohmann::ordered_json e = {{"message", message}, {"exit_code", code}};
  if (!hint.empty()) e["hint"] = hint;
  if (err) e["errno"] = *err, e["errno_name"] = strerrorname_np(*err) ? strerrorname_np(*err) : "";
  if (svsm_result) e["svsm_result"] = fmt::format("{:#x}", *svsm_result);
  auto doc = json_header("error");
  doc["error"] = e;
  out.document(doc);
}

// Every command, in the order 'svsmctl --help' lists them. A bare command
// runs when named alone ("svsmctl status"): it has no required argument and
// no nested command, so CLI11 would leave every option at its default.
struct Command {
  const char *name;
  const char *summary;
  void (*add)(CLI::App *sub, Registry &reg);
  bool bare;
};
constexpr Command commands[] = {
    {"status", "Say whether this guest runs under an SVSM, and what it offers", add_status, true},
    {"cpus", "List each CPU's Calling Area and SVSM call counters", add_cpus, true},
    {"protocols", "Ask the SVSM which protocols and versions it offers", add_protocols, true},
    {"call", "Issue one SVSM call and decode its result", add_call, false},
    {"remap-ca", "Self-test: remap each CPU's Calling Area to a test page and back", add_remap,
     true},
    {"attest", "Get an SVSM attestation report, services manifest and certificates", add_attest,
     true},
    {"verify", "Verify attestation evidence in a directory (attest --out, snpguest)", add_verify,
     false},
    {"explain", "Decode an SVSM result code (works offline)", add_explain, false},
    {"check", "Monitoring-plugin check: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", add_check,
     true},
    {"module", "Load, unload or inspect the svsm_diag kernel module", add_module, false},
    {"completion", "Print a shell completion script (bash, zsh or fish)", add_completion, false},
};

const Command *find_command(std::string_view word) {
  for (const auto &c : commands)
    if (word == c.name) return &c;
  return nullptr;
}

bool is_command(std::string_view word) {
  return find_command(word) != nullptr;
}

// The first word that is neither an option nor an option's value: the
// command, if the user named one.
std::optional<std::string_view> first_word(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--color" || a == "--device") {
      ++i;
      continue;
    }
    if (a.empty() || a.front() == '-') continue;
    return a;
  }
  return std::nullopt;
}

// The command a short tree can parse this line with: the one named, when no
// other word could name a command (a tree without the others would read
// such a word as an argument where the whole tree reads a command).
std::string_view short_tree_command(int argc, char **argv, std::optional<std::string_view> word) {
  if (!word || !is_command(*word) || *word == "completion") return {};
  int named = 0;
  for (int i = 1; i < argc; ++i) named += is_command(argv[i]);
  return named == 1 ? *word : std::string_view();
}

// The command line's tree: every command, named and described, with its
// options; or, for @only, that command alone. Building every command is a
// good part of what a run costs at start-up (docs/benchmarks.md).
struct Cli {
  CLI::App app{"Diagnose AMD SEV-SNP guests running under an SVSM", "svsmctl"};
  GlobalOptions g;
  Registry reg;
  CLI::Option *device = nullptr;
  bool complete = false;  // every command has its options
};

std::unique_ptr<Cli> make_cli(std::string_view only) {
  auto cli = std::make_unique<Cli>();
  CLI::App &app = cli->app;
  GlobalOptions &g = cli->g;
  app.set_version_flag("-V,--version", std::string("svsmctl ") + svsm::version);
  app.add_flag("--json", g.json, "Print JSON (schema_version 1) instead of text");
  app.add_flag("-q,--quiet", g.quiet, "Print nothing; only the exit status tells");
  app.add_option("--color", g.color, "Colour text output: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cli->device = app.add_option("--device", g.device, "The svsm_diag device")
                    ->default_str(svsm::default_device_path);
  app.require_subcommand(1);
  app.fallthrough();
  // The message alone: the hint that follows names the command's man page.
  app.failure_message(
      [](const CLI::App *, const CLI::Error &e) { return std::string(e.what()) + "\n"; });
  cli->complete = only.empty();
  for (const auto &c : commands)
    if (cli->complete || only == c.name) c.add(app.add_subcommand(c.name, c.summary), cli->reg);
  return cli;
}

// The command given, "" for none (the tree may hold no other).
std::string given(const CLI::App &app) {
  for (const auto *sub : app.get_subcommands({}))
    if (sub->parsed()) return sub->get_name();
  return {};
}

// The man page of @command ("svsmctl-call(8)"), or svsmctl(8) for none.
std::string man_hint(std::string_view command) {
  if (!command.empty())
    return fmt::format("see 'svsmctl {} --help' or the manual page svsmctl-{}(8)", command,
                       command);
  return "see 'svsmctl --help' or the manual page svsmctl(8)";
}

// CLI11's error, in svsmctl's words, and the exit status for it.
int parse_error(Cli &cli, const CLI::ParseError &e, std::optional<std::string_view> word) {
  CLI::App &app = cli.app;
  if (word && !is_command(*word)) {
    // CLI11 would only say "A subcommand is required".
    std::string names;
    for (const auto &c : commands) names += (names.empty() ? "" : ", ") + std::string(c.name);
    std::fprintf(stderr, "svsmctl: unknown command '%.*s'\nhint: commands are %s\n",
                 static_cast<int>(word->size()), word->data(), names.c_str());
    return exit_usage;
  }
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
  if (app.exit(e) == 0) return exit_ok;
  const std::string command = given(app);
  std::fprintf(stderr, "hint: %s\n", man_hint(command).c_str());
  // A monitoring plugin reports bad arguments as UNKNOWN, on stdout.
  if (command == "check") return check_usage_error(cli.g, e.what());
  return exit_usage;
}

// Runs the command chosen, @command, and turns what it throws into a
// message and an exit status.
int dispatch(const Runner *runner, const GlobalOptions &g, std::string_view command) {
  bool color = g.color == "always" || (g.color == "auto" && !g.json && ::isatty(STDOUT_FILENO));
  Output out(g.json, g.quiet, color);
  if (!runner) {
    out.error("no command given", "see 'svsmctl --help'");
    return exit_usage;
  }
  const int usage_code = command == "check" ? 3 : exit_usage;
  try {
    return (*runner)(g, out);
  } catch (const UsageError &e) {
    report(out, g.json, usage_code, e.what(), man_hint(command));
    return usage_code;
  } catch (const svsm::ModuleError &e) {
    int code = exit_code_for(e);
    report(out, g.json, code, e.what(), e.hint(), e.errno_value());
    return code;
  } catch (const svsm::Error &e) {
    int code = exit_code_for(e);
    report(out, g.json, code, error_text(e), errno_hint(e, g.device), e.errno_value(),
           e.svsm_result());
    return code;
  } catch (const std::exception &e) {
    report(out, g.json, exit_failure, e.what(), "");
    return exit_failure;
  }
}

}  // namespace

bool asks_version(int argc, char **argv) {
  return argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0);
}

// Same text as CLI11's version flag; one write(), no stdio buffer to flush.
int print_version() {
  char line[64];
  const int n = std::snprintf(line, sizeof(line), "svsmctl %s\n", svsm::version);
  if (n > 0 && static_cast<size_t>(n) < sizeof(line) &&
      ::write(STDOUT_FILENO, line, static_cast<size_t>(n)) == n)
    return exit_ok;
  std::fprintf(stderr, "svsmctl: cannot print the version: %s\n", std::strerror(errno));
  return exit_failure;
}

int run(int argc, char **argv) {
  // A lone --version answers before the command tree is built: scripts ask
  // it often.
  if (asks_version(argc, argv)) return print_version();
  // "svsmctl status", the line a fleet runs every minute, is a bare command
  // and nothing else: every option keeps its default, as the parser would
  // leave it, so there is nothing to parse (the unit tests compare the two).
  if (const Command *c = argc == 2 ? find_command(argv[1]) : nullptr; c && c->bare) {
    Registry reg;
    c->add(nullptr, reg);
    GlobalOptions g;
    g.device = svsm::default_device_path;
    return dispatch(reg.chosen(), g, c->name);
  }
  // The short tree answers the usual line. Help, every error, and a line it
  // read some other way than @word suggested get the whole tree's answer,
  // so they are the same whichever tree was tried first.
  const auto word = first_word(argc, argv);
  auto cli = make_cli(short_tree_command(argc, argv, word));
  for (;;) {
    try {
      cli->app.parse(argc, argv);
      if (cli->complete || cli->reg.chosen()) break;
    } catch (const CLI::ParseError &e) {
      if (cli->complete) return parse_error(*cli, e, word);
    }
    cli = make_cli({});
  }
  GlobalOptions &g = cli->g;
  if (cli->device->count() == 0) {
    g.device = svsm::default_device_path;
  } else if (g.device.empty()) {
    std::fprintf(stderr,
                 "svsmctl: --device '': empty; give the svsm_diag device node (default %s)\n",
                 svsm::default_device_path);
    return exit_usage;
  }
  return dispatch(cli->reg.chosen(), g, given(cli->app));
}

}  // namespace svsmctl
