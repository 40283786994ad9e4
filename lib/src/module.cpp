// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/module.hpp"

#include <fmt/format.h>
#include <libkmod.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

namespace svsm {

namespace fs = std::filesystem;

ModuleError::ModuleError(ModuleErrorKind kind, int err, const std::string &message,
                         std::string hint)
    : Error(err, message), kind_(kind), hint_(std::move(hint)) {}

namespace {

struct CtxDeleter {
  void operator()(kmod_ctx *c) const { kmod_unref(c); }
};
struct ModDeleter {
  void operator()(kmod_module *m) const { kmod_module_unref(m); }
};
struct ListDeleter {
  void operator()(kmod_list *l) const { kmod_module_unref_list(l); }
};
using Ctx = std::unique_ptr<kmod_ctx, CtxDeleter>;
using Mod = std::unique_ptr<kmod_module, ModDeleter>;

// libkmod logs through syslog by default; a CLI wants it quiet.
void quiet_log(void *, int, const char *, int, const char *, const char *, va_list) {}

Ctx new_ctx() {
  Ctx ctx(kmod_new(nullptr, nullptr));
  if (!ctx)
    throw ModuleError(ModuleErrorKind::other, ENOMEM, "libkmod: cannot create a context", "");
  kmod_set_log_fn(ctx.get(), quiet_log, nullptr);
  (void)kmod_load_resources(ctx.get());
  return ctx;
}

// The module (not an alias) by name; nullptr if no module file knows it.
Mod lookup(kmod_ctx *ctx, const std::string &name) {
  kmod_module *mod = nullptr;
  if (kmod_module_new_from_name(ctx, name.c_str(), &mod) < 0) return nullptr;
  return Mod(mod);
}

ModuleState state_of(kmod_module *mod) {
  switch (kmod_module_get_initstate(mod)) {
    case KMOD_MODULE_BUILTIN: return ModuleState::builtin;
    case KMOD_MODULE_LIVE: return ModuleState::live;
    case KMOD_MODULE_COMING: return ModuleState::coming;
    case KMOD_MODULE_GOING: return ModuleState::going;
    default: return ModuleState::not_loaded;
  }
}

std::optional<std::string> read_line(const fs::path &p) {
  std::ifstream in(p);
  std::string s;
  if (!in || !std::getline(in, s)) return std::nullopt;
  return s;
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
  return read_line("/proc/sys/kernel/osrelease").value_or("the running kernel");
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

ModuleStatus module_status(const std::string &name) {
  ModuleStatus st;
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  if (mod) {
    st.state = state_of(mod.get());
    if (const char *path = kmod_module_get_path(mod.get())) {
      st.installed = true;
      st.path = path;
    }
    if (st.state == ModuleState::live) {
      int ref = kmod_module_get_refcnt(mod.get());
      if (ref >= 0) st.refcount = ref;
    }
  }
  const fs::path sys = fs::path("/sys/module") / name;
  st.version = read_line(sys / "version");
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(sys / "parameters", ec)) {
    if (auto v = read_line(entry.path())) st.parameters[entry.path().filename().string()] = *v;
  }
  return st;
}

std::map<std::string, std::string> module_parameters(const std::string &name) {
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  const char *path = mod ? kmod_module_get_path(mod.get()) : nullptr;
  std::error_code ec;
  if (!path || !fs::exists(path, ec)) throw_load_error(ENOENT, name);  // modules.dep may be stale
  kmod_list *list = nullptr;
  if (kmod_module_get_info(mod.get(), &list) < 0)
    throw ModuleError(ModuleErrorKind::other, EIO,
                      fmt::format("cannot read the parameters of module {}", name),
                      fmt::format("see 'modinfo {}'", name));
  std::unique_ptr<kmod_list, void (*)(kmod_list *)> guard(list, kmod_module_info_free_list);
  std::map<std::string, std::string> params;
  for (kmod_list *l = list; l; l = kmod_list_next(list, l)) {
    std::string_view key = kmod_module_info_get_key(l);
    std::string_view value = kmod_module_info_get_value(l) ? kmod_module_info_get_value(l) : "";
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
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  if (!mod) throw_load_error(ENOENT, name);

  auto state = state_of(mod.get());
  if (state == ModuleState::builtin) return false;
  if (!kmod_module_get_path(mod.get())) throw_load_error(ENOENT, name);

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

  int err = kmod_module_probe_insert_module(mod.get(), KMOD_PROBE_APPLY_BLACKLIST,
                                            options.empty() ? nullptr : options.c_str(), nullptr,
                                            nullptr, nullptr);
  if (err == 0) return true;
  if (err == KMOD_PROBE_APPLY_BLACKLIST)
    throw ModuleError(ModuleErrorKind::blocked, EPERM,
                      fmt::format("module {} is deny-listed by the modprobe configuration", name),
                      fmt::format("remove 'blacklist {}' from /etc/modprobe.d", name));
  if (err == -EEXIST) return false;  // raced with another loader
  throw_load_error(-err, name);
}

bool unload_module(const std::string &name) {
  auto ctx = new_ctx();
  auto mod = lookup(ctx.get(), name);
  if (!mod || state_of(mod.get()) == ModuleState::not_loaded) return false;
  if (state_of(mod.get()) == ModuleState::builtin)
    throw ModuleError(ModuleErrorKind::other, EPERM,
                      fmt::format("module {} is built into the kernel", name),
                      "it cannot be unloaded");

  int err = kmod_module_remove_module(mod.get(), 0);
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
