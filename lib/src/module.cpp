// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/module.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <libkmod.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "read_file.hpp"

namespace svsm {

namespace fs = std::filesystem;

ModuleError::ModuleError(ModuleErrorKind kind, int err, const std::string &message,
                         std::string hint)
    : Error(err, message), kind_(kind), hint_(std::move(hint)) {}

namespace {

// ---- libkmod, loaded on demand -------------------------------------------
// Linking libkmod would load it into every command, and with it the
// libraries it links (Debian 12's links libcrypto): only load, unload and
// the parameter list need it, so they dlopen() it on first use, as systemd
// (256 and later) does. The header still gives the prototypes.
#define SVSM_KMOD_FUNCTIONS(X)       \
  X(kmod_new)                        \
  X(kmod_unref)                      \
  X(kmod_set_log_fn)                 \
  X(kmod_load_resources)             \
  X(kmod_list_next)                  \
  X(kmod_module_new_from_name)       \
  X(kmod_module_unref)               \
  X(kmod_module_get_path)            \
  X(kmod_module_get_info)            \
  X(kmod_module_info_free_list)      \
  X(kmod_module_info_get_key)        \
  X(kmod_module_info_get_value)      \
  X(kmod_module_probe_insert_module) \
  X(kmod_module_remove_module)

struct Kmod {
#define SVSM_KMOD_POINTER(f) decltype(&::f) f = nullptr;
  SVSM_KMOD_FUNCTIONS(SVSM_KMOD_POINTER)
#undef SVSM_KMOD_POINTER
};

constexpr const char *libkmod_soname = "libkmod.so.2";

[[noreturn]] void throw_no_libkmod(const std::string &why) {
  throw ModuleError(
      ModuleErrorKind::no_libkmod, ELIBACC,
      fmt::format("cannot load {}, the library modprobe uses, which svsmctl needs to load and "
                  "unload kernel modules: {}",
                  libkmod_soname, why),
      "install it (Debian and Ubuntu: 'apt install libkmod2', Fedora and RHEL: 'dnf install "
      "kmod-libs'), or use modprobe and rmmod instead; 'svsmctl status' does not need it");
}

const Kmod &kmod() {
  static const Kmod loaded = [] {
    void *handle = dlopen(libkmod_soname, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) throw_no_libkmod(dlerror());
    Kmod k;
#define SVSM_KMOD_RESOLVE(f)                                                \
  k.f = reinterpret_cast<decltype(k.f)>(dlsym(handle, #f));                 \
  if (!k.f) {                                                               \
    std::string why = fmt::format("it has no {} (too old a libkmod?)", #f); \
    dlclose(handle);                                                        \
    throw_no_libkmod(why);                                                  \
  }
    SVSM_KMOD_FUNCTIONS(SVSM_KMOD_RESOLVE)
#undef SVSM_KMOD_RESOLVE
    return k;
  }();
  return loaded;
}

struct CtxDeleter {
  void operator()(kmod_ctx *c) const { kmod().kmod_unref(c); }
};
struct ModDeleter {
  void operator()(kmod_module *m) const { kmod().kmod_module_unref(m); }
};
using Ctx = std::unique_ptr<kmod_ctx, CtxDeleter>;
using Mod = std::unique_ptr<kmod_module, ModDeleter>;

// libkmod logs through syslog by default; a CLI wants it quiet.
void quiet_log(void *, int, const char *, int, const char *, const char *, va_list) {}

Ctx new_ctx() {
  const Kmod &lib = kmod();
  Ctx ctx(lib.kmod_new(nullptr, nullptr));
  if (!ctx)
    throw ModuleError(ModuleErrorKind::other, ENOMEM, "libkmod: cannot create a context", "");
  lib.kmod_set_log_fn(ctx.get(), quiet_log, nullptr);
  (void)lib.kmod_load_resources(ctx.get());
  return ctx;
}

// The module (not an alias) by name; nullptr if no module file knows it.
Mod lookup(kmod_ctx *ctx, const std::string &name) {
  kmod_module *mod = nullptr;
  if (kmod().kmod_module_new_from_name(ctx, name.c_str(), &mod) < 0) return nullptr;
  return Mod(mod);
}

// ---- What needs no libkmod: sysfs and depmod's index ----------------------

using detail::join;
using detail::read_line;

// The kernel's /sys/module/<name>: initstate for a loaded module; a
// built-in one has the directory (when it has parameters or a version) but
// no initstate.
ModuleState sysfs_state(const std::string &name) {
  const std::string sys = join("/sys/module", name);
  auto state = read_line(join(sys, "initstate"));
  if (!state)
    return detail::path_kind(sys).directory ? ModuleState::builtin : ModuleState::not_loaded;
  if (*state == "live") return ModuleState::live;
  if (*state == "going") return ModuleState::going;
  return ModuleState::coming;
}

// depmod's modules.dep.bin: a trie of module names, big-endian. A header
// (magic, version, root node offset); each node offset carries flags in its
// top bits saying what the node holds, in this order: a NUL-terminated prefix,
// a child table for the characters first..last, and a list of values
// (priority and NUL-terminated text). For modules.dep the value is
// "path: dependencies". Format: kmod's libkmod/libkmod-index.c (facts only).
class DepIndex {
 public:
  explicit DepIndex(const std::string &file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      void *p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const uint8_t *>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~DepIndex() {
    if (data_) ::munmap(const_cast<uint8_t *>(data_), size_);
  }
  DepIndex(const DepIndex &) = delete;
  DepIndex &operator=(const DepIndex &) = delete;

  // The first value stored under exactly @key.
  std::optional<std::string> find(std::string_view key) const {
    uint32_t magic = 0, version = 0, node = 0;
    if (!u32(0, magic) || magic != 0xB007F457 || !u32(4, version) || version >> 16 != 2 ||
        !u32(8, node))
      return std::nullopt;
    size_t k = 0;
    for (int depth = 0; depth <= 4096; ++depth) {
      size_t pos = node & node_mask;
      if (node & has_prefix) {
        auto prefix = text(pos);
        if (!prefix || key.substr(k, prefix->size()) != *prefix) return std::nullopt;
        k += prefix->size();
        pos += prefix->size() + 1;
      }
      uint8_t first = 0, last = 0;
      size_t children = pos;
      if (node & has_children) {
        if (pos + 2 > size_) return std::nullopt;
        first = data_[pos];
        last = data_[pos + 1];
        children = pos + 2;
        pos = children + 4 * (last >= first ? last - first + 1 : 0);
      }
      if (k == key.size()) {
        uint32_t count = 0;
        if (!(node & has_values) || !u32(pos, count) || count == 0) return std::nullopt;
        auto value = text(pos + 8);  // after the count and the first priority
        return value ? std::optional<std::string>(*value) : std::nullopt;
      }
      const auto c = static_cast<uint8_t>(key[k++]);
      if (!(node & has_children) || c < first || c > last ||
          !u32(children + 4 * (c - first), node) || node == 0)
        return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  static constexpr uint32_t has_prefix = 0x80000000, has_values = 0x40000000,
                            has_children = 0x20000000, node_mask = 0x0FFFFFFF;

  bool u32(size_t pos, uint32_t &out) const {
    if (!data_ || pos + 4 > size_ || pos + 4 < pos) return false;
    out = static_cast<uint32_t>(data_[pos]) << 24 | static_cast<uint32_t>(data_[pos + 1]) << 16 |
          static_cast<uint32_t>(data_[pos + 2]) << 8 | data_[pos + 3];
    return true;
  }
  std::optional<std::string_view> text(size_t pos) const {
    if (!data_ || pos >= size_) return std::nullopt;
    const void *end = std::memchr(data_ + pos, '\0', size_ - pos);
    if (!end) return std::nullopt;
    return std::string_view(reinterpret_cast<const char *>(data_ + pos),
                            static_cast<const uint8_t *>(end) - (data_ + pos));
  }

  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

// The release probe_platform() reads from /proc/sys/kernel/osrelease: both
// show the kernel's utsname, and one system call beats open, read and close.
std::string running_kernel_release() {
  struct utsname u {};
  return ::uname(&u) == 0 ? u.release : "";
}

bool kernel_cmdline_blocks(const std::string &name) {
  auto cmdline = read_line("/proc/cmdline").value_or("");
  return cmdline.find("module_blacklist=") != std::string::npos &&
         cmdline.find(name) != std::string::npos;
}

// Kernel lockdown (Secure Boot turns it on in Debian's kernels) refuses
// unsigned modules with EPERM, not with a signature error.
bool kernel_locked_down() {
  auto line = read_line("/sys/kernel/security/lockdown").value_or("");
  return !line.empty() && line.find("[none]") == std::string::npos;
}

std::string kernel_release() {
  auto release = running_kernel_release();
  return release.empty() ? "the running kernel" : release;
}

[[noreturn]] void throw_load_error(int err, const std::string &name) {
  switch (err) {
    case ENOENT:
      throw ModuleError(
          ModuleErrorKind::not_installed, err,
          fmt::format("module {} is not installed for kernel {}", name, kernel_release()),
          "install the svsmctl-dkms package: DKMS builds the module for each kernel "
          "(scripts/package.sh makes the package from the source tree)");
    case EPERM:
      if (kernel_cmdline_blocks(name))
        throw ModuleError(
            ModuleErrorKind::blocked, err,
            fmt::format("module {} is blocked by module_blacklist= on the kernel command line",
                        name),
            "remove it from module_blacklist= and reboot");
      if (::geteuid() == 0 && kernel_locked_down())
        throw ModuleError(
            ModuleErrorKind::signature_refused, err,
            fmt::format("the kernel is locked down (Secure Boot) and refused module {}: "
                        "it is not signed with a trusted key",
                        name),
            "sign the module with a key enrolled in MOK (DKMS does it with "
            "/etc/dkms/framework.conf's mok_signing_key), then 'mokutil --import'");
      throw ModuleError(ModuleErrorKind::permission, err,
                        fmt::format("not allowed to load module {}", name),
                        "run as root (CAP_SYS_MODULE is needed)");
    case EKEYREJECTED:
    case ENOKEY:
    case EBADMSG:
      throw ModuleError(ModuleErrorKind::signature_refused, err,
                        fmt::format("the kernel refused the signature of module {} ({})", name,
                                    std::strerror(err)),
                        "with Secure Boot on, sign the module with a key enrolled in MOK "
                        "(DKMS does it with /etc/dkms/framework.conf's mok_signing_key), then "
                        "'mokutil --import'");
    case ENODEV:
      throw ModuleError(
          ModuleErrorKind::no_device, err,
          fmt::format("module {} refused to load: no SVSM on this machine", name),
          "backend=snp needs an SEV-SNP guest under an SVSM; use backend=auto to load anyway "
          "or backend=emulated to test");
    case EINVAL:
      throw ModuleError(
          ModuleErrorKind::bad_parameter, err,
          fmt::format("module {} rejected its parameters", name),
          "see 'dmesg' for the parameter it names, and 'modinfo svsm_diag' for valid values");
    default:
      throw ModuleError(ModuleErrorKind::other, err,
                        fmt::format("loading module {} failed: {}", name, std::strerror(err)),
                        "see 'dmesg' for the kernel's reason");
  }
}

}  // namespace

std::string_view module_state_name(ModuleState s) {
  switch (s) {
    case ModuleState::not_loaded: return "not-loaded";
    case ModuleState::builtin: return "builtin";
    case ModuleState::live: return "live";
    case ModuleState::coming: return "coming";
    case ModuleState::going: return "going";
  }
  return "unknown";
}

std::optional<std::string> installed_module_path(const std::string &name,
                                                 const std::string &modules_dir) {
  std::string key = name;
  std::replace(key.begin(), key.end(), '-', '_');  // as the kernel names modules
  const std::string dir =
      modules_dir.empty() ? join("/lib/modules", running_kernel_release()) : modules_dir;
  auto line = DepIndex(join(dir, "modules.dep.bin")).find(key);
  if (!line) return std::nullopt;
  std::string path = line->substr(0, line->find(':'));
  if (path.empty()) return std::nullopt;
  return join(dir, path);
}

ModuleStatus module_status(const std::string &name, ModuleDetail detail) {
  ModuleStatus st;
  const std::string sys = join("/sys/module", name);
  st.state = sysfs_state(name);
  st.path = installed_module_path(name);
  st.installed = st.path.has_value();
  st.version = read_line(join(sys, "version"));
  if (detail == ModuleDetail::brief) return st;
  if (st.state == ModuleState::live) {
    int ref = 0;
    auto text = read_line(join(sys, "refcnt"));
    if (text && std::from_chars(text->data(), text->data() + text->size(), ref).ec == std::errc())
      st.refcount = ref;
  }
  std::error_code ec;
  // Only full detail lists the parameters: std::filesystem stays off status's path.
  for (const auto &entry : fs::directory_iterator(fs::path(sys) / "parameters", ec)) {
    if (auto v = read_line(entry.path())) st.parameters[entry.path().filename().string()] = *v;
  }
  return st;
}

std::map<std::string, std::string> module_parameters(const std::string &name) {
  const Kmod &lib = kmod();
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  const char *path = mod ? lib.kmod_module_get_path(mod.get()) : nullptr;
  std::error_code ec;
  if (!path || !fs::exists(path, ec)) throw_load_error(ENOENT, name);  // modules.dep may be stale
  kmod_list *list = nullptr;
  if (lib.kmod_module_get_info(mod.get(), &list) < 0)
    throw ModuleError(ModuleErrorKind::other, EIO,
                      fmt::format("cannot read the parameters of module {}", name),
                      fmt::format("see 'modinfo {}'", name));
  std::unique_ptr<kmod_list, void (*)(kmod_list *)> guard(list, lib.kmod_module_info_free_list);
  std::map<std::string, std::string> params;
  for (kmod_list *l = list; l; l = lib.kmod_list_next(list, l)) {
    std::string_view key = lib.kmod_module_info_get_key(l);
    const char *text = lib.kmod_module_info_get_value(l);
    std::string_view value = text ? text : "";
    if (key != "parm" && key != "parmtype") continue;
    auto colon = value.find(':');
    std::string param(value.substr(0, colon));
    if (key == "parmtype")
      params[param] = colon == std::string_view::npos ? "" : std::string(value.substr(colon + 1));
    else
      params.try_emplace(param);
  }
  return params;
}

namespace {

std::vector<std::pair<std::string, std::string>> split_options(const std::string &options) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < options.size()) {
    size_t end = options.find(' ', pos);
    if (end == std::string::npos) end = options.size();
    std::string word = options.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    auto eq = word.find('=');
    out.emplace_back(word.substr(0, eq), eq == std::string::npos ? "" : word.substr(eq + 1));
  }
  return out;
}

// The kernel shows a bool as Y or N, whatever it was given.
std::string normalized(const std::string &value, const std::string &type) {
  if (type != "bool") return value;
  if (value == "1" || value == "y" || value == "Y" || value == "true" || value.empty()) return "Y";
  if (value == "0" || value == "n" || value == "N" || value == "false") return "N";
  return value;
}

}  // namespace

bool load_module(const std::string &options, const std::string &name, bool reload) {
  const Kmod &lib = kmod();
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  if (!mod) throw_load_error(ENOENT, name);

  auto state = sysfs_state(name);
  if (state == ModuleState::builtin) return false;
  if (!lib.kmod_module_get_path(mod.get())) throw_load_error(ENOENT, name);

  // The kernel ignores a parameter it does not know: refuse it here.
  const auto known = module_parameters(name);
  const auto wanted = split_options(options);
  for (const auto &[key, value] : wanted) {
    if (known.count(key)) continue;
    std::string names;
    for (const auto &[k, t] : known) names += (names.empty() ? "" : ", ") + k;
    throw ModuleError(ModuleErrorKind::bad_parameter, EINVAL,
                      fmt::format("module {} has no parameter '{}'", name, key),
                      fmt::format("its parameters are: {} (see 'modinfo {}')", names, name));
  }

  if (state == ModuleState::live) {
    auto current = module_status(name).parameters;
    std::string differ;
    for (const auto &[key, value] : wanted) {
      auto it = current.find(key);
      const auto &type = known.at(key);
      if (it == current.end() || normalized(it->second, type) != normalized(value, type))
        differ += fmt::format("{}{}={} (loaded: {})", differ.empty() ? "" : ", ", key, value,
                              it == current.end() ? "?" : it->second);
    }
    if (differ.empty()) return false;
    if (!reload)
      throw ModuleError(
          ModuleErrorKind::loaded_differently, EEXIST,
          fmt::format("module {} is already loaded with other parameters: {}", name, differ),
          "add --reload to unload it and load it with these (refused while /dev/svsm_diag is "
          "open)");
    unload_module(name);
  }

  int err = lib.kmod_module_probe_insert_module(mod.get(), KMOD_PROBE_APPLY_BLACKLIST,
                                                options.empty() ? nullptr : options.c_str(),
                                                nullptr, nullptr, nullptr);
  if (err == 0) return true;
  if (err == KMOD_PROBE_APPLY_BLACKLIST)
    throw ModuleError(ModuleErrorKind::blocked, EPERM,
                      fmt::format("module {} is deny-listed by the modprobe configuration", name),
                      fmt::format("remove 'blacklist {}' from /etc/modprobe.d", name));
  if (err == -EEXIST) return false;  // raced with another loader
  throw_load_error(-err, name);
}

bool unload_module(const std::string &name) {
  const auto state = sysfs_state(name);
  if (state == ModuleState::not_loaded) return false;
  if (state == ModuleState::builtin)
    throw ModuleError(ModuleErrorKind::other, EPERM,
                      fmt::format("module {} is built into the kernel", name),
                      "it cannot be unloaded");

  const Kmod &lib = kmod();
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  if (!mod) return false;
  int err = lib.kmod_module_remove_module(mod.get(), 0);
  if (err == 0) return true;
  if (err == -EBUSY || err == -EAGAIN)
    throw ModuleError(
        ModuleErrorKind::in_use, -err, fmt::format("module {} is in use", name),
        "close the programs that hold /dev/svsm_diag open (see 'fuser /dev/svsm_diag')");
  if (err == -EPERM)
    throw ModuleError(ModuleErrorKind::permission, -err,
                      fmt::format("not allowed to unload module {}", name),
                      "run as root (CAP_SYS_MODULE is needed)");
  throw ModuleError(ModuleErrorKind::other, -err,
                    fmt::format("unloading module {} failed: {}", name, std::strerror(-err)), "");
}

}  // namespace svsm
