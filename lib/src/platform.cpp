// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/platform.hpp"

#include <cpuid.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "read_file.hpp"

namespace svsm {

std::string_view source_name(Source s) {
  switch (s) {
    case Source::module: return "module";
    case Source::sysfs: return "sysfs";
    case Source::cpuinfo: return "cpuinfo";
    case Source::cpuid: return "cpuid";
    case Source::configfs: return "configfs";
    case Source::devfs: return "devfs";
    case Source::kernel: return "kernel";
  }
  return "unknown";
}

std::optional<CpuidInfo> read_cpuid() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return std::nullopt;
  CpuidInfo info;
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  info.vendor = vendor;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) info.hypervisor = ecx & (1U << 31);
  if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x8000001f &&
      __get_cpuid(0x8000001f, &eax, &ebx, &ecx, &edx))
    info.sev = Cpuid8000001f{eax, ebx, ecx, edx};
  return info;
}

std::vector<std::string> parse_cpuinfo_sev_flags(std::string_view cpuinfo) {
  static constexpr std::string_view wanted[] = {"sev", "sev_es", "sev_snp", "svsm"};
  std::vector<std::string> found;
  // The first CPU's "flags" line speaks for all.
  for (size_t at = 0; at < cpuinfo.size();) {
    size_t end = std::min(cpuinfo.find('\n', at), cpuinfo.size());
    std::string_view line = cpuinfo.substr(at, end - at);
    at = end + 1;
    auto colon = line.find(':');
    if (!line.starts_with("flags") || colon == std::string_view::npos) continue;
    std::string_view flags = line.substr(colon + 1);
    while (!flags.empty()) {
      size_t n = std::min(flags.find_first_of(" \t"), flags.size());
      std::string_view flag = flags.substr(0, n);
      flags.remove_prefix(std::min(n + 1, flags.size()));
      if (std::find(std::begin(wanted), std::end(wanted), flag) != std::end(wanted))
        found.emplace_back(flag);
    }
    break;
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<uint64_t> parse_sysfs_number(std::string_view text, int base) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (base == 16 && text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

namespace {

using detail::read_file;
using detail::under;

std::string why(int err, std::string_view what) {
  if (err == EACCES || err == EPERM) return std::string(what) + ": permission denied (run as root)";
  return std::string(what) + ": " + std::strerror(err);
}

template <typename T>
Fact<T> number_fact(const std::string &root, std::string_view path, int base,
                    std::string_view absent) {
  auto r = read_file(under(root, path));
  if (!r.text) {
    if (r.error == ENOENT) return Fact<T>::missing(Source::sysfs, std::string(absent));
    return Fact<T>::missing(Source::sysfs, why(r.error, path));
  }
  auto v = parse_sysfs_number(*r.text, base);
  if (!v) return Fact<T>::missing(Source::sysfs, std::string(path) + ": unexpected contents");
  return Fact<T>::of(static_cast<T>(*v), Source::sysfs);
}

Fact<bool> exists_fact(const std::string &root, std::string_view path, Source source) {
  auto kind = detail::path_kind(under(root, path));
  if (kind.error) return Fact<bool>::missing(source, why(kind.error, path));
  return Fact<bool>::of(kind.exists, source);
}

bool configfs_mounted(const std::string &root) {
  auto r = read_file(under(root, "/proc/mounts"));
  if (!r.text)
    return exists_fact(root, "/sys/kernel/config", Source::configfs).value.value_or(false);
  return r.text->find(" /sys/kernel/config configfs ") != std::string::npos;
}

}  // namespace

PlatformFacts probe_platform(const PlatformSources &sources) {
  PlatformFacts f;
  const std::string &root = sources.root;

  if (auto r = read_file(under(root, "/proc/sys/kernel/osrelease")); r.text) {
    auto rel = *r.text;
    while (!rel.empty() && rel.back() == '\n') rel.pop_back();
    f.kernel_release = Fact<std::string>::of(rel, Source::kernel);
  } else {
    f.kernel_release =
        Fact<std::string>::missing(Source::kernel, why(r.error, "/proc/sys/kernel/osrelease"));
  }

  auto cpuid = sources.cpuid ? sources.cpuid() : read_cpuid();
  f.cpuid = cpuid
                ? Fact<CpuidInfo>::of(*cpuid, Source::cpuid)
                : Fact<CpuidInfo>::missing(Source::cpuid, "the CPUID instruction is not available");

  // The first CPU's record (up to its blank line) is all the parser reads:
  // the kernel need not format one for every CPU.
  if (auto r = read_file(under(root, "/proc/cpuinfo"), "\n\n"); r.text)
    f.cpu_flags =
        Fact<std::vector<std::string>>::of(parse_cpuinfo_sev_flags(*r.text), Source::cpuinfo);
  else
    f.cpu_flags =
        Fact<std::vector<std::string>>::missing(Source::cpuinfo, why(r.error, "/proc/cpuinfo"));

  f.sysfs_vmpl = number_fact<uint32_t>(
      root, "/sys/devices/system/cpu/sev/vmpl", 10,
      "no /sys/devices/system/cpu/sev/vmpl (only SEV-SNP guests on Linux 6.11+ have it)");
  f.sysfs_sev_status =
      number_fact<uint64_t>(root, "/sys/devices/system/cpu/sev/sev_status", 16, "");
  if (!f.sysfs_sev_status.known())
    f.sysfs_sev_status = number_fact<uint64_t>(root, "/sys/hypervisor/sev/sev_status", 16,
                                               "the kernel does not export SEV_STATUS in sysfs");

  f.sev_guest_device = exists_fact(root, "/dev/sev-guest", Source::devfs);
  // Without configfs mounted, the tsm directory is absent whether or not the
  // kernel offers it: that is "unknown", not "no".
  f.configfs_tsm = exists_fact(root, "/sys/kernel/config/tsm/report", Source::configfs);
  if (f.configfs_tsm.known() && !*f.configfs_tsm.value && !configfs_mounted(root))
    f.configfs_tsm = Fact<bool>::missing(Source::configfs,
                                         "configfs is not mounted at /sys/kernel/config "
                                         "(mount -t configfs configfs /sys/kernel/config)");
  f.tpm_svsm = exists_fact(root, "/sys/bus/platform/devices/tpm-svsm", Source::sysfs);
  return f;
}

}  // namespace svsm
