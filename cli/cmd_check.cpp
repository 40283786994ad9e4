// SPDX-License-Identifier: GPL-2.0-only
// svsmctl check: a monitoring plugin (Nagios, Icinga, Naemon, Centreon):
// one status line with performance data, and the plugin exit codes.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>

#include "common.hpp"
#include "printer.hpp"
#include "render_status.hpp"
#include "svsm/decode.hpp"
#include "svsm/status.hpp"
#include "svsm_spec.h"

namespace svsmctl {

namespace {

enum State { ok = 0, warning = 1, critical = 2, unknown = 3 };
constexpr std::string_view state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

struct CheckOptions {
  std::optional<uint32_t> expect_vmpl;
  std::vector<std::string> require_protocols;
  bool require_vtpm = false;
  bool allow_emulated = false;
  unsigned timeout = 10;
};

struct Requirement {
  std::string text;
  uint32_t protocol = 0;
  uint32_t min_version = 1;
};

Requirement parse_requirement(const std::string &spec) {
  auto ge = spec.find(">=");
  Requirement r{spec};
  auto name = spec.substr(0, ge);
  auto p = svsm::parse_protocol(name);
  if (!p || name.empty())
    throw UsageError(
        fmt::format("--require-protocol '{}': expected NAME or NAME>=VERSION, e.g. attest>=1 "
                    "(names: {})",
                    spec, svsm::protocol_names()));
  if (*p >= SVSM_NR_PROTOCOLS)
    throw UsageError(fmt::format("--require-protocol '{}': svsmctl knows protocols 0-{}", spec,
                                 SVSM_NR_PROTOCOLS - 1));
  r.protocol = *p;
  if (ge != std::string::npos)
    r.min_version = static_cast<uint32_t>(
        parse_number_arg("--require-protocol", spec.substr(ge + 2), UINT32_MAX));
  return r;
}

// monitoring-plugins' max_state_alt: CRITICAL > WARNING > UNKNOWN > OK.
int severity(State s) {
  switch (s) {
    case ok: return 0;
    case unknown: return 1;
    case warning: return 2;
    case critical: return 3;
  }
  return 1;
}

struct Verdict {
  State state = ok;
  std::string summary;
  std::vector<std::pair<State, std::string>> problems;

