// SPDX-License-Identifier: GPL-2.0-only
// configfs-tsm report instances. Each attribute write advances the
// instance's generation counter; the report is made when outblob is read.
// Reading generation before and after the blobs tells whether another
// writer changed the instance in between, in which case the blobs may not
// belong to this request: try again.
#include "svsm/tsm_report.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <random>

#include "read_file.hpp"

namespace svsm {

namespace {

constexpr int kAttempts = 3;

// Read a whole attribute; errno on failure.
int read_attr(const std::string &p, std::vector<uint8_t> &out) {
  auto r = detail::read_file(p);
  if (!r.text) return r.error;
  out.assign(r.text->begin(), r.text->end());
  return 0;
}

std::vector<uint8_t> must_read(const std::string &p, const char *what) {
  std::vector<uint8_t> out;
  if (int err = read_attr(p, out))
    throw Error(err, fmt::format("configfs-tsm: reading {}", p), what);
  return out;
}

std::optional<uint64_t> read_number(const std::string &p) {
  std::vector<uint8_t> b;
  if (read_attr(p, b)) return std::nullopt;
  uint64_t v = 0;
  auto *first = reinterpret_cast<const char *>(b.data());
  auto [end, ec] = std::from_chars(first, first + b.size(), v);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return v;
}

void write_attr(const std::string &p, const void *data, std::size_t len, const std::string &what) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(errno, fmt::format("configfs-tsm: opening {}", p), what);
  ssize_t n = ::write(fd, data, len);
  int err = n < 0 ? errno : (static_cast<std::size_t>(n) != len ? EIO : 0);
  if (::close(fd) != 0 && !err) err = errno;  // binary attributes commit on close
  if (err) throw Error(err, fmt::format("configfs-tsm: writing {}", p), what);
}

void write_text(const std::string &p, const std::string &text, const std::string &what) {
  write_attr(p, text.data(), text.size(), what);
}

std::string trimmed(std::vector<uint8_t> b) {
  std::string s(b.begin(), b.end());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A report instance of our own, removed on destruction.
class Instance {
 public:
  explicit Instance(const std::string &base) {
    std::random_device rd;
    for (int i = 0;; i++) {
      dir_ = detail::join(base, fmt::format("svsmctl-{}-{:08x}", ::getpid(), rd()));
      if (::mkdir(dir_.c_str(), 0700) == 0) return;
      if (errno != EEXIST || i > 8) {
        const int err = errno;
        std::string why = err == EACCES || err == EPERM ? "run as root"
                          : err == ENXIO
                              ? "no report provider is registered (no SEV-SNP guest driver; "
                                "svsm_diag's emulated SVSM registers one): use --via module"
                              : "";
        throw Error(err, fmt::format("configfs-tsm: creating the report instance {}", dir_), why);
      }
    }
  }
  ~Instance() { ::rmdir(dir_.c_str()); }
  Instance(const Instance &) = delete;
  Instance &operator=(const Instance &) = delete;
  [[nodiscard]] std::string operator/(const char *attr) const { return detail::join(dir_, attr); }

 private:
  std::string dir_;
};

}  // namespace

TsmPrivlevelError::TsmPrivlevelError(uint32_t p, uint32_t f)
    : Error(
          EINVAL, "configfs-tsm",
          fmt::format(
              "privlevel {} is below privlevel_floor {}: the guest runs at VMPL{} and may only ask "
              "for "
              "reports at VMPL{} or less privileged (the kernel refuses lower values with EINVAL)",
              p, f, f, f)),
      privlevel(p),
      floor(f) {}

TsmInfo tsm_probe(const std::string &base) {
  TsmInfo info;
  if (!detail::path_kind(base).directory) return info;
  info.present = true;
  Instance inst(base);
  std::vector<uint8_t> b;
  if (read_attr(inst / "provider", b) == 0) info.provider = trimmed(b);
  if (auto floor = read_number(inst / "privlevel_floor"))
    info.privlevel_floor = static_cast<uint32_t>(*floor);
  info.service_provider = detail::path_kind(inst / "service_provider").exists;
  return info;
}

TsmResult tsm_attest(const TsmRequest &req, const std::string &base) {
  if (!detail::path_kind(base).directory)
    throw Error(ENOENT, fmt::format("configfs-tsm: {} is absent", base),
                "the kernel has no configfs-tsm (Linux 6.7+, CONFIG_TSM_REPORTS) or configfs is "
                "not mounted");
  Instance inst(base);
  TsmResult out;
  std::vector<uint8_t> b;
  if (read_attr(inst / "provider", b) == 0) out.provider = trimmed(b);
  if (auto floor = read_number(inst / "privlevel_floor"))
    out.privlevel_floor = static_cast<uint32_t>(*floor);
  if (!detail::path_kind(inst / "service_provider").exists)
    throw Error(
        EOPNOTSUPP, "configfs-tsm",
        fmt::format(
            "the report provider '{}' offers no service_provider attribute: no SVSM attestation "
            "through configfs-tsm here (Linux 6.11+ with an SVSM); use --via module",
            out.provider.empty() ? "(none)" : out.provider));
  if (req.privlevel && out.privlevel_floor && *req.privlevel < *out.privlevel_floor)
    throw TsmPrivlevelError(*req.privlevel, *out.privlevel_floor);

  for (int attempt = 0; attempt < kAttempts; attempt++) {
    write_text(inst / "service_provider", "svsm", "asking for the SVSM service provider");
    if (req.service) {
      write_text(inst / "service_guid", req.service->to_string(), "setting service_guid");
      write_text(inst / "service_manifest_version", std::to_string(req.manifest_version),
                 "setting service_manifest_version");
    }
    if (req.privlevel)
      write_text(inst / "privlevel", std::to_string(*req.privlevel), "setting privlevel");
    write_attr(inst / "inblob", req.nonce.data(), req.nonce.size(), "writing the nonce to inblob");

    auto before = read_number(inst / "generation");
    // The provider makes the report here; its errno is the SVSM call's.
    if (int err = read_attr(inst / "outblob", out.report))
      throw Error(err, kTsmOutblobOperation,
                  fmt::format("the report provider '{}' could not make the report", out.provider));
    out.manifest = must_read(inst / "manifestblob", "reading the services manifest");
    out.certificates.clear();
    if (req.certificates) {
      // No auxblob, or an empty one, means no certificates.
      int err = read_attr(inst / "auxblob", out.certificates);
      if (err && err != ENOENT && err != ENODATA) throw Error(err, "configfs-tsm: reading auxblob");
      if (err) out.certificates.clear();
    }
    auto after = read_number(inst / "generation");
    if (before && after && *before == *after) {
      out.generation = *after;
      return out;
    }
  }
  throw Error(EBUSY, "configfs-tsm", "another writer kept changing the report instance; try again");
}

}  // namespace svsm
