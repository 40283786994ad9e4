// SPDX-License-Identifier: GPL-2.0-only
// Facts userspace can read without the module: CPUID, /proc/cpuinfo, sysfs,
// configfs-tsm and device nodes. Each fact carries its source and, when it
// cannot be known, why.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "svsm/cpu_bits.hpp"

namespace svsm {

enum class Source { module, sysfs, cpuinfo, cpuid, configfs, devfs, kernel };
[[nodiscard]] std::string_view source_name(Source s);

// A value with its provenance. Never "none" when the truth is "unknown".
template <typename T>
struct Fact {
  std::optional<T> value;
  Source source = Source::kernel;
  std::string unknown;  // why value is missing
  std::string note;     // e.g. a disagreement between sources
  bool applies = true;  // false: there is nothing to know (unknown says why)

  [[nodiscard]] bool known() const { return value.has_value(); }
  // Applies to this machine but could not be read.
  [[nodiscard]] bool unknown_here() const { return applies && !known(); }
  static Fact of(T v, Source s) { return Fact{std::move(v), s, {}, {}}; }
  static Fact missing(Source s, std::string why) {
    return Fact{std::nullopt, s, std::move(why), {}};
  }
  static Fact not_applicable(Source s, std::string why) {
    return Fact{std::nullopt, s, std::move(why), {}, false};
  }
};

struct CpuidInfo {
  std::string vendor;                // "AuthenticAMD", ...
  bool hypervisor = false;           // CPUID.1:ECX[31]
  std::optional<Cpuid8000001f> sev;  // Fn8000_001F, when the leaf exists
};

// Where the files live (tests point root at a fake tree) and how to run
// CPUID (tests replace it).
struct PlatformSources {
  std::string root = "/";
  std::function<std::optional<CpuidInfo>()> cpuid;  // empty: the real instruction
};

struct PlatformFacts {
  Fact<std::string> kernel_release;
  Fact<CpuidInfo> cpuid;
  Fact<std::vector<std::string>> cpu_flags;  // SEV-related flags in /proc/cpuinfo
  Fact<uint32_t> sysfs_vmpl;                 // /sys/devices/system/cpu/sev/vmpl (6.11+)
  Fact<uint64_t> sysfs_sev_status;           // .../sev/sev_status or /sys/hypervisor/sev
  Fact<bool> sev_guest_device;               // /dev/sev-guest
  Fact<bool> configfs_tsm;                   // /sys/kernel/config/tsm/report
  Fact<bool> tpm_svsm;                       // the tpm-svsm platform device (6.16+)
};

[[nodiscard]] std::optional<CpuidInfo> read_cpuid();
[[nodiscard]] PlatformFacts probe_platform(const PlatformSources &sources = {});

// Parsers for the text the kernel exposes; exposed for tests and fuzzing.
[[nodiscard]] std::vector<std::string> parse_cpuinfo_sev_flags(std::string_view cpuinfo);
[[nodiscard]] std::optional<uint64_t> parse_sysfs_number(std::string_view text, int base = 10);

}  // namespace svsm
