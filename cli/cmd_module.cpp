// SPDX-License-Identifier: GPL-2.0-only
// svsmctl module load|unload|status: the svsm_diag kernel module.
#include <fmt/format.h>

#include <memory>

#include "app.hpp"
#include "printer.hpp"
#include "svsm/module.hpp"

namespace svsmctl {

namespace {

struct LoadOptions {
  std::string backend;
  std::vector<std::string> params;
  bool reload = false;
};

std::string_view state_text(svsm::ModuleState s) {
  switch (s) {
    case svsm::ModuleState::not_loaded: return "not loaded";
    case svsm::ModuleState::builtin: return "built in";
    case svsm::ModuleState::live: return "loaded";
    case svsm::ModuleState::coming: return "loading";
    case svsm::ModuleState::going: return "unloading";
  }
  return "unknown";
}

std::string options_text(const LoadOptions &o) {
  std::string opts;
  if (!o.backend.empty()) opts = "backend=" + o.backend;
  for (const auto &p : o.params) {
    if (p.find('=') == std::string::npos || p.front() == '=' ||
        p.find_first_of(" \t\n") != std::string::npos)
      throw UsageError("--param '" + p +
                       "': expected KEY=VALUE with no spaces, e.g. --param emu_vmpl=1");
    if (p.rfind("backend=", 0) == 0 && !o.backend.empty())
      throw UsageError("--param backend=... and --backend both given; use --backend");
    opts += (opts.empty() ? "" : " ") + p;
  }
  return opts;
}

int run_load(const LoadOptions &o, const GlobalOptions &g, Output &out) {
  bool loaded = svsm::load_module(options_text(o), svsm::module_name, o.reload);
  Printer p(out, g.json, "module load");
  p.text(loaded ? "svsm_diag loaded\n" : "svsm_diag is already loaded with these parameters\n",
         "loaded", loaded);
  p.field({}, "already_loaded", {}, !loaded, To::json);
  p.emit(out);
  return exit_ok;
}

int run_unload(const GlobalOptions &g, Output &out) {
  bool unloaded = svsm::unload_module();
  Printer p(out, g.json, "module unload");
  p.text(unloaded ? "svsm_diag unloaded\n" : "svsm_diag was not loaded\n", "unloaded", unloaded);
  p.emit(out);
  return exit_ok;
}

int run_module_status(const GlobalOptions &g, Output &out) {
  using json = nlohmann::ordered_json;
  auto st = svsm::module_status();
  Printer p(out, g.json, "module status");
  p.text(fmt::format("svsm_diag: {}{}\n", state_text(st.state),
                     st.version ? ", version " + *st.version : ""),
         "state", svsm::module_state_name(st.state));
  p.field({}, "installed", {}, st.installed, To::json);
  p.text(fmt::format("  file: {}\n", st.path.value_or("not installed for this kernel")), "path",
         st.path ? json(*st.path) : json(nullptr));
  p.field({}, "version", {}, st.version ? json(*st.version) : json(nullptr), To::json);
  p.text(st.refcount ? fmt::format("  users: {}\n", *st.refcount) : "", "refcount",
         st.refcount ? json(*st.refcount) : json(nullptr));
  std::string params;
  for (const auto &[k, v] : st.parameters) params += fmt::format("  {} = {}\n", k, v);
  p.text(params, "parameters", st.parameters);
  p.emit(out);
  return st.state == svsm::ModuleState::live || st.state == svsm::ModuleState::builtin
             ? exit_ok
             : exit_unavailable;
}

}  // namespace

void add_module(CLI::App *mod, Registry &reg) {
  mod->require_subcommand(1);

  auto lo = std::make_shared<LoadOptions>();
  auto *load = mod->add_subcommand("load", "Load svsm_diag (through libkmod, as modprobe does)");
  load->add_option("--backend", lo->backend,
                   "auto (SEV-SNP when under an SVSM), snp (or fail), emulated (the emulated SVSM, "
                   "for tests)")
      ->check(CLI::IsMember({"auto", "snp", "emulated"}));
  load->add_option("--param", lo->params,
                   "A further module parameter, KEY=VALUE (see modinfo svsm_diag)")
      ->type_name("KEY=VALUE");
  load->add_flag(
      "--reload", lo->reload,
      "If svsm_diag is loaded with other parameter values, unload it and load it with these");
  reg.add(load, [lo](const GlobalOptions &g, Output &out) { return run_load(*lo, g, out); });

  auto *unload =
      mod->add_subcommand("unload", "Unload svsm_diag (refused while /dev/svsm_diag is open)");
  reg.add(unload, [](const GlobalOptions &g, Output &out) { return run_unload(g, out); });

  auto *status = mod->add_subcommand(
      "status", "Show whether svsm_diag is installed and loaded, and its parameters");
  reg.add(status, [](const GlobalOptions &g, Output &out) { return run_module_status(g, out); });
}

}  // namespace svsmctl
