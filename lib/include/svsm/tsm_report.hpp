// SPDX-License-Identifier: GPL-2.0-only
// SVSM attestation through the kernel's configfs-tsm interface
// (Documentation/ABI/testing/configfs-tsm-report, Linux 6.11+ for the SVSM
// service provider): a report instance under /sys/kernel/config/tsm/report
// with service_provider=svsm, the nonce written to inblob, the report,
// manifest and certificates read from outblob, manifestblob and auxblob.
// Needs no svsm_diag module: it is the interface real guests use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svsm/error.hpp"
#include "svsm/guid.hpp"

namespace svsm {

inline constexpr const char *kTsmReportDir = "/sys/kernel/config/tsm/report";

// What configfs-tsm offers, learnt by creating and removing a report
// instance (root only). present is false when the directory is absent.
struct TsmInfo {
  bool present = false;
  std::string provider;  // "sev_guest", "svsm_diag", ...
  std::optional<uint32_t> privlevel_floor;
  bool service_provider = false;  // the provider offers SVSM attestation
};

// Throws svsm::Error when the directory exists but cannot be used.
[[nodiscard]] TsmInfo tsm_probe(const std::string &base = kTsmReportDir);

struct TsmRequest {
  std::array<uint8_t, 64> nonce{};
  std::optional<Guid> service;  // service_guid; all services when unset
  uint32_t manifest_version = 0;
  bool certificates = true;  // read auxblob
  std::optional<uint32_t> privlevel;
};

struct TsmResult {
  std::string provider;
  std::optional<uint32_t> privlevel_floor;
  uint64_t generation = 0;
  std::vector<uint8_t> report, manifest, certificates;
};

// A privlevel below privlevel_floor, refused before the kernel would: the
// message says why. An svsm::Error with EINVAL.
class TsmPrivlevelError : public Error {
 public:
  TsmPrivlevelError(uint32_t privlevel, uint32_t floor);
  uint32_t privlevel, floor;
};

// The operation of the svsm::Error thrown when reading outblob fails: the
// provider's attestation failed (for svsm_diag, the errno of its SVSM call).
inline constexpr const char *kTsmOutblobOperation = "configfs-tsm outblob";

// Throws TsmPrivlevelError, or svsm::Error with the errno of the step that
// failed (EBUSY when another writer kept changing the instance).
[[nodiscard]] TsmResult tsm_attest(const TsmRequest &req, const std::string &base = kTsmReportDir);

}  // namespace svsm
