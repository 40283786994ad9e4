// SPDX-License-Identifier: GPL-2.0-only
// svsmctl remap-ca: the Calling Area remap self-test, step by step.
#include <fmt/format.h>

#include <memory>

#include "common.hpp"
#include "svsm/decode.hpp"

namespace svsmctl {

namespace {

struct RemapOptions {
  CpuChoice cpu;
};

int run_remap(const RemapOptions &o, const GlobalOptions &g, Output &out) {
  auto dev = open_device(g);
  (void)require_svsm(dev, "REMAP_CA_TEST");
  auto cpus = select_cpus(dev, o.cpu, true);
  auto doc = json_header("remap-ca");
  auto &arr = doc["cpus"] = nlohmann::ordered_json::array();
  bool ok = true;

  for (uint32_t cpu : cpus) {
    auto r = dev.remap_test(cpu);
    ok = ok && r.error == 0;
    if (g.json) {
      nlohmann::ordered_json j = {
          {"cpu", cpu},
          {"error", r.error ? nlohmann::ordered_json(errno_name(r.error)) : nullptr},
          {"original_ca", hex(r.original_ca)},
          {"test_ca", hex(r.test_ca)},
          {"restored", r.restored},
          {"recovered", r.recovered}};
      auto &steps = j["steps"] = nlohmann::ordered_json::array();
      for (size_t i = 0; i < r.steps.size(); ++i) {
        const auto &s = r.steps[i];
        steps.push_back(
            {{"step", svsm::remap_step_name(i)},
             {"done", s.status.issued},
             {"serviced", s.status.serviced},
             {"result", s.status.serviced ? result_json(s.result, 0, 0) : nullptr},
             {"error", s.error ? nlohmann::ordered_json(errno_name(s.error)) : nullptr}});
      }
      arr.push_back(j);
      continue;
    }
    std::string summary = r.error == 0 ? out.tone("OK", Tone::good)
                          : r.restored ? out.tone("FAILED, original CA restored", Tone::warn)
                                       : out.tone("FAILED, original CA NOT restored", Tone::bad);
    out.print("CPU {}: CA {} -> test CA {} -> back: {}\n", cpu, hex(r.original_ca), hex(r.test_ca),
              summary);
    for (size_t i = 0; i < r.steps.size(); ++i) {
      const auto &s = r.steps[i];
      std::string what = !s.status.issued        ? "skipped"
                         : s.status.serviced     ? result_text(s.result, 0, 0)
                         : s.status.vmpl_refused ? "VMPL switch refused"
                         : s.status.interrupted  ? "interrupted by NMIs, nothing ran"
                                                 : "not serviced";
      out.print("  {}. {:<26} {}\n", i + 1, svsm::remap_step_name(i), what);
    }
    if (r.recovered) out.print("  the remap back needed the recovery path\n");
    if (!r.restored && r.steps.size() > 0 && r.steps.front().status.issued)
      out.print(
          "  {}\n",
          out.tone(fmt::format("the SVSM may still listen on the test page: offline and online "
                               "CPU {} to recover (see 'svsmctl cpus')",
                               cpu),
                   Tone::bad));
  }
  if (g.json) out.document(doc);
  return ok ? exit_ok : exit_svsm_error;
}

}  // namespace

void add_remap(CLI::App &app, Registry &reg) {
  auto o = std::make_shared<RemapOptions>();
  auto *sub = app.add_subcommand(
      "remap-ca", "Self-test: remap each CPU's Calling Area to a test page and back");
  add_cpu_options(sub, o->cpu, "test");
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_remap(*o, g, out); });
}

}  // namespace svsmctl
