// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/status.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "read_file.hpp"
#include "svsm/error.hpp"
#include "svsm/results.hpp"
#include "svsm_spec.h"

namespace svsm {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::svsm: return "svsm";
    case Verdict::svsm_emulated: return "svsm-emulated";
    case Verdict::snp_no_svsm: return "snp-no-svsm";
    case Verdict::not_snp: return "not-snp";
    case Verdict::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

constexpr uint64_t sev_enabled = 1ULL << 0;
constexpr uint64_t sev_es_enabled = 1ULL << 1;
constexpr uint64_t sev_snp_enabled = 1ULL << 2;
// QUERY_PROTOCOL asks about one version; probe the first few.
constexpr uint32_t max_probed_version = 4;

std::string cvm_type_of(uint64_t sev_status) {
  if (sev_status & sev_snp_enabled) return "sev-snp";
  if (sev_status & sev_es_enabled) return "sev-es";
  if (sev_status & sev_enabled) return "sev";
  return "none";
}

std::string cvm_type_of(const std::vector<std::string> &flags) {
  auto has = [&](std::string_view f) {
    return std::find(flags.begin(), flags.end(), f) != flags.end();
  };
  if (has("sev_snp")) return "sev-snp";
  if (has("sev_es")) return "sev-es";
  if (has("sev")) return "sev";
  return "none";
}

bool cpu_flag(const PlatformFacts &p, std::string_view flag) {
  return p.cpu_flags.known() && std::find(p.cpu_flags.value->begin(), p.cpu_flags.value->end(),
                                          flag) != p.cpu_flags.value->end();
}

// A failed call in words: the SVSM's result code if it answered, else why not.
std::string failure_of(const CallResult &r) {
  return std::string(r.status.serviced ? explain_result(r.result).name
                                       : call_failure_text(r.error));
}

std::string open_error_text(const Error &e, const ModuleFacts &m) {
  switch (e.errno_value()) {
    case ENOENT:
      if (m.state == ModuleState::not_loaded)
        return m.installed ? "the svsm_diag module is not loaded"
                           : "the svsm_diag module is not installed";
      return "/dev/svsm_diag does not exist";
    case EACCES:
    case EPERM: return "/dev/svsm_diag: permission denied (run as root)";
    default: return e.what();
  }
}

std::string open_error_hint(const Error &e, const ModuleFacts &m) {
  switch (e.errno_value()) {
    case ENOENT:
      if (m.state != ModuleState::not_loaded) return {};
      return m.installed ? "load it with 'svsmctl module load' (or 'modprobe svsm_diag')"
                         : "install the svsmctl-dkms package, which builds it for this kernel, "
                           "then run 'svsmctl module load'";
    case EACCES:
    case EPERM: return "run svsmctl as root";
    default: return {};
  }
}

void add_module_facts(Status &s, const Info *info) {
  auto ms = module_status(module_name, ModuleDetail::brief);
  s.module.state = ms.state;
  s.module.installed = ms.installed;
  s.module.version = ms.version;
  if (info) {
    s.module.abi_version = info->abi_version;
    s.module.backend = info->backend;
    s.module.reason = info->reason;
    if (!s.module.version) s.module.version = info->module_version;
  }
}

CaSummary summarize_cpus(const std::vector<CpuInfo> &cpus) {
  CaSummary sum;
  std::set<uint64_t> cas;
  for (const CpuInfo &c : cpus) {
    ++sum.possible;
    if (c.online) ++sum.online;
    sum.addresses_hidden = sum.addresses_hidden || c.addresses_hidden;
    if (c.ca) {
      ++sum.with_ca;
      if (!c.addresses_hidden) cas.insert(*c.ca);
      if (c.initial_ca && *c.initial_ca == *c.ca && !c.addresses_hidden) ++sum.on_initial;
    }
  }
  sum.distinct = static_cast<uint32_t>(cas.size());
  return sum;
}

// An SEV-SNP guest needs an AMD CPU with CPUID Fn8000_001F: without them
// the answer is certain even without the module.
std::optional<std::string> cpuid_rules_out_snp(const Fact<CpuidInfo> &cpuid) {
  if (!cpuid.known()) return std::nullopt;
  if (cpuid.value->vendor != "AuthenticAMD")
    return "CPUID: not an AMD CPU (" + cpuid.value->vendor + ")";
  if (!cpuid.value->sev) return std::string("CPUID: no Fn8000_001F leaf, so no SEV");
  if (!(cpuid.value->sev->eax & (1U << 1)))
    return std::string("CPUID Fn8000_001F: SEV not supported");
  return std::nullopt;
}

std::string probe_hint(int err, std::optional<uint32_t> result) {
  switch (err) {
    case EIO:
      return result ? fmt::format("'svsmctl explain {:#x}' says what the answer means", *result)
                    : std::string();
    case EBUSY:
      return "the SVSM stayed busy: look at the SVSM's load and log; max_retries bounds the "
             "retries";
    case ECOMM: return "the hypervisor did not run the SVSM: look in the hypervisor's log";
    case EREMOTEIO:
      return "the hypervisor refused to switch to VMPL0: look in the hypervisor's log";
    default: return {};
  }
}

// The online CPUs, the one this process runs on first: a call there needs
// no cross-CPU interrupt (unless the scheduler moves us meanwhile).
std::vector<uint32_t> online_cpus_callers_first(const Device &dev) {
  auto cpus = dev.online_cpus();
  const int here = ::sched_getcpu();
  auto it = std::find(cpus.begin(), cpus.end(), static_cast<uint32_t>(here));
  if (here >= 0 && it != cpus.end()) std::rotate(cpus.begin(), it, it + 1);
  return cpus;
}

enum class Probe { answered, failed, offline };

// QUERY_PROTOCOL for the core protocol, version 1, which every SVSM offers,
// on @cpu; a failure is added to @live. Privilege errors are thrown.
Probe probe_cpu(const Device &dev, uint32_t cpu, Liveness &live) {
  CallRequest req;
  req.cpu = cpu;
  req.protocol = SVSM_PROTOCOL_CORE;
  req.call = SVSM_CORE_QUERY_PROTOCOL;
  req.rcx = (static_cast<uint64_t>(SVSM_PROTOCOL_CORE) << 32) | 1;
  CallResult r;
  try {
    r = dev.call(req);
  } catch (const Error &e) {
    if (e.errno_value() == ENXIO) return Probe::offline;  // went offline meanwhile
    throw;
  }
  ++live.cpus_probed;
  if (!r.error && r.rcx) return Probe::answered;
  ProbeFailure f;
  f.cpu = cpu;
  f.error = r.error ? r.error : EIO;
  if (r.status.serviced && r.error) f.result = r.result;
  f.cause = r.error ? failure_of(r) : "the SVSM says it does not offer the core protocol";
  if (f.result) f.cause = fmt::format("the SVSM answered {} ({:#x})", f.cause, *f.result);
  f.hint = probe_hint(r.error, f.result);
  live.failures.push_back(std::move(f));
  return Probe::failed;
}

// Every online CPU, or (!all_cpus) one: the caller's, or the next online
// one if it went offline meanwhile.
Liveness probe_liveness(const Device &dev, bool all_cpus) {
  Liveness live;
  if (all_cpus) {
    for (uint32_t cpu : dev.online_cpus()) probe_cpu(dev, cpu, live);
    return live;
  }
  for (uint32_t cpu : online_cpus_callers_first(dev)) {
    if (probe_cpu(dev, cpu, live) != Probe::offline) {
      live.only_cpu = cpu;
      break;
    }
  }
  return live;
}

}  // namespace

