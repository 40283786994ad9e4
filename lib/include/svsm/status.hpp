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
  uint32_t with_ca = 0;         // CPUs whose current CA is known
  uint32_t distinct = 0;        // distinct CA addresses among them (0 if hidden)
  uint32_t on_initial = 0;      // CPUs still on the CA the SVSM was first given
  bool addresses_hidden = false;
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
  ModuleFacts module;
  PlatformFacts platform;
  std::vector<std::string> needs_root;  // what running as root would add
};

struct StatusOptions {
  std::string device_path = default_device_path;
  PlatformSources platform;
  bool query_svsm = true;  // make read-only SVSM calls (root only)
};

[[nodiscard]] Status collect_status(const StatusOptions& options = {});

// Protocol support as QUERY_PROTOCOL reports it, asked on one CPU.
[[nodiscard]] std::vector<ProtocolSupport> query_protocols(const Device& dev, uint32_t cpu);

}  // namespace svsm
