// SPDX-License-Identifier: GPL-2.0-only
// Loading and inspecting the svsm_diag kernel module. Its state comes from
// sysfs and depmod's index; loading, unloading and the parameter list go
// through libkmod (following systemd's module-util flow), which is loaded
// on first use.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "svsm/error.hpp"

namespace svsm {

inline constexpr const char *module_name = "svsm_diag";

enum class ModuleState { not_loaded, builtin, live, coming, going };

struct ModuleStatus {
  ModuleState state = ModuleState::not_loaded;
  bool installed = false;              // found in modules.dep.bin for this kernel
  std::optional<std::string> path;     // the module file depmod recorded
  std::optional<std::string> version;  // /sys/module/<name>/version
  std::optional<int> refcount;         // open file descriptors and users
  std::map<std::string, std::string> parameters;
};

// Why a load or unload failed, each with its own remedy.
enum class ModuleErrorKind {
  not_installed,       // no module file for this kernel
  blocked,             // deny-listed by modprobe configuration
  signature_refused,   // Secure Boot / lockdown refused an unsigned module
  no_device,           // the module refused to load here (-ENODEV)
  bad_parameter,       // -EINVAL from the module: a bad parameter value
  in_use,              // unload while open
  permission,          // not root
  loaded_differently,  // loaded already, with other parameter values
  no_libkmod,          // libkmod.so.2 could not be loaded
  other,
};

// An svsm::Error whose operation is the whole message, with a remedy.
class ModuleError : public Error {
 public:
  ModuleError(ModuleErrorKind kind, int err, const std::string &message, std::string hint);
  [[nodiscard]] ModuleErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string &hint() const noexcept { return hint_; }

 private:
  ModuleErrorKind kind_;
  std::string hint_;
};

// The kernel's names for the states: not-loaded, builtin, live, coming, going.
[[nodiscard]] std::string_view module_state_name(ModuleState s);

// From /sys/module/<name> and installed_module_path(): no libkmod. Brief
// leaves out the reference count and the parameters (a file to read each).
enum class ModuleDetail { full, brief };
[[nodiscard]] ModuleStatus module_status(const std::string &name = module_name,
                                         ModuleDetail detail = ModuleDetail::full);

// The module file depmod recorded for @name in @modules_dir/modules.dep.bin
// (by default /lib/modules/<running kernel>/), as libkmod would find it;
// nullopt when there is none.
[[nodiscard]] std::optional<std::string> installed_module_path(
    const std::string &name = module_name, const std::string &modules_dir = {});

// The module's parameters and their types ("bool", "uint", "charp", ...),
// from the module file (modinfo's parm and parmtype).
[[nodiscard]] std::map<std::string, std::string> module_parameters(
    const std::string &name = module_name);

// Loads the module with "key=value ..." options, each name checked against
// module_parameters() first (ModuleErrorKind::bad_parameter). Already loaded
// with the same values for the given parameters returns false; loaded with
// others is a ModuleErrorKind::loaded_differently error unless reload, which
// unloads it first. A fresh load returns true.
bool load_module(const std::string &options = {}, const std::string &name = module_name,
                 bool reload = false);

// Unloads the module. Not loaded is success and returns false.
bool unload_module(const std::string &name = module_name);

}  // namespace svsm