  void raise(State s, std::string why) {
    if (severity(s) > severity(state)) state = s;
    problems.emplace_back(s, std::move(why));
  }
  // The worst problem first: it goes on the status line.
  [[nodiscard]] std::vector<std::string> ordered_problems() const {
    auto p = problems;
    std::stable_sort(p.begin(), p.end(), [](const auto &x, const auto &y) {
      return severity(x.first) > severity(y.first);
    });
    std::vector<std::string> out;
    for (auto &[st, text] : p) out.push_back(std::move(text));
    return out;
  }
};

void check_liveness(const svsm::Status &s, Verdict &v) {
  if (s.liveness.known()) {
    const auto &l = *s.liveness.value;
    if (l.all_responding()) return;
    std::string hint = l.failures.front().hint.empty() ? "" : " (" + l.failures.front().hint + ")";
    if (l.none_responding()) {
      v.summary = "SVSM NOT RESPONDING";
      v.raise(critical, liveness_text(l) + hint);
    } else {
      v.raise(warning, "SVSM responding " + liveness_text(l) + hint);
    }
  } else if (s.liveness.applies) {
    v.raise(unknown, "cannot tell whether the SVSM responds: " + s.liveness.unknown);
  }
}

Verdict evaluate(const svsm::Status &s, const CheckOptions &o,
                 const std::vector<Requirement> &reqs) {
  Verdict v;
  switch (s.verdict) {
    case svsm::Verdict::svsm:
      v.summary = fmt::format("SEV-SNP guest at VMPL {} under an SVSM", s.vmpl.value.value_or(0));
      break;
    case svsm::Verdict::svsm_emulated:
      v.summary = fmt::format("emulated SVSM at VMPL {}", s.vmpl.value.value_or(0));
      if (!o.allow_emulated)
        v.raise(warning, "the SVSM is the svsm_diag emulator (use --allow-emulated in tests)");
      break;
    case svsm::Verdict::snp_no_svsm:
    case svsm::Verdict::not_snp:
      v.summary = "no SVSM";
      v.raise(critical, s.verdict_reason);
      return v;
    case svsm::Verdict::unknown:
      v.summary = "cannot tell whether an SVSM is present";
      v.raise(unknown, s.verdict_reason);
      return v;
  }
  check_liveness(s, v);

  if (o.expect_vmpl) {
    if (!s.vmpl.known())
      v.raise(unknown, "VMPL unknown: " + s.vmpl.unknown);
    else if (*s.vmpl.value != *o.expect_vmpl)
      v.raise(critical, fmt::format("VMPL is {}, expected {}", *s.vmpl.value, *o.expect_vmpl));
  }
  if (!reqs.empty() || o.require_vtpm) {
    if (!s.protocols.known()) {
      v.raise(unknown, "protocols unknown: " + s.protocols.unknown);
    } else {
      for (const auto &r : reqs) {
        const auto &p = (*s.protocols.value).at(r.protocol);
        if (!p.offered())
          v.raise(critical,
                  fmt::format("protocol {} is not offered", r.text.substr(0, r.text.find(">="))));
        else if (*p.max_version < r.min_version)
          v.raise(critical,
                  fmt::format("{}: the SVSM offers up to version {}", r.text, *p.max_version));
      }
    }
  }
  if (o.require_vtpm && s.vtpm.known() && !*s.vtpm.value) v.raise(critical, "no SVSM vTPM");
  if (o.require_vtpm && !s.vtpm.known() && s.protocols.known())
    v.raise(unknown, "vTPM unknown: " + s.vtpm.unknown);
  if (s.calling_areas.known() && !s.calling_areas.value->addresses_hidden &&
      s.calling_areas.value->distinct < s.calling_areas.value->with_ca)
    v.raise(critical, fmt::format("{} CPUs share {} Calling Areas", s.calling_areas.value->with_ca,
                                  s.calling_areas.value->distinct));
  return v;
}

// One performance value; unset value: could not be measured ("U").
struct Perf {
  std::string label;
  std::optional<double> value;
  std::optional<double> min, max;
};

std::vector<Perf> perfdata(const svsm::Status &s) {
  std::vector<Perf> p;
  auto opt = [](const auto &fact, auto &&get) -> std::optional<double> {
    return fact.known() ? std::optional<double>(get(*fact.value)) : std::nullopt;
  };
  p.push_back({"responding",
               opt(s.liveness, [](const svsm::Liveness &l) { return l.all_responding() ? 1 : 0; }),
               0, 1});
  p.push_back({"cpus_not_responding",
               opt(s.liveness,
                   [](const svsm::Liveness &l) { return static_cast<double>(l.failures.size()); }),
               0, std::nullopt});
  p.push_back({"vmpl", opt(s.vmpl, [](uint32_t v) { return v; }), 0, 3});
  p.push_back({"protocols",
               opt(s.protocols,
                   [](const std::vector<svsm::ProtocolSupport> &ps) {
                     return std::count_if(ps.begin(), ps.end(),
                                          [](const auto &x) { return x.offered(); });
                   }),
               0, SVSM_NR_PROTOCOLS});
  p.push_back({"cpus_online",
               opt(s.calling_areas, [](const svsm::CaSummary &c) { return c.online; }), 0,
               std::nullopt});
  std::optional<double> cas;
  if (s.calling_areas.known() && !s.calling_areas.value->addresses_hidden)
    cas = s.calling_areas.value->distinct;
  p.push_back({"calling_areas", cas, 0, std::nullopt});
  return p;
}

std::string number(std::optional<double> v) {
  return v ? fmt::format("{}", *v) : std::string();
}

// label=value;warn;crit;min;max, with U for an unmeasured value.
std::string perfdata_text(const std::vector<Perf> &perf) {
  std::string t;
  for (const auto &p : perf)
    t += fmt::format("{}{}={};;;{};{}", t.empty() ? "" : " ", p.label,
                     p.value ? number(p.value) : "U", number(p.min), number(p.max));
  return t;
}

nlohmann::ordered_json perfdata_json(const std::vector<Perf> &perf) {
  auto num = [](std::optional<double> v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  auto a = nlohmann::ordered_json::array();
  for (const auto &p : perf)
    a.push_back({{"label", p.label},
                 {"value", num(p.value)},
                 {"uom", ""},
                 {"warn", nullptr},
                 {"crit", nullptr},
                 {"min", num(p.min)},
                 {"max", num(p.max)}});
  return a;
}

// What to print on timeout, made before the alarm is set: the handler may
// only write() and _exit().
char timeout_text[1024];
size_t timeout_len;

void on_timeout(int) {
  (void)!::write(STDOUT_FILENO, timeout_text, timeout_len);
  ::_exit(unknown);
}

// The status line, its perfdata and the further problems; in JSON the
// plugin's state and exit code, the line, the problems and the perfdata.
void print_verdict(Printer &p, State state, const std::string &line,
                   const std::vector<std::string> &problems, const std::vector<Perf> &perf) {
  auto text = perfdata_text(perf);
  p.field({}, "state", {}, state_names[state], To::json);
  p.field({}, "exit_code", {}, static_cast<int>(state), To::json);
  p.text(fmt::format("{}{}\n", line, text.empty() ? "" : " | " + text), "summary", line);
  std::string more;
  for (size_t i = 1; i < problems.size(); ++i) more += problems[i] + "\n";
  p.text(more, "problems", problems);
  p.field({}, "perfdata", {}, perfdata_json(perf), To::json);
}

void prepare_timeout(const GlobalOptions &g, unsigned seconds) {
  timeout_len = 0;
  if (g.quiet) return;  // --quiet wins over --json, as everywhere
  std::string line = fmt::format("SVSM UNKNOWN - svsmctl check timed out after {} s", seconds);
  Output none(g.json, true, false);
  Printer p(none, g.json, "check");
  print_verdict(p, unknown, line, {line}, {});
  std::string text = g.json ? p.doc().dump(2) + "\n" : p.str();
  timeout_len = std::min(text.size(), sizeof(timeout_text));
  std::copy_n(text.begin(), timeout_len, timeout_text);
}

void print_result(const Verdict &v, const std::vector<Perf> &perf, const GlobalOptions &g,
                  Output &out) {
  auto problems = v.ordered_problems();
  std::string line = fmt::format("SVSM {} - {}", state_names[v.state], v.summary);
  if (!problems.empty()) line += ": " + problems.front();
  Printer p(out, g.json, "check");
  print_verdict(p, v.state, line, problems, perf);
  p.emit(out);
}

int run_check(const CheckOptions &o, const GlobalOptions &g, Output &out) {
  std::vector<Requirement> reqs;
  try {
    for (const auto &spec : o.require_protocols) reqs.push_back(parse_requirement(spec));
  } catch (const UsageError &e) {
    return check_usage_error(g, e.what());
  }
  if (o.timeout) {
    prepare_timeout(g, o.timeout);
    std::signal(SIGALRM, on_timeout);
    ::alarm(o.timeout);
  }

  Verdict v;
  std::vector<Perf> perf;
  try {
    svsm::StatusOptions so;
    so.device_path = g.device;
    auto s = svsm::collect_status(so);
    v = evaluate(s, o, reqs);
    perf = perfdata(s);
  } catch (const std::exception &e) {
    v.summary = "check failed";
    v.raise(unknown, e.what());
  }
  ::alarm(0);
  print_result(v, perf, g, out);
  return v.state;
}

}  // namespace

int check_usage_error(const GlobalOptions &g, const std::string &message) {
  Verdict v;
  v.summary = "usage error";
  v.raise(unknown, message + " (see 'svsmctl check --help')");
  Output out(g.json, g.quiet, false);
  print_result(v, {}, g, out);
  return unknown;
}

void add_check(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<CheckOptions>();
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_check(*o, g, out); });
  if (!sub) return;  // a bare line: the defaults stand
  sub->add_option("--expect-vmpl", o->expect_vmpl, "CRITICAL unless the guest runs at this VMPL")
      ->type_name("N")
      ->transform(number_validator(3));
  sub->add_option(
         "--require-protocol", o->require_protocols,
         "CRITICAL unless the SVSM offers this protocol, e.g. attest or attest>=1 (repeatable)")
      ->type_name("NAME[>=V]");
  sub->add_flag("--require-vtpm", o->require_vtpm, "CRITICAL unless the SVSM offers a vTPM");
  sub->add_flag("--allow-emulated", o->allow_emulated,
                "Accept the emulated SVSM as OK (tests only)");
  sub->add_option("-t,--timeout", o->timeout, "UNKNOWN after SECONDS (0: no limit)")
      ->type_name("SECONDS")
      ->transform(number_validator(86400))
      ->capture_default_str();
}

}  // namespace svsmctl
