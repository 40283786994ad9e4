// svsmctl check: a monitoring plugin (Nagios, Icinga, Naemon, Centreon):
// one status line with performance data, and the plugin exit codes.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>

#include "common.hpp"
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

Requirement parse_requirement(const std::string& spec) {
  auto ge = spec.find(">=");
  Requirement r{spec};
  auto name = spec.substr(0, ge);
  auto p = svsm::parse_protocol(name);
  if (!p || name.empty())
    throw UsageError(fmt::format("--require-protocol '{}': expected NAME or NAME>=VERSION, e.g. attest>=1 "
                                 "(names: core, attest, vtpm, apic, uefi-mm)", spec));
  if (*p >= SVSM_NR_PROTOCOLS)
    throw UsageError(fmt::format("--require-protocol '{}': svsmctl knows protocols 0-{}", spec,
                                 SVSM_NR_PROTOCOLS - 1));
  r.protocol = *p;
  if (ge != std::string::npos)
    r.min_version = static_cast<uint32_t>(parse_number_arg("--require-protocol", spec.substr(ge + 2), UINT32_MAX));
  return r;
}

struct Verdict {
  State state = ok;
  std::string summary;
  std::vector<std::string> problems;

  void raise(State s, std::string why) {
    // UNKNOWN ranks below CRITICAL: a known failure says more.
    auto rank = [](State x) { return x == unknown ? 1.5 : static_cast<double>(x); };
    if (rank(s) > rank(state)) state = s;
    problems.push_back(std::move(why));
  }
};

