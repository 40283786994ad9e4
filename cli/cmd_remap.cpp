// SPDX-License-Identifier: GPL-2.0-only
// svsmctl remap-ca: the Calling Area remap self-test, step by step.
#include <fmt/format.h>

#include <memory>

#include "common.hpp"
#include "printer.hpp"
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
  using json = nlohmann::ordered_json;
  auto errno_json = [](int err) { return err ? json(errno_name(err)) : json(nullptr); };
  Printer p(out, g.json, "remap-ca");
  p.list("cpus");
  bool ok = true;

  for (uint32_t cpu : cpus) {
    auto r = dev.remap_test(cpu);
    ok = ok && r.error == 0;
    std::string summary = r.error == 0 ? p.tone("OK", Tone::good)
                          : r.restored ? p.tone("FAILED, original CA restored", Tone::warn)
                                       : p.tone("FAILED, original CA NOT restored", Tone::bad);
    p.item();
    p.text(fmt::format("CPU {}: CA {} -> test CA {} -> back: {}\n", cpu, hex(r.original_ca),
                       hex(r.test_ca), summary),
           "cpu", cpu);
    p.field({}, "error", {}, errno_json(r.error), To::json);
    p.field({}, "original_ca", {}, hex(r.original_ca), To::json);
    p.field({}, "test_ca", {}, hex(r.test_ca), To::json);
    p.field({}, "restored", {}, r.restored, To::json);
    p.field({}, "recovered", {}, r.recovered, To::json);
    p.table("steps", "  {}. {:<26} {}\n", {});
    for (size_t i = 0; i < r.steps.size(); ++i) {
      const auto &s = r.steps[i];
      std::string what = !s.status.issued        ? "skipped"
                         : s.status.serviced     ? result_text(s.result, 0, 0)
                         : s.status.vmpl_refused ? "VMPL switch refused"
                         : s.status.interrupted  ? "interrupted by NMIs, nothing ran"
                                                 : "not serviced";
      p.cell({}, std::to_string(i + 1), {}, To::text);
      p.cell("step", std::string(svsm::remap_step_name(i)), svsm::remap_step_name(i));
      p.cell("done", {}, s.status.issued, To::json);
      p.cell("serviced", {}, s.status.serviced, To::json);
      p.cell("result", what, s.status.serviced ? result_json(s.result, 0, 0) : nullptr);
      p.cell("error", {}, errno_json(s.error), To::json);
      p.end_row();
    }
    p.end_table();
    if (r.recovered) p.text("  the remap back needed the recovery path\n");
    if (!r.restored && r.steps.size() > 0 && r.steps.front().status.issued)
      p.text("  " +
             p.tone(fmt::format("the SVSM may still listen on the test page: offline and online "
                                "CPU {} to recover (see 'svsmctl cpus')",
                                cpu),
                    Tone::bad) +
             "\n");
    p.end();
    p.flush(out);  // a later CPU's failure leaves this one's result on screen
  }
  p.end();
  p.emit(out);
  return ok ? exit_ok : exit_svsm_error;
}

}  // namespace

void add_remap(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<RemapOptions>();
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_remap(*o, g, out); });
  if (sub) add_cpu_options(sub, o->cpu, "test");  // a bare line: the defaults stand
}

}  // namespace svsmctl
