// SPDX-License-Identifier: GPL-2.0-only
// Everything svsmctl status reports, gathered from the module and from what
// userspace can read itself, with the source of every fact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svsm/device.hpp"
#include "svsm/module.hpp"
#include "svsm/platform.hpp"
#include "svsm/tsm_report.hpp"

namespace svsm {

enum class Verdict {
  svsm,           // SEV-SNP guest running under an SVSM
  svsm_emulated,  // the module's emulated SVSM answers (a test setup)
  snp_no_svsm,    // SEV-SNP guest at VMPL0: no SVSM
  not_snp,        // not an SEV-SNP guest
  unknown,        // could not tell
};
[[nodiscard]] std::string_view verdict_name(Verdict v);

struct ProtocolSupport {
  uint32_t protocol = 0;
  std::optional<uint32_t> min_version;  // unset: not offered
  std::optional<uint32_t> max_version;
  [[nodiscard]] bool offered() const { return max_version.has_value(); }
};

struct CaSummary {
  uint32_t possible = 0;
  uint32_t online = 0;
  uint32_t with_ca = 0;     // CPUs whose current CA is known
  uint32_t distinct = 0;    // distinct CA addresses among them (0 if hidden)
  uint32_t on_initial = 0;  // CPUs still on the CA the SVSM was first given
  bool addresses_hidden = false;
};

// A CPU on which the SVSM did not answer QUERY_PROTOCOL.
struct ProbeFailure {
  uint32_t cpu = 0;
  int error = 0;                   // EIO, EBUSY, ECOMM or EREMOTEIO (see CallResult)
  std::optional<uint32_t> result;  // the SVSM's error code, for EIO
  std::string cause;               // what went wrong, in words
  std::string hint;                // what to do about it
};

// Liveness: QUERY_PROTOCOL (core protocol, version 1) asked on every online
// CPU, or only on the CPU the caller runs on (a local call, no cross-CPU
// interrupt, and as many SVSM calls whatever the number of CPUs). An SVSM
// that does not answer it is "not responding".
struct Liveness {
  uint32_t cpus_probed = 0;
  std::vector<ProbeFailure> failures;
  std::optional<uint32_t> only_cpu;  // set when only this CPU was asked
  [[nodiscard]] uint32_t cpus_responding() const {
    return cpus_probed - static_cast<uint32_t>(failures.size());
  }
  [[nodiscard]] bool all_responding() const { return cpus_probed > 0 && failures.empty(); }
  [[nodiscard]] bool none_responding() const { return cpus_responding() == 0; }
};

struct ModuleFacts {
  ModuleState state = ModuleState::not_loaded;
  bool installed = false;
  std::optional<std::string> version;
  std::optional<uint32_t> abi_version;
  std::optional<Backend> backend;
  std::optional<NoSvsmReason> reason;
  std::string device_error;  // why /dev/svsm_diag could not be used
  std::string hint;          // what to do about it
};

struct Status {
  Verdict verdict = Verdict::unknown;
  std::string verdict_reason;
  Fact<std::string> cvm_type;  // sev-snp, sev-es, sev, none
  Fact<uint64_t> sev_status;
  Fact<uint32_t> vmpl;
  Fact<bool> svsm_present;
  Fact<SvsmDescription> svsm;
  Fact<std::vector<ProtocolSupport>> protocols;
  Fact<uint64_t> vtpm_commands;  // VTPM QUERY platform-command bitmap
  Fact<CaSummary> calling_areas;
  Fact<bool> vtpm;
  Fact<Liveness> liveness;  // applies when the module has an SVSM backend
  // configfs-tsm's report provider and privlevel_floor (root: learnt by
  // creating and removing a report instance; not with --no-query).
  Fact<TsmInfo> tsm_report;
  ModuleFacts module;
  PlatformFacts platform;
  std::vector<CpuInfo> cpus;            // the module's per-CPU view and counters
  double collected_at = 0;              // Unix time, seconds
  double collect_seconds = 0;           // how long collecting took
  std::vector<std::string> needs_root;  // what running as root would add
};

struct StatusOptions {
  std::string device_path = default_device_path;
  PlatformSources platform;
  bool query_svsm = true;  // make read-only SVSM calls (root only)
  // Liveness on every online CPU (check, status --all-cpus); false: on the
  // caller's CPU only (status).
  bool liveness_all_cpus = true;
};

[[nodiscard]] Status collect_status(const StatusOptions &options = {});

// The SVSM answered on every CPU asked (false: not responding on some or all).
[[nodiscard]] inline bool svsm_not_responding(const Status &s) {
  return s.liveness.known() && !s.liveness.value->all_responding();
}

// Protocol support as QUERY_PROTOCOL reports it, asked on one CPU.
[[nodiscard]] std::vector<ProtocolSupport> query_protocols(const Device &dev, uint32_t cpu);

}  // namespace svsm
