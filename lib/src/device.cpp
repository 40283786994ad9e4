// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/device.hpp"

#include <fcntl.h>
#include <linux/svsm_diag.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "svsm/error.hpp"

namespace svsm {

// The layouts are ABI: pin them here as the module pins them in kbuild.
static_assert(sizeof(svsm_diag_info) == 128);
static_assert(sizeof(svsm_diag_cpu) == 72);
static_assert(sizeof(svsm_diag_call) == 120);
static_assert(sizeof(svsm_diag_remap_test) == 104);
static_assert(sizeof(svsm_diag_attest) == 184);

namespace {

template <typename T>
T zeroed_arg() {
  T arg;
  std::memset(&arg, 0, sizeof(arg));
  arg.size = sizeof(arg);
  return arg;
}

// ioctl, retried on EINTR; returns 0 or a positive errno.
int do_ioctl(int fd, unsigned long cmd, void *arg) {
  for (;;) {
    if (::ioctl(fd, cmd, arg) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

CallStatus decode_status(uint32_t s) {
  return CallStatus{
      .issued = (s & SVSM_DIAG_STATUS_ISSUED) != 0,
      .serviced = (s & SVSM_DIAG_STATUS_SERVICED) != 0,
      .vmpl_refused = (s & SVSM_DIAG_STATUS_VMPL_REFUSED) != 0,
      .retries_exhausted = (s & SVSM_DIAG_STATUS_RETRIES_OUT) != 0,
      .ca_restored = (s & SVSM_DIAG_STATUS_CA_RESTORED) != 0,
      .interrupted = (s & SVSM_DIAG_STATUS_INTERRUPTED) != 0,
      .response_lost = (s & SVSM_DIAG_STATUS_RESPONSE_LOST) != 0,
      .nmi = (s & SVSM_DIAG_STATUS_NMI) != 0,
      .via_kernel = (s & SVSM_DIAG_STATUS_VIA_KERNEL) != 0,
  };
}

// Errors the SVSM reported through the module: the struct came back filled.
bool in_band(int err) {
  return err == EIO || err == EBUSY || err == ECOMM || err == EREMOTEIO || err == EAGAIN;
}

}  // namespace

std::string_view backend_name(Backend b) {
  switch (b) {
    case Backend::none: return "none";
    case Backend::snp: return "snp";
    case Backend::emulated: return "emulated";
  }
  return "unknown";
}

std::string_view no_svsm_reason_text(NoSvsmReason r) {
  switch (r) {
    case NoSvsmReason::none: return "";
    case NoSvsmReason::not_snp: return "SEV-SNP is not active in this guest";
    case NoSvsmReason::vmpl0: return "the guest runs at VMPL0, so there is no SVSM";
    case NoSvsmReason::kernel:
      return "the kernel has no SVSM guest support (Linux 6.11 or newer needed)";
    case NoSvsmReason::no_ca: return "an SVSM is present but no usable Calling Area was found";
  }
  return "unknown reason";
}

std::string_view remap_step_name(size_t step) {
  static constexpr std::array<std::string_view, 4> names = {
      "remap to test CA", "query through test CA", "remap back", "query through original CA"};
  return step < names.size() ? names[step] : "";
}

Device Device::open(const std::string &path) {
  // Read-only is enough for GET_INFO and GET_CPU where an administrator has
  // opened the device to readers; the module checks CAP_SYS_ADMIN for calls.
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(errno, "open " + path);
  Device dev(fd);
  try {
    dev.info_ = dev.read_info();
  } catch (const Error &e) {
    // Any other file answers GET_INFO with ENOTTY (or EINVAL): say what it is not.
    if (e.errno_value() != ENOTTY && e.errno_value() != EINVAL) throw;
    throw Error(ENOTTY, path, "not an svsm_diag device");
  }
  if (dev.info_.abi_version != SVSM_DIAG_ABI_VERSION)
    throw Error(EPROTO, "open " + path,
                "module ABI version " + std::to_string(dev.info_.abi_version) +
                    ", this svsmctl speaks " + std::to_string(SVSM_DIAG_ABI_VERSION));
  return dev;
}

Device::Device(Device &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      info_(std::move(other.info_)),
      cpus_(std::move(other.cpus_)) {}

Device &Device::operator=(Device &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    info_ = std::move(other.info_);
    cpus_ = std::move(other.cpus_);
  }
  return *this;
}

Device::~Device() {
  if (fd_ >= 0) ::close(fd_);
}

void Device::refresh() {
  info_ = read_info();
  cpus_.reset();
}

const std::vector<CpuInfo> &Device::cpus() const {
  if (cpus_) return *cpus_;
  std::vector<CpuInfo> cpus;
  for (uint32_t c = 0; c < info_.nr_cpu_ids; ++c) {
    try {
      cpus.push_back(cpu(c));
    } catch (const Error &e) {
      if (e.errno_value() != ENXIO) throw;  // ENXIO: not a possible CPU
    }
  }
  cpus_ = std::move(cpus);
  return *cpus_;
}

std::vector<uint32_t> Device::online_cpus() const {
  std::vector<uint32_t> ids;
  for (const auto &c : cpus())
    if (c.online) ids.push_back(c.cpu);
  return ids;
}

Info Device::read_info() const {
  auto arg = zeroed_arg<svsm_diag_info>();
  if (int err = do_ioctl(fd_, SVSM_DIAG_GET_INFO, &arg)) throw Error(err, "GET_INFO");

  Info info;
  info.abi_version = arg.abi_version;
  info.backend = static_cast<Backend>(arg.backend);
  info.reason = static_cast<NoSvsmReason>(arg.reason);
  if (arg.valid & SVSM_DIAG_INFO_SEV_STATUS) info.sev_status = arg.sev_status;
  if (arg.valid & SVSM_DIAG_INFO_VMPL) info.vmpl = arg.vmpl;
  if (arg.valid & SVSM_DIAG_INFO_SVSM)
    info.svsm = SvsmDescription{arg.svsm_base, arg.svsm_size, arg.svsm_caa, arg.svsm_max_version,
                                (arg.valid & SVSM_DIAG_INFO_ADDRS_HIDDEN) != 0};
  info.addresses_hidden = arg.valid & SVSM_DIAG_INFO_ADDRS_HIDDEN;
  info.features = arg.features;
  info.nr_cpu_ids = arg.nr_cpu_ids;
  info.nr_possible = arg.nr_possible;
  info.nr_online = arg.nr_online;
  info.max_retries = arg.max_retries;
  info.unsafe_calls_allowed = arg.policy & SVSM_DIAG_POLICY_UNSAFE_CALLS;
  info.remap_test_allowed = arg.policy & SVSM_DIAG_POLICY_REMAP_TEST;
  info.module_version.assign(arg.module_version,
                             strnlen(arg.module_version, sizeof(arg.module_version)));
  return info;
}

CpuInfo Device::cpu(uint32_t cpu) const {
  auto arg = zeroed_arg<svsm_diag_cpu>();
  arg.cpu = cpu;
  if (int err = do_ioctl(fd_, SVSM_DIAG_GET_CPU, &arg))
    throw Error(err, "GET_CPU", "CPU " + std::to_string(cpu));

  CpuInfo c;
  c.cpu = cpu;
  c.online = arg.state & SVSM_DIAG_CPU_ONLINE;
  c.apic_id = arg.apic_id;
  c.addresses_hidden = arg.state & SVSM_DIAG_CPU_ADDRS_HIDDEN;
  if (arg.state & SVSM_DIAG_CPU_CA_VALID) c.ca = arg.ca_gpa;
  if (arg.state & SVSM_DIAG_CPU_INITIAL_CA_VALID) c.initial_ca = arg.initial_ca_gpa;
  c.ca_lost = (arg.state & SVSM_DIAG_CPU_CA_LOST) != 0;
  if (arg.state & SVSM_DIAG_CPU_LAST_VALID) c.last_result = arg.last_result;
  c.calls = arg.calls;
  c.retries = arg.retries;
  c.errors = arg.errors;
  c.unserviced = arg.unserviced;
  return c;
}

CallResult Device::call(const CallRequest &request) const {
  auto arg = zeroed_arg<svsm_diag_call>();
  arg.cpu = request.cpu;
  arg.protocol = request.protocol;
  arg.call_id = request.call;
  arg.rcx = request.rcx;
  arg.rdx = request.rdx;
  arg.r8 = request.r8;
  arg.r9 = request.r9;
  std::vector<uint8_t> buffer = request.buffer;
  if (request.placement != BufferPlacement::none) {
    arg.flags = request.placement == BufferPlacement::calling_area ? SVSM_DIAG_CALL_BUF_CA
                                                                   : SVSM_DIAG_CALL_BUF_PAGE;
    arg.buf_reg = static_cast<uint32_t>(request.buffer_register);
    arg.buf_addr = reinterpret_cast<uintptr_t>(buffer.data());
    arg.buf_len = static_cast<uint32_t>(buffer.size());
  }

  int err = do_ioctl(fd_, SVSM_DIAG_CALL, &arg);
  if (err && !in_band(err)) throw Error(err, "CALL", "CPU " + std::to_string(request.cpu));

  return CallResult{
      .cpu = request.cpu,
      .error = err,
      .result = arg.result,
      .rax = arg.rax_out,
      .rcx = arg.rcx_out,
      .rdx = arg.rdx_out,
      .r8 = arg.r8_out,
      .r9 = arg.r9_out,
      .status = decode_status(arg.status),
      .retries = arg.retries,
      .buffer = std::move(buffer),
  };
}

RemapTestResult Device::remap_test(uint32_t cpu) const {
  auto arg = zeroed_arg<svsm_diag_remap_test>();
  arg.cpu = cpu;
  int err = do_ioctl(fd_, SVSM_DIAG_REMAP_CA_TEST, &arg);
  if (err && !in_band(err)) throw Error(err, "REMAP_CA_TEST", "CPU " + std::to_string(cpu));

  RemapTestResult r;
  r.cpu = cpu;
  r.error = err;
  r.original_ca = arg.orig_ca;
  r.test_ca = arg.test_ca;
  r.restored = arg.outcome & SVSM_DIAG_REMAP_RESTORED;
  r.recovered = arg.outcome & SVSM_DIAG_REMAP_RECOVERED;
  r.steps_done = arg.steps_done;
  for (size_t i = 0; i < r.steps.size(); ++i) {
    r.steps[i].result = arg.step[i].result;
    r.steps[i].status = decode_status(arg.step[i].status);
    r.steps[i].error = -arg.step[i].error;
  }
  return r;
}

AttestResult Device::attest(const AttestRequest &request) const {
  // Start with room for typical answers; the module reports what it needs.
  std::vector<uint8_t> report(4096), manifest(16384), certs(request.certificates ? 65536 : 0);

  for (int attempt = 0;; ++attempt) {
    auto arg = zeroed_arg<svsm_diag_attest>();
    arg.cpu = request.cpu.value_or(SVSM_DIAG_ANY_CPU);
    std::copy(request.nonce.begin(), request.nonce.end(), arg.nonce);
    if (request.service) {
      arg.flags = SVSM_DIAG_ATTEST_SINGLE;
      auto le = request.service->le_bytes();
      std::copy(le.begin(), le.end(), arg.service_guid);
      arg.manifest_version = request.manifest_version;
    }
    auto set = [](svsm_diag_buf &b, std::vector<uint8_t> &v) {
      b.addr = v.empty() ? 0 : reinterpret_cast<uintptr_t>(v.data());
      b.len = static_cast<uint32_t>(v.size());
    };
    set(arg.report, report);
    set(arg.manifest, manifest);
    set(arg.certs, certs);

    int err = do_ioctl(fd_, SVSM_DIAG_ATTEST, &arg);
    if (err == ENOSPC && attempt == 0) {
      report.resize(std::max<size_t>(report.size(), arg.report.used));
      manifest.resize(std::max<size_t>(manifest.size(), arg.manifest.used));
      if (request.certificates) certs.resize(std::max<size_t>(certs.size(), arg.certs.used));
      continue;
    }
    const bool serviced = arg.status & SVSM_DIAG_STATUS_SERVICED;
    if (err && !in_band(err))
      throw Error(err, "ATTEST", {}, serviced ? std::optional(arg.result) : std::nullopt);

    AttestResult r;
    r.error = err;
    r.result = arg.result;
    r.status = decode_status(arg.status);
    r.attempts = arg.attempts;
    if (!err) {
      report.resize(arg.report.used);
      manifest.resize(arg.manifest.used);
      certs.resize(request.certificates ? arg.certs.used : 0);
      r.report = std::move(report);
      r.manifest = std::move(manifest);
      r.certificates = std::move(certs);
    }
    return r;
  }
}

}  // namespace svsm
