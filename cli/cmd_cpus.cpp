// SPDX-License-Identifier: GPL-2.0-only
// svsmctl cpus: each CPU's Calling Area and SVSM call counters.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "common.hpp"
#include "svsm/error.hpp"

namespace svsmctl {

namespace {

std::string addr(const std::optional<uint64_t>& v, bool hidden) {
  if (hidden) return "hidden";
  return v ? hex(*v) : "-";
}

int run_cpus(const GlobalOptions& g, Output& out) {
  auto dev = open_device(g);
  auto info = require_svsm(dev, "cpus");

  std::vector<svsm::CpuInfo> cpus;
  for (uint32_t c = 0; c < info.nr_cpu_ids; ++c) {
    try {
      cpus.push_back(dev.cpu(c));
    } catch (const svsm::Error& e) {
      if (e.errno_value() != ENXIO) throw;
    }
  }

  if (g.json) {
    auto doc = json_header("cpus");
    auto& a = doc["cpus"] = nlohmann::ordered_json::array();
    for (const auto& c : cpus) {
      nlohmann::ordered_json j = {{"cpu", c.cpu}, {"online", c.online}, {"apic_id", c.apic_id}};
      j["ca"] = c.ca && !c.addresses_hidden ? nlohmann::ordered_json(hex(*c.ca)) : nullptr;
      j["initial_ca"] = c.initial_ca && !c.addresses_hidden ? nlohmann::ordered_json(hex(*c.initial_ca)) : nullptr;
      j["addresses_hidden"] = c.addresses_hidden;
      j["calls"] = c.calls;
      j["retries"] = c.retries;
      j["errors"] = c.errors;
      j["unserviced"] = c.unserviced;
      j["ca_lost"] = c.ca_lost;
      j["last_result"] = c.last_result ? result_json(*c.last_result) : nullptr;
      a.push_back(j);
    }
    out.document(doc);
    return std::any_of(cpus.begin(), cpus.end(), [](const auto& c) { return c.ca_lost; }) ? exit_svsm_error
                                                                                        : exit_ok;
  }

  out.print("{:>4}  {:<7} {:>5}  {:<18} {:<18} {:>8} {:>8} {:>7} {:>10}  {}\n", "CPU", "ONLINE", "APIC",
            "CA", "INITIAL CA", "CALLS", "RETRIES", "ERRORS", "UNSERVICED", "LAST RESULT");
  for (const auto& c : cpus) {
    out.print("{:>4}  {:<7} {:>5}  {:<18} {:<18} {:>8} {:>8} {:>7} {:>10}  {}\n", c.cpu,
              c.online ? "yes" : out.tone("no", Tone::warn), c.apic_id, addr(c.ca, c.addresses_hidden),
              addr(c.initial_ca, c.addresses_hidden), c.calls, c.retries, c.errors, c.unserviced,
              c.last_result ? result_text(*c.last_result) : "-");
  }
  bool lost = false;
  for (const auto& c : cpus) {
    if (!c.ca_lost) continue;
    lost = true;
    out.print("{}\n", out.tone(fmt::format("CPU {}: Calling Area lost: the SVSM listens on a page the kernel does "
                                          "not use. Recover it before the kernel calls the SVSM there: "
                                          "echo 0 > /sys/devices/system/cpu/cpu{}/online; "
                                          "echo 1 > /sys/devices/system/cpu/cpu{}/online",
                                          c.cpu, c.cpu, c.cpu), Tone::bad));
  }
  return lost ? exit_svsm_error : exit_ok;
}

}  // namespace

void add_cpus(CLI::App& app, Registry& reg) {
  auto* sub = app.add_subcommand("cpus", "List each CPU's Calling Area and SVSM call counters");
  reg.add(sub, [](const GlobalOptions& g, Output& out) { return run_cpus(g, out); });
}

}  // namespace svsmctl