std::vector<ProtocolSupport> query_protocols(const Device &dev, uint32_t cpu) {
  std::vector<ProtocolSupport> out;
  for (uint32_t p = 0; p < SVSM_NR_PROTOCOLS; ++p) {
    ProtocolSupport ps;
    ps.protocol = p;
    for (uint32_t v = 1; v <= max_probed_version; ++v) {
      CallRequest req;
      req.cpu = cpu;
      req.protocol = SVSM_PROTOCOL_CORE;
      req.call = SVSM_CORE_QUERY_PROTOCOL;
      req.rcx = (static_cast<uint64_t>(p) << 32) | v;
      auto r = dev.call(req);
      if (r.error)
        throw Error(r.error, "QUERY_PROTOCOL",
                    "protocol " + std::to_string(p) + ": " + failure_of(r),
                    r.status.serviced ? std::optional(r.result) : std::nullopt);
      if (r.rcx) {
        ps.min_version = static_cast<uint32_t>(r.rcx);
        ps.max_version = static_cast<uint32_t>(r.rcx >> 32);
        break;
      }
    }
    out.push_back(ps);
  }
  return out;
}

namespace {

// ---- One function per fact. Each reads what it needs from the module's
// info (null when the device could not be used), the platform facts and the
// facts decided before it; collect_status() calls them in that order.

// The device and its GET_INFO (read once, at open), or the reason it is not
// usable, with the module facts either way.
std::optional<Device> open_status_device(Status &s, const StatusOptions &options) {
  std::optional<Device> dev;
  try {
    dev.emplace(Device::open(options.device_path));
  } catch (const Error &e) {
    add_module_facts(s, nullptr);
    s.module.device_error = open_error_text(e, s.module);
    s.module.hint = open_error_hint(e, s.module);
    if (::geteuid() != 0 && (e.errno_value() == EACCES || e.errno_value() == EPERM))
      s.needs_root.push_back(
          "the module's view (SEV_STATUS, VMPL, SVSM, protocols, Calling Areas)");
    return std::nullopt;
  }
  add_module_facts(s, &dev->info());
  return dev;
}

// SEV_STATUS: the module reads the MSR; sysfs is what non-root users have.
Fact<uint64_t> sev_status_fact(const Status &s, const Info *info) {
  if (info && info->sev_status) return Fact<uint64_t>::of(*info->sev_status, Source::module);
  if (s.platform.sysfs_sev_status.known()) return s.platform.sysfs_sev_status;
  return Fact<uint64_t>::missing(
      Source::module, info ? "the module could not read SEV_STATUS"
                           : s.module.device_error + "; " + s.platform.sysfs_sev_status.unknown);
}

// The CVM type: from SEV_STATUS, else from the /proc/cpuinfo flags.
Fact<std::string> cvm_type_fact(const Status &s) {
  Fact<std::string> f;
  if (s.sev_status.known()) {
    f = Fact<std::string>::of(cvm_type_of(*s.sev_status.value), s.sev_status.source);
    if (s.platform.cpu_flags.known()) {
      auto from_flags = cvm_type_of(*s.platform.cpu_flags.value);
      if (from_flags != *f.value) f.note = "/proc/cpuinfo flags suggest " + from_flags;
    }
  } else if (s.platform.cpu_flags.known()) {
    f = Fact<std::string>::of(cvm_type_of(*s.platform.cpu_flags.value), Source::cpuinfo);
    f.note = "from CPU flags only: SEV_STATUS was not readable";
  } else {
    f = Fact<std::string>::missing(Source::cpuinfo, s.platform.cpu_flags.unknown);
  }
  return f;
}

// VMPL: the module (the kernel's snp_vmpl, or the emulator) and sysfs.
Fact<uint32_t> vmpl_fact(const Status &s, const Info *info) {
  if (info && info->vmpl) {
    auto f = Fact<uint32_t>::of(*info->vmpl, Source::module);
    if (info->backend == Backend::emulated) f.note = "emulated";
    if (s.platform.sysfs_vmpl.known() && *s.platform.sysfs_vmpl.value != *info->vmpl)
      f.note =
          "sysfs says VMPL " + std::to_string(*s.platform.sysfs_vmpl.value) +
          (info->backend == Backend::emulated ? " (the emulator's VMPL is not the guest's)" : "");
    return f;
  }
  if (s.platform.sysfs_vmpl.known()) return s.platform.sysfs_vmpl;
  return Fact<uint32_t>::missing(Source::sysfs, info
                                                    ? std::string(no_svsm_reason_text(info->reason))
                                                    : s.platform.sysfs_vmpl.unknown);
}

// Whether an SVSM is there: the module's reason, else sysfs VMPL, else the
// svsm CPU flag.
Fact<bool> svsm_present_fact(const Status &s, const Info *info) {
  Fact<bool> f;
  if (info) {
    switch (info->reason) {
      case NoSvsmReason::none:   // a backend: real or emulated
      case NoSvsmReason::no_ca:  // the kernel runs above VMPL0: an SVSM is there
        f = Fact<bool>::of(true, Source::module);
        if (info->reason == NoSvsmReason::no_ca) f.note = "but no usable Calling Area";
        break;
      case NoSvsmReason::not_snp:
      case NoSvsmReason::vmpl0: f = Fact<bool>::of(false, Source::module); break;
      case NoSvsmReason::kernel:
        f = Fact<bool>::missing(Source::module, std::string(no_svsm_reason_text(info->reason)));
        break;
    }
    // The flag exists from Linux 6.11 on, so only its presence says something.
    if (f.known() && !*f.value && cpu_flag(s.platform, "svsm"))
      f.note = "but /proc/cpuinfo has the svsm flag";
  } else if (s.vmpl.known()) {
    f = Fact<bool>::of(*s.vmpl.value > 0,
                       Source::sysfs);  // Linux runs above VMPL0 only under an SVSM
  } else if (cpu_flag(s.platform, "svsm")) {
    f = Fact<bool>::of(true, Source::cpuinfo);  // Linux 6.11+ sets it when it found an SVSM at boot
  } else {
    f = Fact<bool>::missing(Source::module, s.module.device_error);
  }
  return f;
}

// The SVSM's location and version, from the module only.
Fact<SvsmDescription> svsm_fact(const Status &s, const Info *info) {
  if (!info) return Fact<SvsmDescription>::missing(Source::module, s.module.device_error);
  if (info->svsm) return Fact<SvsmDescription>::of(*info->svsm, Source::module);
  return Fact<SvsmDescription>::missing(Source::module,
                                        std::string(no_svsm_reason_text(info->reason)));
}

// Liveness, protocols, vTPM and Calling Areas need an SVSM behind the
// device: without one they are unknown, with the reason.
void mark_svsm_facts_missing(Status &s, const std::string &why) {
  s.liveness = Fact<Liveness>::missing(Source::module, why);
  s.protocols = Fact<std::vector<ProtocolSupport>>::missing(Source::module, why);
  s.vtpm_commands = Fact<uint64_t>::missing(Source::module, why);
  s.calling_areas = Fact<CaSummary>::missing(Source::module, why);
}

// An online CPU on which the SVSM answered the liveness probe: the caller's
// if it did, so that the queries after it stay local.
std::optional<uint32_t> first_responding_cpu(const Device &dev, const Liveness &live) {
  if (live.only_cpu) {
    if (live.failures.empty()) return live.only_cpu;
    return std::nullopt;
  }
  for (uint32_t c : online_cpus_callers_first(dev)) {
    bool failed = std::any_of(live.failures.begin(), live.failures.end(),
                              [c](const ProbeFailure &f) { return f.cpu == c; });
    if (!failed) return c;
  }
  return std::nullopt;
}

// VTPM QUERY's platform-command bitmap, asked on @cpu where the SVSM offers
// the vTPM protocol.
Fact<uint64_t> vtpm_commands_fact(const Device &dev, uint32_t cpu,
                                  const Fact<std::vector<ProtocolSupport>> &protocols) {
  if (!protocols.known()) return Fact<uint64_t>::missing(Source::module, protocols.unknown);
  if (!(*protocols.value)[SVSM_PROTOCOL_VTPM].offered())
    return Fact<uint64_t>::not_applicable(Source::module, "the SVSM offers no vTPM protocol");
  CallRequest req;
  req.cpu = cpu;
  req.protocol = SVSM_PROTOCOL_VTPM;
  req.call = SVSM_VTPM_QUERY;
  try {
    auto r = dev.call(req);
    if (!r.error) return Fact<uint64_t>::of(r.rcx, Source::module);
    return Fact<uint64_t>::missing(Source::module, "VTPM QUERY failed: " + failure_of(r));
  } catch (const Error &e) {  // e.g. the CPU went offline meanwhile
    return Fact<uint64_t>::missing(Source::module, std::string("VTPM QUERY failed: ") + e.what());
  }
}

// Read-only SVSM calls (root only): liveness on every online CPU or on the
// caller's, then the protocols and the vTPM bitmap on a CPU that answered.
void query_svsm(Status &s, const Device &dev, bool liveness_all_cpus) {
  try {
    s.liveness = Fact<Liveness>::of(probe_liveness(dev, liveness_all_cpus), Source::module);
  } catch (const Error &e) {
    if (e.errno_value() != EPERM && e.errno_value() != EACCES) throw;
    s.liveness.unknown = s.protocols.unknown = s.vtpm_commands.unknown = "SVSM calls need root";
    s.needs_root.push_back("whether the SVSM responds, and its protocols (QUERY_PROTOCOL)");
    return;
  }
  auto cpu = first_responding_cpu(dev, *s.liveness.value);
  if (!cpu) {
    const auto &failures = s.liveness.value->failures;
    const std::string why = failures.empty() ? "no online CPU to ask" : failures.front().cause;
    s.protocols.unknown = s.vtpm_commands.unknown = "the SVSM is not responding: " + why;
    return;
  }
  try {
    s.protocols =
        Fact<std::vector<ProtocolSupport>>::of(query_protocols(dev, *cpu), Source::module);
  } catch (const Error &e) {
    // The SVSM answered the probe but not this: say so, and report the rest.
    s.protocols.unknown = std::string("QUERY_PROTOCOL failed: ") + e.what();
  }
  s.vtpm_commands = vtpm_commands_fact(dev, *cpu, s.protocols);
}

// What the module knows about the SVSM: Calling Areas from the CPU walk, and
// the SVSM's answers unless --no-query.
void add_svsm_facts(Status &s, const Device *dev, const StatusOptions &options) {
  const Info *info = dev ? &dev->info() : nullptr;
  if (!info) return mark_svsm_facts_missing(s, s.module.device_error);
  // Not applicable where the verdict says there is no SVSM (see below).
  if (info->backend == Backend::none)
    return mark_svsm_facts_missing(s, std::string(no_svsm_reason_text(info->reason)));

  mark_svsm_facts_missing(s, "");
  s.cpus = dev->cpus();
  s.calling_areas = Fact<CaSummary>::of(summarize_cpus(s.cpus), Source::module);
  if (!options.query_svsm)
    s.liveness.unknown = s.protocols.unknown = s.vtpm_commands.unknown = "not queried (--no-query)";
  else
    query_svsm(s, *dev, options.liveness_all_cpus);
}

// configfs-tsm's provider and privlevel_floor: the lowest privlevel a report
// may ask for, which the kernel enforces (issue: reports asked below the
// guest's VMPL are refused). Learnt by creating a report instance.
Fact<TsmInfo> tsm_report_fact(Status &s, const StatusOptions &options) {
  const auto &present = s.platform.configfs_tsm;
  if (!present.known()) return Fact<TsmInfo>::missing(Source::configfs, present.unknown);
  if (!*present.value)
    return Fact<TsmInfo>::not_applicable(Source::configfs, "the kernel offers no configfs-tsm");
  if (!options.query_svsm)
    return Fact<TsmInfo>::missing(Source::configfs, "not queried (--no-query)");
  if (::geteuid() != 0) {
    s.needs_root.push_back("configfs-tsm's provider and privlevel_floor");
    return Fact<TsmInfo>::missing(Source::configfs, "reading privlevel_floor needs root");
  }
  try {
    return Fact<TsmInfo>::of(tsm_probe(detail::under(options.platform.root, kTsmReportDir)),
                             Source::configfs);
  } catch (const Error &e) {
    return Fact<TsmInfo>::missing(Source::configfs, e.what());
  }
}

// vTPM: the SVSM's protocol, or the kernel's tpm-svsm driver.
Fact<bool> vtpm_fact(const Status &s) {
  if (s.vtpm_commands.known())
    return Fact<bool>::of((*s.vtpm_commands.value >> SVSM_VTPM_SEND_COMMAND) & 1, Source::module);
  if (s.protocols.known() && !(*s.protocols.value)[SVSM_PROTOCOL_VTPM].offered())
    return Fact<bool>::of(false, Source::module);
  if (s.platform.tpm_svsm.known() && *s.platform.tpm_svsm.value)
    return Fact<bool>::of(true, Source::sysfs);
  return Fact<bool>::missing(Source::module,
                             s.protocols.known() ? s.vtpm_commands.unknown : s.protocols.unknown);
}

// The verdict, from the strongest source there is.
void set_verdict(Status &s, const Info *info) {
  if (info) {
    switch (info->backend) {
      case Backend::snp:
        s.verdict = Verdict::svsm;
        s.verdict_reason =
            "SEV-SNP guest at VMPL" + std::to_string(info->vmpl.value_or(0)) + " under an SVSM";
        return;
      case Backend::emulated:
        s.verdict = Verdict::svsm_emulated;
        s.verdict_reason = "emulated SVSM (svsm_diag backend=emulated); this machine is " +
                           (s.cvm_type.value == std::optional<std::string>("none")
                                ? std::string("not a confidential VM")
                                : "a " + s.cvm_type.value.value_or("?") + " guest");
        return;
      case Backend::none:
        s.verdict = info->reason == NoSvsmReason::vmpl0     ? Verdict::snp_no_svsm
                    : info->reason == NoSvsmReason::not_snp ? Verdict::not_snp
                                                            : Verdict::unknown;
        s.verdict_reason = std::string(no_svsm_reason_text(info->reason));
        return;
    }
    return;
  }
  if (s.vmpl.known()) {
    s.verdict = *s.vmpl.value > 0 ? Verdict::svsm : Verdict::snp_no_svsm;
    s.verdict_reason =
        "from sysfs (VMPL " + std::to_string(*s.vmpl.value) + "); " + s.module.device_error;
  } else if (s.svsm_present.source == Source::cpuinfo &&
             s.svsm_present.value == std::optional(true)) {
    s.verdict = Verdict::svsm;
    s.verdict_reason = "from the svsm CPU flag; " + s.module.device_error;
  } else if (s.cvm_type.known() && *s.cvm_type.value != "sev-snp" &&
             s.cvm_type.source != Source::cpuinfo) {
    s.verdict = Verdict::not_snp;
    s.verdict_reason = "SEV_STATUS shows no SEV-SNP";
  } else if (auto why = cpuid_rules_out_snp(s.platform.cpuid)) {
    s.verdict = Verdict::not_snp;
    s.verdict_reason = *why;
  } else {
    s.verdict = Verdict::unknown;
    s.verdict_reason = s.module.device_error;
  }
}

// Where there is no SVSM, what only an SVSM has does not apply: not knowing
// it is no failure. Without SEV-SNP there is no SVSM, whoever could or could
// not tell us.
void apply_verdict(Status &s) {
  if (s.verdict == Verdict::not_snp && !s.svsm_present.known()) {
    s.svsm_present = Fact<bool>::of(
        false, s.cvm_type.known() && s.cvm_type.source != Source::cpuinfo ? s.cvm_type.source
                                                                          : Source::cpuid);
    s.svsm_present.note = s.verdict_reason;
  }
  const bool no_svsm = s.verdict == Verdict::not_snp || s.verdict == Verdict::snp_no_svsm;
  auto not_applicable = [&s](auto &fact) {
    if (fact.known()) return;
    fact.applies = false;
    fact.unknown = s.verdict == Verdict::not_snp ? "not an SEV-SNP guest" : "no SVSM";
  };
  if (s.verdict == Verdict::not_snp) {
    not_applicable(s.sev_status);
    not_applicable(s.vmpl);
  }
  if (no_svsm) {
    not_applicable(s.svsm);
    not_applicable(s.protocols);
    not_applicable(s.vtpm_commands);
    not_applicable(s.calling_areas);
    not_applicable(s.vtpm);
    not_applicable(s.liveness);
  }
}

}  // namespace

Status collect_status(const StatusOptions &options) {
  const auto started = std::chrono::steady_clock::now();
  Status s;
  s.collected_at =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  s.platform = probe_platform(options.platform);

  const auto dev = open_status_device(s, options);
  const Info *info = dev ? &dev->info() : nullptr;
  s.sev_status = sev_status_fact(s, info);
  s.cvm_type = cvm_type_fact(s);
  s.vmpl = vmpl_fact(s, info);
  s.svsm_present = svsm_present_fact(s, info);
  s.svsm = svsm_fact(s, info);
  if (info && info->addresses_hidden) s.needs_root.push_back("SVSM and Calling Area addresses");
  add_svsm_facts(s, dev ? &*dev : nullptr, options);
  s.vtpm = vtpm_fact(s);
  s.tsm_report = tsm_report_fact(s, options);
  set_verdict(s, info);
  apply_verdict(s);
  s.collect_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return s;
}

}  // namespace svsm
