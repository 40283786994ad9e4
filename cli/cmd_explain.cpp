// SPDX-License-Identifier: GPL-2.0-only
// svsmctl explain CODE: decode an SVSM result code, offline.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "common.hpp"
#include "printer.hpp"
#include "svsm/decode.hpp"

namespace svsmctl {

namespace {

struct ExplainOptions {
  std::string code;
  std::optional<std::string> protocol, call;  // given, maybe empty: not the same as absent
};

int run_explain(const ExplainOptions &o, const GlobalOptions &g, Output &out) {
  auto code = svsm::parse_result_code(o.code);
  if (!code && !numeric_problem(o.code, UINT64_MAX).empty())
    throw UsageError(fmt::format("CODE '{}': {}", o.code, numeric_problem(o.code, UINT64_MAX)));
  if (!code)
    throw UsageError(
        fmt::format("CODE '{}': not a result code (give a number such as 0x80000005 "
                    "or a name such as INVALID_PARAMETER)",
                    o.code));
  std::optional<uint32_t> protocol, call;
  if (o.protocol) {
    protocol = svsm::parse_protocol(*o.protocol);
    if (!protocol && !numeric_problem(*o.protocol, UINT32_MAX).empty())
      throw UsageError(fmt::format("--protocol '{}': {}", *o.protocol,
                                   numeric_problem(*o.protocol, UINT32_MAX)));
    if (!protocol)
      throw UsageError(fmt::format("--protocol '{}': unknown ({} or a number)", *o.protocol,
                                   svsm::protocol_names()));
  }
  if (o.call) {
    if (!protocol) throw UsageError("--call needs --protocol");
    call = svsm::parse_call(*protocol, *o.call);
    if (!call && !numeric_problem(*o.call, UINT32_MAX).empty())
      throw UsageError(
          fmt::format("--call '{}': {}", *o.call, numeric_problem(*o.call, UINT32_MAX)));
    if (!call)
      throw UsageError(fmt::format("--call '{}': not a call of protocol {}", *o.call, *o.protocol));
  }

  auto rc = svsm::explain_result(*code, protocol, call);
  Printer p(out, g.json, "explain", 9);
  p.text(fmt::format("{} ({:#010x}): {}\n", rc.name, rc.code, svsm::kind_name(rc.kind)));
  p.field({}, "code", {}, fmt::format("{:#x}", rc.code), To::json);
  p.field({}, "name", {}, rc.name, To::json);
  p.field({}, "kind", {}, svsm::kind_name(rc.kind), To::json);
  p.field("meaning", "meaning", rc.meaning, rc.meaning);
  p.field("cause", "cause", rc.cause, rc.cause, rc.cause.empty() ? To::json : To::both);
  p.field("fix", "fix", rc.fix, rc.fix, rc.fix.empty() ? To::json : To::both);
  if (rc.kind == svsm::ResultCode::Kind::memory_request)
    p.field({}, "memory_pages", {}, rc.memory_pages, To::json);
  p.emit(out);
  return exit_ok;
}

}  // namespace

void add_explain(CLI::App *sub, Registry &reg) {
  auto o = std::make_shared<ExplainOptions>();
  sub->add_option("CODE", o->code,
                  "The code: 0x80000005, 2147483653 or a name such as INVALID_PARAMETER")
      ->required();
  sub->add_option("--protocol", o->protocol,
                  "The protocol of the call that returned it (for a precise cause)");
  sub->add_option("--call", o->call, "The call that returned it");
  reg.add(sub, [o](const GlobalOptions &g, Output &out) { return run_explain(*o, g, out); });
}

}  // namespace svsmctl