Verdict evaluate(const svsm::Status& s, const CheckOptions& o, const std::vector<Requirement>& reqs) {
  Verdict v;
  switch (s.verdict) {
    case svsm::Verdict::svsm:
      v.summary = fmt::format("SEV-SNP guest at VMPL {} under an SVSM", s.vmpl.value.value_or(0));
      break;
    case svsm::Verdict::svsm_emulated:
      v.summary = fmt::format("emulated SVSM at VMPL {}", s.vmpl.value.value_or(0));
      if (!o.allow_emulated) v.raise(warning, "the SVSM is the svsm_diag emulator (use --allow-emulated in tests)");
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

  if (o.expect_vmpl) {
    if (!s.vmpl.known()) v.raise(unknown, "VMPL unknown: " + s.vmpl.unknown);
    else if (*s.vmpl.value != *o.expect_vmpl)
      v.raise(critical, fmt::format("VMPL is {}, expected {}", *s.vmpl.value, *o.expect_vmpl));
  }
  if (!reqs.empty() || o.require_vtpm) {
    if (!s.protocols.known()) {
      v.raise(unknown, "protocols unknown: " + s.protocols.unknown);
    } else {
      for (const auto& r : reqs) {
        const auto& p = (*s.protocols.value).at(r.protocol);
        if (!p.offered())
          v.raise(critical, fmt::format("protocol {} is not offered", r.text.substr(0, r.text.find(">="))));
        else if (*p.max_version < r.min_version)
          v.raise(critical, fmt::format("{}: the SVSM offers up to version {}", r.text, *p.max_version));
      }
    }
  }
  if (o.require_vtpm && s.vtpm.known() && !*s.vtpm.value) v.raise(critical, "no SVSM vTPM");
  if (o.require_vtpm && !s.vtpm.known() && s.protocols.known()) v.raise(unknown, "vTPM unknown: " + s.vtpm.unknown);
  if (s.calling_areas.known() && !s.calling_areas.value->addresses_hidden &&
      s.calling_areas.value->distinct < s.calling_areas.value->with_ca)
    v.raise(critical, fmt::format("{} CPUs share {} Calling Areas", s.calling_areas.value->with_ca,
                                  s.calling_areas.value->distinct));
  return v;
}

std::string perfdata(const svsm::Status& s) {
  std::string p;
  if (s.vmpl.known()) p += fmt::format("vmpl={};;;0;3 ", *s.vmpl.value);
  if (s.protocols.known()) {
    int n = 0;
    for (const auto& x : *s.protocols.value) n += x.offered();
    p += fmt::format("protocols={};;;0;{} ", n, s.protocols.value->size());
  }
  if (s.calling_areas.known()) {
    p += fmt::format("cpus_online={};;;0; ", s.calling_areas.value->online);
    if (!s.calling_areas.value->addresses_hidden)
      p += fmt::format("calling_areas={};;;0; ", s.calling_areas.value->distinct);
  }
  if (!p.empty()) p.pop_back();
  return p;
}

// What to print on timeout, made before the alarm is set: the handler may
// only write() and _exit().
char timeout_text[1024];
size_t timeout_len;

void on_timeout(int) {
  (void)!::write(STDOUT_FILENO, timeout_text, timeout_len);
  ::_exit(unknown);
}

void prepare_timeout(const GlobalOptions& g, unsigned seconds) {
  timeout_len = 0;
  if (g.quiet) return;  // --quiet wins over --json, as everywhere
  std::string line = fmt::format("SVSM UNKNOWN - svsmctl check timed out after {} s", seconds);
  std::string text;
  if (g.json) {
    auto doc = json_header("check");
    doc["state"] = state_names[unknown];
    doc["exit_code"] = static_cast<int>(unknown);
    doc["summary"] = line;
    doc["problems"] = {line};
    doc["perfdata"] = "";
    text = doc.dump(2) + "\n";
  } else {
    text = line + "\n";
  }
  timeout_len = std::min(text.size(), sizeof(timeout_text));
  std::copy_n(text.begin(), timeout_len, timeout_text);
}

int run_check(const CheckOptions& o, const GlobalOptions& g, Output& out) {
  std::vector<Requirement> reqs;
  for (const auto& spec : o.require_protocols) reqs.push_back(parse_requirement(spec));
  if (o.timeout) {
    prepare_timeout(g, o.timeout);
    std::signal(SIGALRM, on_timeout);
    ::alarm(o.timeout);
  }

  Verdict v;
  std::string perf;
  try {
    svsm::StatusOptions so;
    so.device_path = g.device;
    auto s = svsm::collect_status(so);
    v = evaluate(s, o, reqs);
    perf = perfdata(s);
  } catch (const std::exception& e) {
    v.summary = "check failed";
    v.raise(unknown, e.what());
  }
  ::alarm(0);

  std::string line = fmt::format("SVSM {} - {}", state_names[v.state], v.summary);
  if (!v.problems.empty()) line += ": " + v.problems.front();
  if (g.json) {
    auto doc = json_header("check");
    doc["state"] = state_names[v.state];
    doc["exit_code"] = static_cast<int>(v.state);
    doc["summary"] = line;
    doc["problems"] = v.problems;
    doc["perfdata"] = perf;
    out.document(doc);
  } else {
    out.print("{}{}\n", line, perf.empty() ? "" : " | " + perf);
    for (size_t i = 1; i < v.problems.size(); ++i) out.print("{}\n", v.problems[i]);
  }
  return v.state;
}

}  // namespace

void add_check(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<CheckOptions>();
  auto* sub = app.add_subcommand("check", "Monitoring-plugin check: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN");
  sub->add_option("--expect-vmpl", o->expect_vmpl, "CRITICAL unless the guest runs at this VMPL")
      ->type_name("N")->transform(number_validator(3));
  sub->add_option("--require-protocol", o->require_protocols,
                  "CRITICAL unless the SVSM offers this protocol, e.g. attest or attest>=1 (repeatable)")
      ->type_name("NAME[>=V]");
  sub->add_flag("--require-vtpm", o->require_vtpm, "CRITICAL unless the SVSM offers a vTPM");
  sub->add_flag("--allow-emulated", o->allow_emulated, "Accept the emulated SVSM as OK (tests only)");
  sub->add_option("-t,--timeout", o->timeout, "UNKNOWN after SECONDS (0: no limit)")
      ->type_name("SECONDS")->transform(number_validator(86400))->capture_default_str();
  reg.add(sub, [o](const GlobalOptions& g, Output& out) { return run_check(*o, g, out); });
}

}  // namespace svsmctl
