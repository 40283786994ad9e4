// SPDX-License-Identifier: GPL-2.0-only
// svsmctl protocols: QUERY_PROTOCOL for every known protocol.
#include <fmt/format.h>

#include <memory>

#include "common.hpp"
#include "svsm/decode.hpp"
#include "svsm/error.hpp"
#include "svsm/status.hpp"

namespace svsmctl {

namespace {

struct ProtocolsOptions {
  CpuChoice cpu;
};

int run_protocols(const ProtocolsOptions& o, const GlobalOptions& g, Output& out) {
  auto dev = open_device(g);
  (void)require_svsm(dev, "protocols");
  uint32_t cpu = select_cpus(dev, o.cpu, false).front();
  auto support = svsm::query_protocols(dev, cpu);

  if (g.json) {
    auto doc = json_header("protocols");
    doc["cpu"] = cpu;
    auto& a = doc["protocols"] = nlohmann::ordered_json::array();
    for (const auto& p : svsm::known_protocols()) {
      const auto& s = support.at(p.number);
      nlohmann::ordered_json j = {{"protocol", p.number}, {"name", p.name}, {"defined_by", p.defined_by},
                                  {"offered", s.offered()}};
      j["min_version"] = s.offered() ? nlohmann::ordered_json(*s.min_version) : nullptr;
      j["max_version"] = s.offered() ? nlohmann::ordered_json(*s.max_version) : nullptr;
      a.push_back(j);
    }
    out.document(doc);
    return exit_ok;
  }
  out.print("{:>3}  {:<8} {:<9} {:<9} {:<13} {}\n", "NR", "NAME", "OFFERED", "VERSIONS", "DEFINED BY",
            "DESCRIPTION");
  for (const auto& p : svsm::known_protocols()) {
    const auto& s = support.at(p.number);
    out.print("{:>3}  {:<8} {:<9} {:<9} {:<13} {}\n", p.number, p.name,
              s.offered() ? out.tone("yes", Tone::good) : "no",
              s.offered() ? fmt::format("{}-{}", *s.min_version, *s.max_version) : "-", p.defined_by,
              p.description);
  }
  return exit_ok;
}

}  // namespace

void add_protocols(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<ProtocolsOptions>();
  auto* sub = app.add_subcommand("protocols", "Ask the SVSM which protocols and versions it offers");
  sub->add_option("--cpu", o->cpu.cpu, "CPU to ask on (default: the first online CPU)")
      ->type_name("N")->transform(number_validator(UINT32_MAX));
  reg.add(sub, [o](const GlobalOptions& g, Output& out) { return run_protocols(*o, g, out); });
}

}  // namespace svsmctl
