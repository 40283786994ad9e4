// SPDX-License-Identifier: GPL-2.0-only
// svsmctl call PROTOCOL CALL: one SVSM call, on one CPU or on all of them.
#include <fmt/format.h>
#include <linux/svsm_diag.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <system_error>

#include "common.hpp"
#include "printer.hpp"
#include "svsm/attestation.hpp"
#include "svsm/decode.hpp"
#include "svsm_spec.h"

namespace svsmctl {

namespace {

struct CallOptions {
  std::string protocol, call;
  std::optional<std::string> rcx, rdx, r8, r9;  // given, maybe empty: not the same as absent
  CpuChoice cpu;
  std::string buffer_hex, buffer_file, buffer_in = "ca", buffer_reg = "rcx", buffer_out;
  bool unsafe = false;
};

std::vector<uint8_t> read_file(const std::string &path, std::string_view arg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{} '{}': cannot read it", arg, path));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

svsm::Register register_of(const std::string &name) {
  if (name == "rcx") return svsm::Register::rcx;
  if (name == "rdx") return svsm::Register::rdx;
  if (name == "r8") return svsm::Register::r8;
  return svsm::Register::r9;
}

// "core pvalidate", or "protocol 9 call 0, which svsmctl does not know," in words.
std::string call_words(uint32_t protocol, uint32_t call) {
  auto pname = svsm::protocol_name(protocol);
  auto cname = svsm::call_name(protocol, call);
  if (pname.empty())
    return fmt::format("protocol {} call {}, which svsmctl does not know,", protocol, call);
  if (cname.empty()) return fmt::format("{} call {}, which svsmctl does not know,", pname, call);
  return fmt::format("{} {}", pname, cname);
}

svsm::CallRequest build_request(const CallOptions &o, uint32_t &protocol, uint32_t &call) {
  auto p = svsm::parse_protocol(o.protocol);
  if (!p && !numeric_problem(o.protocol, UINT32_MAX).empty())
    throw UsageError(
        fmt::format("PROTOCOL '{}': {}", o.protocol, numeric_problem(o.protocol, UINT32_MAX)));
  if (!p)
    throw UsageError(fmt::format("PROTOCOL '{}': unknown ({}, or a number)", o.protocol,
                                 svsm::protocol_names()));
  auto c = svsm::parse_call(*p, o.call);
  if (!c && !numeric_problem(o.call, UINT32_MAX).empty())
    throw UsageError(fmt::format("CALL '{}': {}", o.call, numeric_problem(o.call, UINT32_MAX)));
  if (!c) {
    std::string names;
    for (const auto &ci : svsm::known_calls())
      if (ci.protocol == *p) names += (names.empty() ? "" : ", ") + std::string(ci.name);
    throw UsageError(fmt::format("CALL '{}': not a call of protocol {} (use {}{}or a number)",
                                 o.call, o.protocol, names, names.empty() ? "" : ", "));
  }
  protocol = *p;
  call = *c;

  svsm::CallRequest req;
  req.protocol = protocol;
  req.call = call;
  if (o.rcx) req.rcx = parse_number_arg("--rcx", *o.rcx);
  if (o.rdx) req.rdx = parse_number_arg("--rdx", *o.rdx);
  if (o.r8) req.r8 = parse_number_arg("--r8", *o.r8);
  if (o.r9) req.r9 = parse_number_arg("--r9", *o.r9);

  if (!o.buffer_hex.empty() || !o.buffer_file.empty()) {
    if (!o.buffer_hex.empty()) {
      auto bytes = svsm::from_hex(o.buffer_hex);
      if (!bytes || bytes->empty())
        throw UsageError(
            fmt::format("--buffer '{}': expected an even number of hex digits", o.buffer_hex));
      req.buffer = std::move(*bytes);
    } else {
      req.buffer = read_file(o.buffer_file, "--buffer-file");
    }
    req.placement =
        o.buffer_in == "ca" ? svsm::BufferPlacement::calling_area : svsm::BufferPlacement::pages;
    req.buffer_register = register_of(o.buffer_reg);
    const auto &reg_value = o.buffer_reg == "rcx"   ? o.rcx
                            : o.buffer_reg == "rdx" ? o.rdx
                            : o.buffer_reg == "r8"  ? o.r8
                                                    : o.r9;
    if (reg_value)
      throw UsageError(
          fmt::format("--{} and a buffer: the buffer's address goes in {} (--buffer-reg)",
                      o.buffer_reg, o.buffer_reg));
    size_t max = req.placement == svsm::BufferPlacement::calling_area ? SVSM_DIAG_CA_BUF_MAX
                                                                      : SVSM_DIAG_PAGE_BUF_MAX;
    if (req.buffer.size() > max)
      throw UsageError(fmt::format("buffer of {} bytes: at most {} fit in {}", req.buffer.size(),
                                   max, o.buffer_in == "ca" ? "the Calling Area" : "module pages"));
  }
  if (!svsm::call_is_read_only(protocol, call, req.rcx) && !o.unsafe) {
    if (protocol == SVSM_PROTOCOL_ATTEST)
      throw UsageError(
          fmt::format("{} {}: the SVSM writes to the pages the request names; use "
                      "'svsmctl attest', or pass --unsafe to issue it as given",
                      o.protocol, o.call));
    throw UsageError(fmt::format("{} can change guest or SVSM state; pass --unsafe to issue it",
                                 call_words(protocol, call)));
  }
  return req;
}

int run_call(const CallOptions &o, const GlobalOptions &g, Output &out) {
  uint32_t protocol = 0, call = 0;
  auto req = build_request(o, protocol, call);
  auto dev = open_device(g);
  (void)require_svsm(dev, "CALL");
  auto cpus = select_cpus(dev, o.cpu, false);
  if (!o.buffer_out.empty() && cpus.size() > 1)
    throw UsageError("--buffer-out needs a single --cpu");

  std::vector<svsm::CallResult> results;
  for (uint32_t cpu : cpus) {
    req.cpu = cpu;
    results.push_back(dev.call(req));
  }
  if (!o.buffer_out.empty() && results.front().status.issued) {
    std::ofstream f(o.buffer_out, std::ios::binary);
    f.write(reinterpret_cast<const char *>(results.front().buffer.data()),
            static_cast<std::streamsize>(results.front().buffer.size()));
    if (!f)
      throw std::system_error(errno ? errno : EIO, std::generic_category(),
                              "write " + o.buffer_out);
  }

  bool ok = true;
  auto name = fmt::format(
      "{} {}",
      svsm::protocol_name(protocol).empty() ? std::to_string(protocol)
                                            : std::string(svsm::protocol_name(protocol)),
      svsm::call_name(protocol, call).empty() ? std::to_string(call)
                                              : std::string(svsm::call_name(protocol, call)));
  using json = nlohmann::ordered_json;
  Printer p(out, g.json, "call");
  p.field({}, "protocol", {}, protocol, To::json);
  p.field({}, "call", {}, call, To::json);
  p.list("results");
  for (const auto &r : results) {
    ok = ok && r.error == 0;
    std::string verdict = r.status.serviced ? result_text(r.result, protocol, call)
                                            : std::string(svsm::call_failure_text(r.error));
    p.item();
    p.text(fmt::format("CPU {}: {} -> {}\n", r.cpu, name,
                       p.tone(verdict, r.error ? Tone::bad : Tone::good)),
           "cpu", r.cpu);
    p.field({}, "error", {}, r.error ? json(errno_name(r.error)) : json(nullptr), To::json);
    p.field({}, "serviced", {}, r.status.serviced, To::json);
    p.field({}, "result", {}, r.status.serviced ? result_json(r.result, protocol, call) : nullptr,
            To::json);
    p.text(fmt::format("  rcx {}  rdx {}  r8 {}  r9 {}{}\n", hex(r.rcx), hex(r.rdx), hex(r.r8),
                       hex(r.r9), r.retries ? fmt::format("  (retried {} times)", r.retries) : ""),
           "registers",
           {{"rax", hex(r.rax)},
            {"rcx", hex(r.rcx)},
            {"rdx", hex(r.rdx)},
            {"r8", hex(r.r8)},
            {"r9", hex(r.r9)}});
    p.field({}, "retries", {}, r.retries, To::json);
    p.field({}, "status", {},
            {{"issued", r.status.issued},
             {"serviced", r.status.serviced},
             {"vmpl_refused", r.status.vmpl_refused},
             {"retries_exhausted", r.status.retries_exhausted},
             {"ca_restored", r.status.ca_restored},
             {"interrupted", r.status.interrupted},
             {"response_lost", r.status.response_lost},
             {"nmi", r.status.nmi},
             {"via_kernel", r.status.via_kernel}},
            To::json);
    if (!r.buffer.empty()) p.field({}, "buffer", {}, svsm::to_hex(r.buffer), To::json);
    if (r.status.ca_restored) p.text("  the Calling Area was remapped back to the kernel's\n");
    if (r.status.interrupted && !r.error)
      p.text("  an NMI interrupted an exchange before the SVSM saw it; it was sent again\n");
    if (r.status.response_lost)
      p.text(
          "  the hypervisor's response was overwritten (NMI); CALL_PENDING shows the SVSM ran the "
          "call\n");
    if (r.status.via_kernel) p.text("  issued through the kernel's own SVSM path\n");
    if (r.error && r.status.serviced) {
      auto rc = svsm::explain_result(r.result, protocol, call);
      if (r.error == EBUSY) p.text(fmt::format("  {}\n", svsm::call_failure_text(r.error)));
      p.text(fmt::format("  meaning: {}\n", rc.meaning));
      if (!rc.cause.empty()) p.text(fmt::format("  cause:   {}\n", rc.cause));
      if (!rc.fix.empty()) p.text(fmt::format("  fix:     {}\n", rc.fix));
    }
    p.end();
  }
  p.end();
  p.emit(out);
  return ok ? exit_ok : exit_svsm_error;
}

}  // namespace

void add_call(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<CallOptions>();
  sub->add_option("PROTOCOL", o->protocol, svsm::protocol_names() + ", or a number")->required();
  sub->add_option("CALL", o->call,
                  "A call of that protocol by name (e.g. query-protocol) or number")
      ->required();
  sub->add_option("--rcx", o->rcx, "RCX input (decimal or 0x hex)")->type_name("VALUE");
  sub->add_option("--rdx", o->rdx, "RDX input")->type_name("VALUE");
  sub->add_option("--r8", o->r8, "R8 input")->type_name("VALUE");
  sub->add_option("--r9", o->r9, "R9 input")->type_name("VALUE");
  add_cpu_options(sub, o->cpu, "call");
  auto *hexbuf = sub->add_option("--buffer", o->buffer_hex,
                                 "Bytes (hex) the call reads and writes, "
                                 "passed by guest-physical address")
                     ->type_name("HEX");
  auto *filebuf =
      sub->add_option("--buffer-file", o->buffer_file, "The buffer's bytes, from a file")
          ->type_name("FILE")
          ->check(CLI::ExistingFile);
  hexbuf->excludes(filebuf);
  sub->add_option("--buffer-in", o->buffer_in,
                  "Where the buffer goes: ca (the Calling Area) or pages")
      ->check(CLI::IsMember({"ca", "pages"}))
      ->capture_default_str();
  sub->add_option("--buffer-reg", o->buffer_reg, "Register that carries the buffer's address")
      ->check(CLI::IsMember({"rcx", "rdx", "r8", "r9"}))
      ->capture_default_str();
  sub->add_option("--buffer-out", o->buffer_out, "Write the buffer after the call to FILE")
      ->type_name("FILE");
  sub->add_flag("--unsafe", o->unsafe,
                "Allow calls that are not read-only (PVALIDATE, REMAP_CA, attestation, ...)");
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_call(*o, g, out); });
}

}  // namespace svsmctl
