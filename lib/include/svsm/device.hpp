// SPDX-License-Identifier: GPL-2.0-only
// Typed access to /dev/svsm_diag, the svsm_diag kernel module's device.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "svsm/guid.hpp"

namespace svsm {

inline constexpr const char *default_device_path = "/dev/svsm_diag";

enum class Backend : uint32_t { none = 0, snp = 1, emulated = 2 };

// Why the module found no SVSM (backend none).
enum class NoSvsmReason : uint32_t { none = 0, not_snp = 1, vmpl0 = 2, kernel = 3, no_ca = 4 };

[[nodiscard]] std::string_view backend_name(Backend b);
[[nodiscard]] std::string_view no_svsm_reason_text(NoSvsmReason r);

struct SvsmDescription {
  uint64_t base = 0;  // 0 when addresses are hidden
  uint64_t size = 0;
  uint64_t caa = 0;  // initial Calling Area of the boot CPU
  uint32_t max_version = 0;
  bool addresses_hidden = false;  // base and caa need CAP_SYS_ADMIN
};

struct Info {
  uint32_t abi_version = 0;
  Backend backend = Backend::none;
  NoSvsmReason reason = NoSvsmReason::none;
  std::optional<uint64_t> sev_status;
  std::optional<uint32_t> vmpl;
  std::optional<SvsmDescription> svsm;
  bool addresses_hidden = false;
  uint64_t features = 0;
  uint32_t nr_cpu_ids = 0;
  uint32_t nr_possible = 0;
  uint32_t nr_online = 0;
  uint32_t max_retries = 0;
  bool unsafe_calls_allowed = false;
  bool remap_test_allowed = false;
  std::string module_version;
};

struct CpuInfo {
  uint32_t cpu = 0;
  bool online = false;
  uint32_t apic_id = 0;
  std::optional<uint64_t> ca;          // the CA the kernel uses now
  std::optional<uint64_t> initial_ca;  // the first CA the SVSM was given
  bool addresses_hidden = false;
  std::optional<uint32_t> last_result;
  uint64_t calls = 0;
  uint64_t retries = 0;
  uint64_t errors = 0;
  uint64_t unserviced = 0;
  // The SVSM listens on a CA the kernel does not use (a remap that could
  // not be undone): offline and online the CPU to recover.
  bool ca_lost = false;
};

enum class BufferPlacement { none, calling_area, pages };
enum class Register : uint32_t { none = 0, rcx = 1, rdx = 2, r8 = 3, r9 = 4 };

struct CallRequest {
  uint32_t cpu = 0;
  uint32_t protocol = 0;
  uint32_t call = 0;
  uint64_t rcx = 0, rdx = 0, r8 = 0, r9 = 0;
  BufferPlacement placement = BufferPlacement::none;
  Register buffer_register = Register::none;
  std::vector<uint8_t> buffer;  // copied in before the call, out after it
};

// Status bits, as in the uapi header.
struct CallStatus {
  bool issued = false;
  bool serviced = false;
  bool vmpl_refused = false;
  bool retries_exhausted = false;
  bool ca_restored = false;
  bool interrupted = false;    // an exchange never reached the SVSM (NMI) and was retried
  bool response_lost = false;  // serviced, but the GHCB MSR response was overwritten
  bool nmi = false;            // the CPU took an NMI during an exchange
  bool via_kernel = false;     // the kernel's own SVSM path issued it
};

// The outcome of one SVSM call. error is 0, or the errno of an in-band
// failure: EIO (the SVSM returned an error code), EBUSY (BUSY/INCOMPLETE
// past the retry bound), ECOMM (not serviced), EREMOTEIO (VMPL switch
// refused), EAGAIN (every exchange interrupted before the SVSM saw it).
// Other failures are thrown as svsm::Error.
struct CallResult {
  uint32_t cpu = 0;
  int error = 0;
  uint32_t result = 0;
  uint64_t rax = 0, rcx = 0, rdx = 0, r8 = 0, r9 = 0;
  CallStatus status;
  uint32_t retries = 0;
  std::vector<uint8_t> buffer;
};

struct RemapStep {
  uint32_t result = 0;
  CallStatus status;
  int error = 0;  // 0 or a positive errno
};

struct RemapTestResult {
  uint32_t cpu = 0;
  int error = 0;
  uint64_t original_ca = 0;
  uint64_t test_ca = 0;
  bool restored = false;
  bool recovered = false;
  uint32_t steps_done = 0;
  std::array<RemapStep, 4> steps{};
};

[[nodiscard]] std::string_view remap_step_name(size_t step);

struct AttestRequest {
  std::optional<uint32_t> cpu;  // any CPU if unset
  std::array<uint8_t, 64> nonce{};
  std::optional<Guid> service;  // ATTEST_SINGLE_SERVICE when set
  uint32_t manifest_version = 0;
  bool certificates = true;
};

struct AttestResult {
  int error = 0;  // as CallResult::error
  uint32_t result = 0;
  CallStatus status;
  uint32_t attempts = 0;
  std::vector<uint8_t> report;
  std::vector<uint8_t> manifest;
  std::vector<uint8_t> certificates;
};

// An open /dev/svsm_diag. Move-only; closes on destruction. Not for use
// from several threads at once (cpus() fills a cache).
class Device {
 public:
  // Throws svsm::Error (ENOENT: module not loaded; EACCES: not privileged).
  static Device open(const std::string &path = default_device_path);

  Device(Device &&other) noexcept;
  Device &operator=(Device &&other) noexcept;
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;
  ~Device();

  // What GET_INFO said at open() (or at the last refresh()): asked once.
  [[nodiscard]] const Info &info() const noexcept { return info_; }
  // Every possible CPU, in id order: GET_CPU once per CPU at the first use,
  // then kept until refresh(), so that callers share one walk. Online state,
  // Calling Areas and counters are as they were at that walk.
  [[nodiscard]] const std::vector<CpuInfo> &cpus() const;
  // The ids of the online CPUs among cpus().
  [[nodiscard]] std::vector<uint32_t> online_cpus() const;
  // Asks GET_INFO again and forgets the CPUs, for a caller that outlives
  // a CPU hotplug or wants fresh counters.
  void refresh();
  // One CPU, asked now (not cached); svsm::Error ENXIO for an impossible id.
  [[nodiscard]] CpuInfo cpu(uint32_t cpu) const;
  [[nodiscard]] CallResult call(const CallRequest &request) const;
  [[nodiscard]] RemapTestResult remap_test(uint32_t cpu) const;
  [[nodiscard]] AttestResult attest(const AttestRequest &request) const;
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  explicit Device(int fd) noexcept : fd_(fd) {}
  [[nodiscard]] Info read_info() const;

  int fd_ = -1;
  Info info_;
  mutable std::optional<std::vector<CpuInfo>> cpus_;  // filled by cpus()
};

}  // namespace svsm
