// SPDX-License-Identifier: GPL-2.0-only
// svsmctl protocols: QUERY_PROTOCOL for every known protocol.
#include <fmt/format.h>

#include <memory>

#include "common.hpp"
#include "printer.hpp"
#include "svsm/decode.hpp"
#include "svsm/error.hpp"
#include "svsm/status.hpp"

namespace svsmctl {

namespace {

struct ProtocolsOptions {
  CpuChoice cpu;
};

int run_protocols(const ProtocolsOptions &o, const GlobalOptions &g, Output &out) {
  auto dev = open_device(g);
  (void)require_svsm(dev, "protocols");
  uint32_t cpu = select_cpus(dev, o.cpu, false).front();
  auto support = svsm::query_protocols(dev, cpu);

  Printer p(out, g.json, "protocols");
  p.field({}, "cpu", {}, cpu, To::json);
  p.table("protocols", "{:>3}  {:<8} {:<9} {:<9} {:<13} {}\n",
          {"NR", "NAME", "OFFERED", "VERSIONS", "DEFINED BY", "DESCRIPTION"});
  for (const auto &proto : svsm::known_protocols()) {
    const auto &s = support.at(proto.number);
    using json = nlohmann::ordered_json;
    p.cell("protocol", std::to_string(proto.number), proto.number);
    p.cell("name", std::string(proto.name), proto.name);
    p.cell("defined_by", {}, proto.defined_by, To::json);
    p.cell("offered", s.offered() ? p.tone("yes", Tone::good) : "no", s.offered());
    p.cell("min_version", {}, s.offered() ? json(*s.min_version) : json(nullptr), To::json);
    p.cell("max_version", {}, s.offered() ? json(*s.max_version) : json(nullptr), To::json);
    p.cell({}, s.offered() ? fmt::format("{}-{}", *s.min_version, *s.max_version) : "-", {},
           To::text);
    p.cell({}, std::string(proto.defined_by), {}, To::text);
    p.cell({}, std::string(proto.description), {}, To::text);
    p.end_row();
  }
  p.end_table();
  p.emit(out);
  return exit_ok;
}

}  // namespace

void add_protocols(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<ProtocolsOptions>();
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_protocols(*o, g, out); });
  if (!sub) return;  // a bare line: the defaults stand
  sub->add_option("--cpu", o->cpu.cpu, "CPU to ask on (default: the first online CPU)")
      ->type_name("N")
      ->transform(number_validator(UINT32_MAX));
}

}  // namespace svsmctl
