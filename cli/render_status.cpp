// SPDX-License-Identifier: GPL-2.0-only
#include "render_status.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "svsm/decode.hpp"
#include "svsm/version.hpp"
#include "svsm_spec.h"

namespace svsmctl {

using json = nlohmann::ordered_json;
using svsm::Fact;

namespace {

std::string protocol_label(uint32_t p) {
  auto name = svsm::protocol_name(p);
  return name.empty() ? std::to_string(p) : std::string(name);
}

bool attestation_offered(const std::vector<svsm::ProtocolSupport> &ps) {
  return std::any_of(ps.begin(), ps.end(), [](const svsm::ProtocolSupport &p) {
    return p.protocol == SVSM_PROTOCOL_ATTEST && p.offered();
  });
}

std::string size_text(uint64_t bytes) {
  if (bytes && bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes && bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

json liveness_json(const svsm::Liveness &l) {
  json failures = json::array();
  for (const auto &f : l.failures) {
    json j = {{"cpu", f.cpu}, {"errno_name", errno_name(f.error)}};
    j["svsm_result"] = f.result ? json(hex(*f.result)) : json(nullptr);
    j["cause"] = f.cause;
    j["hint"] = f.hint;
    failures.push_back(j);
  }
  return json{{"responding", l.all_responding()},
              {"all_cpus", !l.only_cpu},
              {"cpus_probed", l.cpus_probed},
              {"cpus_responding", l.cpus_responding()},
              {"failures", failures}};
}

// "CPU 1", "CPUs 1, 3"
std::string cpu_list(const std::vector<svsm::ProbeFailure> &fs) {
  std::string t;
  for (const auto &f : fs) t += (t.empty() ? "" : ", ") + std::to_string(f.cpu);
  return (fs.size() == 1 ? "CPU " : "CPUs ") + t;
}

// The answer to "is this guest under an SVSM?", first in the text.
std::string verdict_headline(const svsm::Status &s, const Printer &p) {
  const bool dead = s.liveness.known() && s.liveness.value->none_responding();
  switch (s.verdict) {
    case svsm::Verdict::svsm:
      return dead ? p.tone("SVSM: NOT RESPONDING", Tone::bad) : p.tone("SVSM: present", Tone::good);
    case svsm::Verdict::svsm_emulated:
      return dead ? p.tone("SVSM: NOT RESPONDING (EMULATED)", Tone::bad)
                  : p.tone("SVSM: present (EMULATED)", Tone::warn);
    case svsm::Verdict::snp_no_svsm:
    case svsm::Verdict::not_snp: return p.tone("SVSM: none", Tone::bad);
    case svsm::Verdict::unknown: break;
  }
  return p.tone("SVSM: unknown", Tone::warn);
}

std::string sev_features_text(uint64_t v) {
  std::string names;
  for (const auto &b : svsm::decode_sev_status(v))
    names += (names.empty() ? "" : " ") + std::string(b.name);
  return fmt::format("{} [{}]", names.empty() ? "none" : names, hex(v));
}

json sev_status_json(uint64_t v) {
  return hex(v);
}

std::string svsm_text(const svsm::SvsmDescription &d) {
  std::string where =
      d.addresses_hidden ? std::string("base hidden, ") : fmt::format("base {}, ", hex(d.base));
  std::string ca = d.addresses_hidden ? std::string("hidden") : hex(d.caa);
  return fmt::format("{}size {}, boot CA {}, core protocol up to v{}", where, size_text(d.size), ca,
                     d.max_version);
}

json svsm_json(const svsm::SvsmDescription &d) {
  return json{{"base", d.addresses_hidden ? json(nullptr) : json(hex(d.base))},
              {"size", d.size},
              {"initial_ca", d.addresses_hidden ? json(nullptr) : json(hex(d.caa))},
              {"max_core_version", d.max_version},
              {"addresses_hidden", d.addresses_hidden}};
}

std::string protocols_text(const std::vector<svsm::ProtocolSupport> &ps) {
  std::string on, off;
  for (const auto &p : ps) {
    if (p.offered())
      on += fmt::format("{}{} v{}-{}", on.empty() ? "" : ", ", protocol_label(p.protocol),
                        *p.min_version, *p.max_version);
    else
      off += fmt::format("{}{}", off.empty() ? "" : ", ", protocol_label(p.protocol));
  }
  return on.empty() ? "none" : on + (off.empty() ? "" : "; not offered: " + off);
}

json protocols_json(const std::vector<svsm::ProtocolSupport> &ps) {
  json a = json::array();
  for (const auto &p : ps) {
    json e = {
        {"protocol", p.protocol}, {"name", protocol_label(p.protocol)}, {"offered", p.offered()}};
    if (p.offered()) e["min_version"] = *p.min_version, e["max_version"] = *p.max_version;
    a.push_back(e);
  }
  return a;
}

std::string calling_areas_text(const svsm::CaSummary &c) {
  std::string cas =
      c.addresses_hidden ? fmt::format("{} Calling Areas (addresses need root)", c.with_ca)
      : c.with_ca == c.distinct
          ? fmt::format("{} Calling Areas, all distinct", c.distinct)
          : fmt::format("{} Calling Areas for {} CPUs: SHARED", c.distinct, c.with_ca);
  return fmt::format("{} online of {} possible; {}", c.online, c.possible, cas);
}

json calling_areas_json(const svsm::CaSummary &c) {
  return json{{"cpus_possible", c.possible},
              {"cpus_online", c.online},
              {"cpus_with_ca", c.with_ca},
              {"distinct", c.addresses_hidden ? json(nullptr) : json(c.distinct)},
              {"on_initial_ca", c.addresses_hidden ? json(nullptr) : json(c.on_initial)},
              {"addresses_hidden", c.addresses_hidden}};
}

std::string attestation_text(const svsm::Status &s) {
  std::string t;
  if (s.protocols.known())
    t = "SVSM protocol " + yes_no(attestation_offered(*s.protocols.value));
  else
    t = s.protocols.applies ? "SVSM protocol unknown" : "SVSM protocol n/a";
  auto path = [&t](std::string_view name, const Fact<bool> &f) {
    t += fmt::format(", {} {}", name, f.known() ? yes_no(*f.value) : "unknown");
  };
  path("configfs-tsm", s.platform.configfs_tsm);
  if (s.tsm_report.known()) {
    const auto &r = *s.tsm_report.value;
    std::vector<std::string> details;
    if (!r.provider.empty()) details.push_back("provider " + r.provider);
    if (r.privlevel_floor) details.push_back(fmt::format("privlevel_floor {}", *r.privlevel_floor));
    if (!details.empty()) t += fmt::format(" ({})", fmt::join(details, ", "));
  }
  path("/dev/sev-guest", s.platform.sev_guest_device);
  return t;
}

std::string module_text(const svsm::ModuleFacts &m) {
  std::string t;
  switch (m.state) {
    case svsm::ModuleState::not_loaded:
      t = m.installed ? "installed, not loaded" : "not installed";
      break;
    case svsm::ModuleState::builtin: t = "built in"; break;
    default: t = "loaded";
  }
  if (m.version) t = fmt::format("svsm_diag {} {}", *m.version, t);
  if (m.abi_version) t += fmt::format(", ABI {}", *m.abi_version);
  if (m.backend) t += fmt::format(", backend {}", svsm::backend_name(*m.backend));
  // "not loaded" already says what device_error would, but not what to do.
  if (m.state == svsm::ModuleState::not_loaded && !m.hint.empty())
    t += ": " + m.hint;
  else if (!m.device_error.empty())
    t += " (" + m.device_error + ")";
  return t;
}

json module_json(const svsm::ModuleFacts &m) {
  json j = {{"state", svsm::module_state_name(m.state)}, {"installed", m.installed}};
  j["version"] = m.version ? json(*m.version) : json(nullptr);
  j["abi_version"] = m.abi_version ? json(*m.abi_version) : json(nullptr);
  j["backend"] = m.backend ? json(svsm::backend_name(*m.backend)) : json(nullptr);
  if (!m.device_error.empty()) j["device_error"] = m.device_error;
  if (!m.hint.empty()) j["hint"] = m.hint;
  return j;
}

json cpuid_json(const svsm::CpuidInfo &c) {
  json j = {{"vendor", c.vendor}, {"hypervisor", c.hypervisor}};
  j["fn8000001f_eax"] = c.sev ? json(hex(c.sev->eax)) : json(nullptr);
  return j;
}

}  // namespace

std::string liveness_text(const svsm::Liveness &l) {
  if (l.only_cpu && l.all_responding())
    return fmt::format("yes, on CPU {} (the only one asked; --all-cpus asks each)", *l.only_cpu);
  if (l.all_responding()) return fmt::format("yes, on all {} CPUs", l.cpus_probed);
  const auto &first = l.failures.front();
  if (l.only_cpu)
    return fmt::format("NO: QUERY_PROTOCOL failed on CPU {} (the only one asked): {}", *l.only_cpu,
                       first.cause);
  bool same = std::all_of(l.failures.begin(), l.failures.end(),
                          [&first](const svsm::ProbeFailure &f) { return f.cause == first.cause; });
  std::string cause = same ? first.cause : first.cause + " (and other causes)";
  if (l.none_responding())
    return fmt::format("NO: QUERY_PROTOCOL failed on {} of {} CPUs: {}", l.failures.size(),
                       l.cpus_probed, cause);
  return fmt::format("on {} of {} CPUs; QUERY_PROTOCOL failed on {}: {}", l.cpus_responding(),
                     l.cpus_probed, cpu_list(l.failures), cause);
}

void print_status(const svsm::Status &s, Printer &p) {
  // The text leads with the verdict and whether the SVSM answers; JSON keeps
  // liveness with the other facts, after vtpm_commands.
  p.text(verdict_headline(s, p) + " - " + s.verdict_reason + "\n");
  p.field(
      {}, "verdict", {},
      [&s] {
        return json{
            {"value", svsm::verdict_name(s.verdict)},
            {"reason", s.verdict_reason},
            {"svsm_responding",
             s.liveness.known() ? json(s.liveness.value->all_responding()) : json(nullptr)}};
      },
      To::json);
  if (svsm::svsm_not_responding(s)) {
    const auto &hint = s.liveness.value->failures.front().hint;
    p.field("Responding", {}, p.tone(liveness_text(*s.liveness.value), Tone::bad), {}, To::text);
    if (!hint.empty()) p.field("Hint", {}, hint, {}, To::text);
  } else {
    p.fact("Responding", {}, s.liveness, liveness_text, liveness_json, To::text);
  }

  p.fact(
      "CVM type", "cvm_type", s.cvm_type, [](const std::string &v) { return v; }, as_is);
  p.fact("SEV features", "sev_status", s.sev_status, sev_features_text, sev_status_json);
  if (s.sev_status.known() && p.json_mode()) {
    json names = json::array();
    for (const auto &b : svsm::decode_sev_status(*s.sev_status.value)) names.push_back(b.name);
    p.begin("sev_status");  // adds to the fact's object
    p.field({}, "features", {}, names, To::json);
    p.end();
  }
  p.fact(
      "VMPL", "vmpl", s.vmpl, [](uint32_t v) { return std::to_string(v); }, as_is);
  p.json_fact("svsm_present", s.svsm_present);
  p.fact("SVSM", "svsm", s.svsm, svsm_text, svsm_json);
  p.fact("Protocols", "protocols", s.protocols, protocols_text, protocols_json);
  p.fact("CPUs", "calling_areas", s.calling_areas, calling_areas_text, calling_areas_json);
  p.fact(
      "vTPM", "vtpm", s.vtpm,
      [&s](bool v) {
        if (!v) return std::string("no");
        return s.vtpm_commands.known() ? fmt::format("yes (SVSM vTPM, platform commands {})",
                                                     hex(*s.vtpm_commands.value))
                                       : std::string("yes");
      },
      as_is);
  p.json_fact("vtpm_commands", s.vtpm_commands, [](uint64_t v) { return json(hex(v)); });
  p.json_fact("liveness", s.liveness, liveness_json);

  p.field("Attestation", {}, attestation_text(s), {}, To::text);
  p.begin("attestation");
  p.field(
      {}, "svsm_protocol", {},
      [&s] {
        return s.protocols.known() ? json(attestation_offered(*s.protocols.value)) : json(nullptr);
      },
      To::json);
  p.json_fact("configfs_tsm", s.platform.configfs_tsm);
  p.json_fact("tsm_report", s.tsm_report, [](const svsm::TsmInfo &r) {
    return json{{"provider", r.provider},
                {"privlevel_floor", r.privlevel_floor ? json(*r.privlevel_floor) : json(nullptr)},
                {"service_provider", r.service_provider}};
  });
  p.json_fact("sev_guest_device", s.platform.sev_guest_device);
  p.end();

  p.field("Module", "module", module_text(s.module), [&s] { return module_json(s.module); });

  p.begin("platform");
  p.json_fact("kernel_release", s.platform.kernel_release);
  if (s.platform.kernel_release.known())
    p.field("Kernel", {}, *s.platform.kernel_release.value, {}, To::text);
  p.json_fact("cpu_flags", s.platform.cpu_flags);
  p.json_fact("sysfs_vmpl", s.platform.sysfs_vmpl);
  p.json_fact("cpuid", s.platform.cpuid, cpuid_json);
  p.json_fact("tpm_svsm_device", s.platform.tpm_svsm);
  p.end();

  p.field(
      {}, "needs_root", {}, [&s] { return json(s.needs_root); }, To::json);
  if (!s.needs_root.empty()) {
    std::string more;
    for (const auto &n : s.needs_root) more += (more.empty() ? "" : ", ") + n;
    p.text(p.tone(fmt::format("Run as root to see: {}\n", more), Tone::dim));
  }
}

std::string render_status_text(const svsm::Status &s, const Output &out) {
  Printer p(out, false, "status");
  print_status(s, p);
  return p.str();
}

json render_status_json(const svsm::Status &s) {
  Output quiet(true, true, false);
  Printer p(quiet, true, "status");
  print_status(s, p);
  return p.doc();
}

std::string prometheus_escape(std::string_view v) {
  std::string r;
  for (char c : v) {
    if (c == '\\')
      r += "\\\\";
    else if (c == '"')
      r += "\\\"";
    else if (c == '\n')
      r += "\\n";
    else
      r += c;
  }
  return r;
}

namespace {

// One metric family: HELP and TYPE once, then its samples.
class Exposition {
 public:
  void family(std::string_view name, std::string_view help, std::string_view type = "gauge") {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, double value,
              std::initializer_list<std::pair<std::string_view, std::string>> labels = {}) {
    text_ += name;
    if (labels.size()) {
      text_ += '{';
      bool first = true;
      for (const auto &[k, v] : labels) {
        text_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, prometheus_escape(v));
        first = false;
      }
      text_ += '}';
    }
    text_ += fmt::format(" {}\n", value);
  }
  [[nodiscard]] std::string str() const { return text_; }

 private:
  std::string text_;
};

}  // namespace

std::string render_status_prometheus(const svsm::Status &s) {
  Exposition e;
  // Labels that change only with an upgrade; the kernel release is
  // node_exporter's node_uname_info.
  e.family("svsmctl_info", "svsmctl and guest description; the value is always 1");
  e.sample("svsmctl_info", 1,
           {{"version", svsm::version},
            {"cvm_type", s.cvm_type.value.value_or("unknown")},
            {"backend",
             s.module.backend ? std::string(svsm::backend_name(*s.module.backend)) : "unknown"}});

  e.family("svsmctl_verdict", "1 for svsmctl status's verdict, 0 for the others");
  for (auto v : {svsm::Verdict::svsm, svsm::Verdict::svsm_emulated, svsm::Verdict::snp_no_svsm,
                 svsm::Verdict::not_snp, svsm::Verdict::unknown})
    e.sample("svsmctl_verdict", s.verdict == v ? 1 : 0,
             {{"verdict", std::string(svsm::verdict_name(v))}});

  e.family("svsmctl_svsm_present",
           "1 if the guest runs under an SVSM (emulated included), 0 if not");
  if (s.svsm_present.known()) e.sample("svsmctl_svsm_present", *s.svsm_present.value ? 1 : 0);

  e.family("svsmctl_svsm_emulated", "1 if the SVSM is the svsm_diag emulator, not real hardware");
  e.sample("svsmctl_svsm_emulated", s.verdict == svsm::Verdict::svsm_emulated ? 1 : 0);

  e.family("svsmctl_svsm_responding",
           "1 if the SVSM answered QUERY_PROTOCOL on every CPU asked, 0 if not");
  if (s.liveness.known())
    e.sample("svsmctl_svsm_responding", s.liveness.value->all_responding() ? 1 : 0);
  e.family("svsmctl_svsm_cpus_not_responding",
           "CPUs asked on which the SVSM did not answer QUERY_PROTOCOL");
  if (s.liveness.known())
    e.sample("svsmctl_svsm_cpus_not_responding",
             static_cast<double>(s.liveness.value->failures.size()));

  e.family("svsmctl_vmpl", "VMPL the guest OS runs at");
  if (s.vmpl.known()) e.sample("svsmctl_vmpl", *s.vmpl.value);

  e.family("svsmctl_sev_feature_enabled", "SEV_STATUS feature bits, 1 if enabled");
  if (s.sev_status.known())
    for (const auto &b : svsm::sev_status_bits())
      e.sample("svsmctl_sev_feature_enabled", (*s.sev_status.value >> b.bit) & 1,
               {{"feature", std::string(b.name)}});

  e.family("svsmctl_protocol_supported", "1 if the SVSM offers the protocol, 0 if not");
  if (s.protocols.known())
    for (const auto &p : *s.protocols.value)
      e.sample("svsmctl_protocol_supported", p.offered() ? 1 : 0,
               {{"protocol", protocol_label(p.protocol)}});
  e.family("svsmctl_protocol_min_version", "lowest version of the protocol the SVSM offers");
  if (s.protocols.known())
    for (const auto &p : *s.protocols.value)
      if (p.offered())
        e.sample("svsmctl_protocol_min_version", *p.min_version,
                 {{"protocol", protocol_label(p.protocol)}});
  e.family("svsmctl_protocol_max_version", "highest version of the protocol the SVSM offers");
  if (s.protocols.known())
    for (const auto &p : *s.protocols.value)
      if (p.offered())
        e.sample("svsmctl_protocol_max_version", *p.max_version,
                 {{"protocol", protocol_label(p.protocol)}});

  e.family("svsmctl_cpus_online", "online CPUs");
  if (s.calling_areas.known()) e.sample("svsmctl_cpus_online", s.calling_areas.value->online);
  e.family("svsmctl_calling_areas_distinct",
           "distinct SVSM Calling Areas among CPUs with a known CA");
  if (s.calling_areas.known() && !s.calling_areas.value->addresses_hidden)
    e.sample("svsmctl_calling_areas_distinct", s.calling_areas.value->distinct);

  // The module's counters since it was loaded.
  const std::pair<std::string_view, uint64_t svsm::CpuInfo::*> counters[] = {
      {"svsmctl_cpu_svsm_calls_total", &svsm::CpuInfo::calls},
      {"svsmctl_cpu_svsm_retries_total", &svsm::CpuInfo::retries},
      {"svsmctl_cpu_svsm_errors_total", &svsm::CpuInfo::errors},
      {"svsmctl_cpu_svsm_unserviced_total", &svsm::CpuInfo::unserviced},
  };
  const std::string_view counter_help[] = {
      "SVSM calls the svsm_diag module made on the CPU since it was loaded",
      "BUSY/INCOMPLETE answers the svsm_diag module retried on the CPU since it was loaded",
      "SVSM calls on the CPU that failed since svsm_diag was loaded",
      "SVSM calls on the CPU the SVSM never serviced since svsm_diag was loaded",
  };
  for (size_t i = 0; i < std::size(counters); ++i) {
    e.family(counters[i].first, counter_help[i], "counter");
    for (const auto &c : s.cpus)
      e.sample(counters[i].first, static_cast<double>(c.*counters[i].second),
               {{"cpu", std::to_string(c.cpu)}});
  }

  e.family("svsmctl_vtpm_present", "1 if the SVSM offers a vTPM");
  if (s.vtpm.known()) e.sample("svsmctl_vtpm_present", *s.vtpm.value ? 1 : 0);

  e.family("svsmctl_module_loaded", "1 if the svsm_diag module is loaded");
  e.sample("svsmctl_module_loaded",
           s.module.state == svsm::ModuleState::live || s.module.state == svsm::ModuleState::builtin
               ? 1
               : 0);

  e.family("svsmctl_fact_unknown",
           "1 if the fact applies to this guest but svsmctl could not determine it, else 0");
  auto unknown = [&e](std::string_view name, const auto &fact) {
    e.sample("svsmctl_fact_unknown", fact.unknown_here() ? 1 : 0, {{"fact", std::string(name)}});
  };
  unknown("sev_status", s.sev_status);
  unknown("vmpl", s.vmpl);
  unknown("svsm_present", s.svsm_present);
  unknown("svsm_responding", s.liveness);
  unknown("protocols", s.protocols);
  unknown("calling_areas", s.calling_areas);
  unknown("vtpm", s.vtpm);

  e.family("svsmctl_last_run_timestamp_seconds", "when svsmctl collected these facts, Unix time");
  e.sample("svsmctl_last_run_timestamp_seconds", s.collected_at);
  e.family("svsmctl_run_duration_seconds", "how long svsmctl took to collect these facts");
  e.sample("svsmctl_run_duration_seconds", s.collect_seconds);
  return e.str();
}

}  // namespace svsmctl
