// SPDX-License-Identifier: GPL-2.0-only
#include "render_status.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "svsm/decode.hpp"
#include "svsm/version.hpp"

namespace svsmctl {

using json = nlohmann::ordered_json;
using svsm::Fact;

namespace {

// ---- JSON ----

template <typename T, typename F>
json fact_json(const Fact<T>& f, F&& to_json) {
  json j = {{"value", f.known() ? to_json(*f.value) : json(nullptr)},
            {"source", svsm::source_name(f.source)}};
  if (!f.applies) j["not_applicable"] = f.unknown;
  else if (!f.known()) j["unknown"] = f.unknown;
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

template <typename T>
json fact_json(const Fact<T>& f) {
  return fact_json(f, [](const T& v) { return json(v); });
}

json sev_features_json(uint64_t sev_status) {
  json names = json::array();
  for (const auto& b : svsm::decode_sev_status(sev_status)) names.push_back(b.name);
  return names;
}

std::string protocol_label(uint32_t p) {
  auto name = svsm::protocol_name(p);
  return name.empty() ? std::to_string(p) : std::string(name);
}

// ---- text ----

template <typename T>
std::string provenance(const Fact<T>& f) {
  std::string s = fmt::format("({}", svsm::source_name(f.source));
  if (!f.note.empty()) s += "; " + f.note;
  return s + ")";
}

std::string size_text(uint64_t bytes) {
  if (bytes && bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes && bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

json liveness_json(const svsm::Liveness& l) {
  json failures = json::array();
  for (const auto& f : l.failures) {
    json j = {{"cpu", f.cpu}, {"errno_name", errno_name(f.error)}};
    j["svsm_result"] = f.result ? json(hex(*f.result)) : json(nullptr);
    j["cause"] = f.cause;
    j["hint"] = f.hint;
    failures.push_back(j);
  }
  return json{{"responding", l.all_responding()},
              {"cpus_probed", l.cpus_probed},
              {"cpus_responding", l.cpus_responding()},
              {"failures", failures}};
}

// "CPU 1", "CPUs 1, 3"
std::string cpu_list(const std::vector<svsm::ProbeFailure>& fs) {
  std::string t;
  for (const auto& f : fs) t += (t.empty() ? "" : ", ") + std::to_string(f.cpu);
  return (fs.size() == 1 ? "CPU " : "CPUs ") + t;
}

}  // namespace

std::string liveness_text(const svsm::Liveness& l) {
  if (l.all_responding()) return fmt::format("yes, on all {} CPUs", l.cpus_probed);
  const auto& first = l.failures.front();
  bool same = std::all_of(l.failures.begin(), l.failures.end(),
                          [&first](const svsm::ProbeFailure& f) { return f.cause == first.cause; });
  std::string cause = same ? first.cause : first.cause + " (and other causes)";
  if (l.none_responding())
    return fmt::format("NO: QUERY_PROTOCOL failed on {} of {} CPUs: {}", l.failures.size(), l.cpus_probed, cause);
  return fmt::format("on {} of {} CPUs; QUERY_PROTOCOL failed on {}: {}", l.cpus_responding(), l.cpus_probed,
                     cpu_list(l.failures), cause);
}

json render_status_json(const svsm::Status& s) {
  json doc = json_header("status");
  doc["verdict"] = {{"value", svsm::verdict_name(s.verdict)},
                    {"reason", s.verdict_reason},
                    {"svsm_responding",
                     s.liveness.known() ? json(s.liveness.value->all_responding()) : json(nullptr)}};
  doc["cvm_type"] = fact_json(s.cvm_type);
  doc["sev_status"] = fact_json(s.sev_status, [](uint64_t v) { return json(hex(v)); });
  if (s.sev_status.known()) doc["sev_status"]["features"] = sev_features_json(*s.sev_status.value);
  doc["vmpl"] = fact_json(s.vmpl);
  doc["svsm_present"] = fact_json(s.svsm_present);
  doc["svsm"] = fact_json(s.svsm, [](const svsm::SvsmDescription& d) {
    return json{{"base", d.addresses_hidden ? json(nullptr) : json(hex(d.base))},
                {"size", d.size},
                {"initial_ca", d.addresses_hidden ? json(nullptr) : json(hex(d.caa))},
                {"max_core_version", d.max_version},
                {"addresses_hidden", d.addresses_hidden}};
  });
  doc["protocols"] = fact_json(s.protocols, [](const std::vector<svsm::ProtocolSupport>& ps) {
    json a = json::array();
    for (const auto& p : ps) {
      json e = {{"protocol", p.protocol}, {"name", protocol_label(p.protocol)}, {"offered", p.offered()}};
      if (p.offered()) e["min_version"] = *p.min_version, e["max_version"] = *p.max_version;
      a.push_back(e);
    }
    return a;
  });
  doc["calling_areas"] = fact_json(s.calling_areas, [](const svsm::CaSummary& c) {
    return json{{"cpus_possible", c.possible}, {"cpus_online", c.online}, {"cpus_with_ca", c.with_ca},
                {"distinct", c.addresses_hidden ? json(nullptr) : json(c.distinct)},
                {"on_initial_ca", c.addresses_hidden ? json(nullptr) : json(c.on_initial)},
                {"addresses_hidden", c.addresses_hidden}};
  });
  doc["vtpm"] = fact_json(s.vtpm);
  doc["vtpm_commands"] = fact_json(s.vtpm_commands, [](uint64_t v) { return json(hex(v)); });
  doc["liveness"] = fact_json(s.liveness, liveness_json);
  bool svsm_attest = s.protocols.known() && (*s.protocols.value).size() > 1 &&
                     (*s.protocols.value)[1].offered();
  doc["attestation"] = {
      {"svsm_protocol", s.protocols.known() ? json(svsm_attest) : json(nullptr)},
      {"configfs_tsm", fact_json(s.platform.configfs_tsm)},
      {"sev_guest_device", fact_json(s.platform.sev_guest_device)},
  };
  json m = {{"state", svsm::module_state_name(s.module.state)}, {"installed", s.module.installed}};
  m["version"] = s.module.version ? json(*s.module.version) : json(nullptr);
  m["abi_version"] = s.module.abi_version ? json(*s.module.abi_version) : json(nullptr);
  m["backend"] = s.module.backend ? json(svsm::backend_name(*s.module.backend)) : json(nullptr);
  if (!s.module.device_error.empty()) m["device_error"] = s.module.device_error;
  if (!s.module.hint.empty()) m["hint"] = s.module.hint;
  doc["module"] = m;
  doc["platform"] = {
      {"kernel_release", fact_json(s.platform.kernel_release)},
      {"cpu_flags", fact_json(s.platform.cpu_flags)},
      {"sysfs_vmpl", fact_json(s.platform.sysfs_vmpl)},
      {"cpuid", fact_json(s.platform.cpuid, [](const svsm::CpuidInfo& c) {
         json j = {{"vendor", c.vendor}, {"hypervisor", c.hypervisor}};
         j["fn8000001f_eax"] = c.sev ? json(hex(c.sev->eax)) : json(nullptr);
         return j;
       })},
      {"tpm_svsm_device", fact_json(s.platform.tpm_svsm)},
  };
  doc["needs_root"] = s.needs_root;
  return doc;
}

std::string render_status_text(const svsm::Status& s, const Output& out) {
  std::string t;
  auto line = [&t](std::string_view label, const std::string& value) {
    t += fmt::format("  {:<14}{}\n", fmt::format("{}:", label), value);
  };
  auto unknown = [&out](const std::string& why) {
    return out.tone("unknown", Tone::warn) + (why.empty() ? "" : " (" + why + ")");
  };
  auto fact = [&](std::string_view label, const auto& f, auto&& text) {
    if (!f.applies) line(label, out.tone("n/a (" + f.unknown + ")", Tone::dim));
    else line(label, f.known() ? text(*f.value) + " " + out.tone(provenance(f), Tone::dim) : unknown(f.unknown));
  };
  const bool dead = s.liveness.known() && s.liveness.value->none_responding();

  // The verdict first: the answer to "is this guest under an SVSM?".
  switch (s.verdict) {
    case svsm::Verdict::svsm:
      t += dead ? out.tone("SVSM: NOT RESPONDING", Tone::bad) : out.tone("SVSM: present", Tone::good);
      break;
    case svsm::Verdict::svsm_emulated:
      t += dead ? out.tone("SVSM: NOT RESPONDING (EMULATED)", Tone::bad)
                : out.tone("SVSM: present (EMULATED)", Tone::warn);
      break;
    case svsm::Verdict::snp_no_svsm:
    case svsm::Verdict::not_snp:
      t += out.tone("SVSM: none", Tone::bad);
      break;
    case svsm::Verdict::unknown:
      t += out.tone("SVSM: unknown", Tone::warn);
      break;
  }
  t += " - " + s.verdict_reason + "\n";
  if (svsm::svsm_not_responding(s)) {
    line("Responding", out.tone(liveness_text(*s.liveness.value), Tone::bad));
    if (!s.liveness.value->failures.front().hint.empty()) line("Hint", s.liveness.value->failures.front().hint);
  } else {
    fact("Responding", s.liveness, liveness_text);
  }

  fact("CVM type", s.cvm_type, [](const std::string& v) { return v; });
  fact("SEV features", s.sev_status, [](uint64_t v) {
    std::string names;
    for (const auto& b : svsm::decode_sev_status(v)) names += (names.empty() ? "" : " ") + std::string(b.name);
    return fmt::format("{} [{}]", names.empty() ? "none" : names, hex(v));
  });
  fact("VMPL", s.vmpl, [](uint32_t v) { return std::to_string(v); });
  fact("SVSM", s.svsm, [](const svsm::SvsmDescription& d) {
    std::string where = d.addresses_hidden ? std::string("base hidden, ") : fmt::format("base {}, ", hex(d.base));
    std::string ca = d.addresses_hidden ? std::string("hidden") : hex(d.caa);
    return fmt::format("{}size {}, boot CA {}, core protocol up to v{}", where, size_text(d.size), ca,
                       d.max_version);
  });
  fact("Protocols", s.protocols, [](const std::vector<svsm::ProtocolSupport>& ps) {
    std::string on, off;
    for (const auto& p : ps) {
      if (p.offered())
        on += fmt::format("{}{} v{}-{}", on.empty() ? "" : ", ", protocol_label(p.protocol), *p.min_version,
                          *p.max_version);
      else
        off += fmt::format("{}{}", off.empty() ? "" : ", ", protocol_label(p.protocol));
    }
    return on.empty() ? "none" : on + (off.empty() ? "" : "; not offered: " + off);
  });
  fact("CPUs", s.calling_areas, [](const svsm::CaSummary& c) {
    std::string cas = c.addresses_hidden ? fmt::format("{} Calling Areas (addresses need root)", c.with_ca)
                      : c.with_ca == c.distinct ? fmt::format("{} Calling Areas, all distinct", c.distinct)
                                                : fmt::format("{} Calling Areas for {} CPUs: SHARED", c.distinct,
                                                              c.with_ca);
    return fmt::format("{} online of {} possible; {}", c.online, c.possible, cas);
  });
  fact("vTPM", s.vtpm, [&s](bool v) {
    if (!v) return std::string("no");
    return s.vtpm_commands.known() ? fmt::format("yes (SVSM vTPM, platform commands {})", hex(*s.vtpm_commands.value))
                                   : std::string("yes");
  });

  std::string attest;
  if (s.protocols.known()) {
    bool offered = s.protocols.value->size() > 1 && (*s.protocols.value)[1].offered();
    attest += "SVSM protocol " + yes_no(offered);
  } else {
    attest += s.protocols.applies ? "SVSM protocol unknown" : "SVSM protocol n/a";
  }
  auto path_fact = [&](std::string_view name, const Fact<bool>& f) {
    attest += fmt::format(", {} {}", name, f.known() ? yes_no(*f.value) : "unknown");
  };
  path_fact("configfs-tsm", s.platform.configfs_tsm);
  path_fact("/dev/sev-guest", s.platform.sev_guest_device);
  line("Attestation", attest);

  std::string mod;
  switch (s.module.state) {
    case svsm::ModuleState::not_loaded:
      mod = s.module.installed ? "installed, not loaded" : "not installed";
      break;
    case svsm::ModuleState::builtin:
      mod = "built in";
      break;
    default:
      mod = "loaded";
  }
  if (s.module.version) mod = fmt::format("svsm_diag {} {}", *s.module.version, mod);
  if (s.module.abi_version) mod += fmt::format(", ABI {}", *s.module.abi_version);
  if (s.module.backend) mod += fmt::format(", backend {}", svsm::backend_name(*s.module.backend));
  // "not loaded" already says what device_error would, but not what to do.
  if (s.module.state == svsm::ModuleState::not_loaded && !s.module.hint.empty())
    mod += ": " + s.module.hint;
  else if (!s.module.device_error.empty())
    mod += " (" + s.module.device_error + ")";
  line("Module", mod);
  if (s.platform.kernel_release.known()) line("Kernel", *s.platform.kernel_release.value);

  if (!s.needs_root.empty()) {
    std::string more;
    for (const auto& n : s.needs_root) more += (more.empty() ? "" : ", ") + n;
    t += out.tone(fmt::format("Run as root to see: {}\n", more), Tone::dim);
  }
  return t;
}

std::string prometheus_escape(std::string_view v) {
  std::string r;
  for (char c : v) {
    if (c == '\\') r += "\\\\";
    else if (c == '"') r += "\\\"";
    else if (c == '\n') r += "\\n";
    else r += c;
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
      for (const auto& [k, v] : labels) {
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

std::string render_status_prometheus(const svsm::Status& s) {
  Exposition e;
  // Labels that change only with an upgrade; the kernel release is
  // node_exporter's node_uname_info.
  e.family("svsmctl_info", "svsmctl and guest description; the value is always 1");
  e.sample("svsmctl_info", 1,
           {{"version", svsm::version},
            {"cvm_type", s.cvm_type.value.value_or("unknown")},
            {"backend", s.module.backend ? std::string(svsm::backend_name(*s.module.backend)) : "unknown"}});

  e.family("svsmctl_verdict", "1 for svsmctl status's verdict, 0 for the others");
  for (auto v : {svsm::Verdict::svsm, svsm::Verdict::svsm_emulated, svsm::Verdict::snp_no_svsm,
                 svsm::Verdict::not_snp, svsm::Verdict::unknown})
    e.sample("svsmctl_verdict", s.verdict == v ? 1 : 0, {{"verdict", std::string(svsm::verdict_name(v))}});

  e.family("svsmctl_svsm_present", "1 if the guest runs under an SVSM (emulated included), 0 if not");
  if (s.svsm_present.known()) e.sample("svsmctl_svsm_present", *s.svsm_present.value ? 1 : 0);

  e.family("svsmctl_svsm_emulated", "1 if the SVSM is the svsm_diag emulator, not real hardware");
  e.sample("svsmctl_svsm_emulated", s.verdict == svsm::Verdict::svsm_emulated ? 1 : 0);

  e.family("svsmctl_svsm_responding", "1 if the SVSM answered QUERY_PROTOCOL on every online CPU, 0 if not");
  if (s.liveness.known()) e.sample("svsmctl_svsm_responding", s.liveness.value->all_responding() ? 1 : 0);
  e.family("svsmctl_svsm_cpus_not_responding", "online CPUs on which the SVSM did not answer QUERY_PROTOCOL");
  if (s.liveness.known())
    e.sample("svsmctl_svsm_cpus_not_responding", static_cast<double>(s.liveness.value->failures.size()));

  e.family("svsmctl_vmpl", "VMPL the guest OS runs at");
  if (s.vmpl.known()) e.sample("svsmctl_vmpl", *s.vmpl.value);

  e.family("svsmctl_sev_feature_enabled", "SEV_STATUS feature bits, 1 if enabled");
  if (s.sev_status.known())
    for (const auto& b : svsm::sev_status_bits())
      e.sample("svsmctl_sev_feature_enabled", (*s.sev_status.value >> b.bit) & 1,
               {{"feature", std::string(b.name)}});

  e.family("svsmctl_protocol_supported", "1 if the SVSM offers the protocol, 0 if not");
  if (s.protocols.known())
    for (const auto& p : *s.protocols.value)
      e.sample("svsmctl_protocol_supported", p.offered() ? 1 : 0, {{"protocol", protocol_label(p.protocol)}});
  e.family("svsmctl_protocol_min_version", "lowest version of the protocol the SVSM offers");
  if (s.protocols.known())
    for (const auto& p : *s.protocols.value)
      if (p.offered()) e.sample("svsmctl_protocol_min_version", *p.min_version, {{"protocol", protocol_label(p.protocol)}});
  e.family("svsmctl_protocol_max_version", "highest version of the protocol the SVSM offers");
  if (s.protocols.known())
    for (const auto& p : *s.protocols.value)
      if (p.offered()) e.sample("svsmctl_protocol_max_version", *p.max_version, {{"protocol", protocol_label(p.protocol)}});

  e.family("svsmctl_cpus_online", "online CPUs");
  if (s.calling_areas.known()) e.sample("svsmctl_cpus_online", s.calling_areas.value->online);
  e.family("svsmctl_calling_areas_distinct", "distinct SVSM Calling Areas among CPUs with a known CA");
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
    for (const auto& c : s.cpus)
      e.sample(counters[i].first, static_cast<double>(c.*counters[i].second), {{"cpu", std::to_string(c.cpu)}});
  }

  e.family("svsmctl_vtpm_present", "1 if the SVSM offers a vTPM");
  if (s.vtpm.known()) e.sample("svsmctl_vtpm_present", *s.vtpm.value ? 1 : 0);

  e.family("svsmctl_module_loaded", "1 if the svsm_diag module is loaded");
  e.sample("svsmctl_module_loaded", s.module.state == svsm::ModuleState::live ||
                                            s.module.state == svsm::ModuleState::builtin
                                        ? 1
                                        : 0);

  e.family("svsmctl_fact_unknown",
           "1 if the fact applies to this guest but svsmctl could not determine it, else 0");
  auto unknown = [&e](std::string_view name, const auto& fact) {
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
