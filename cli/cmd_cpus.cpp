// SPDX-License-Identifier: GPL-2.0-only
// svsmctl cpus: each CPU's Calling Area and SVSM call counters.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "common.hpp"
#include "printer.hpp"
#include "svsm/error.hpp"

namespace svsmctl {

namespace {

std::string addr(const std::optional<uint64_t> &v, bool hidden) {
  if (hidden) return "hidden";
  return v ? hex(*v) : "-";
}

int run_cpus(const GlobalOptions &g, Output &out) {
  auto dev = open_device(g);
  (void)require_svsm(dev, "cpus");
  const auto &cpus = dev.cpus();

  using json = nlohmann::ordered_json;
  Printer p(out, g.json, "cpus");
  p.table("cpus", "{:>4}  {:<7} {:>5}  {:<18} {:<18} {:>8} {:>8} {:>7} {:>10}  {}\n",
          {"CPU", "ONLINE", "APIC", "CA", "INITIAL CA", "CALLS", "RETRIES", "ERRORS", "UNSERVICED",
           "LAST RESULT"});
  for (const auto &c : cpus) {
    p.cell("cpu", std::to_string(c.cpu), c.cpu);
    p.cell("online", c.online ? "yes" : p.tone("no", Tone::warn), c.online);
    p.cell("apic_id", std::to_string(c.apic_id), c.apic_id);
    p.cell("ca", addr(c.ca, c.addresses_hidden),
           c.ca && !c.addresses_hidden ? json(hex(*c.ca)) : nullptr);
    p.cell("initial_ca", addr(c.initial_ca, c.addresses_hidden),
           c.initial_ca && !c.addresses_hidden ? json(hex(*c.initial_ca)) : nullptr);
    p.cell("addresses_hidden", {}, c.addresses_hidden, To::json);
    p.cell("calls", std::to_string(c.calls), c.calls);
    p.cell("retries", std::to_string(c.retries), c.retries);
    p.cell("errors", std::to_string(c.errors), c.errors);
    p.cell("unserviced", std::to_string(c.unserviced), c.unserviced);
    p.cell("ca_lost", {}, c.ca_lost, To::json);
    p.cell("last_result", c.last_result ? result_text(*c.last_result) : "-",
           c.last_result ? result_json(*c.last_result) : nullptr);
    p.end_row();
  }
  p.end_table();
  bool lost = false;
  for (const auto &c : cpus) {
    if (!c.ca_lost) continue;
    lost = true;
    p.text(
        p.tone(fmt::format("CPU {}: Calling Area lost: the SVSM listens on a page the kernel does "
                           "not use. Recover it before the kernel calls the SVSM there: "
                           "echo 0 > /sys/devices/system/cpu/cpu{}/online; "
                           "echo 1 > /sys/devices/system/cpu/cpu{}/online",
                           c.cpu, c.cpu, c.cpu),
               Tone::bad) +
        "\n");
  }
  p.emit(out);
  return lost ? exit_svsm_error : exit_ok;
}

}  // namespace

void add_cpus(CLI::App *sub, Registry &reg) {
  reg.add(sub, [](const GlobalOptions &g, Output &out) { return run_cpus(g, out); });
}

}  // namespace svsmctl
