// SPDX-License-Identifier: GPL-2.0-only
// Every name and number comes from svsm_spec.h's SVSM_PROTOCOLS/SVSM_CALLS.
#include "svsm/protocols.hpp"

#include "svsm/numbers.hpp"
#include "svsm_spec.h"
#include "text_match.hpp"

namespace svsm {

namespace {

using detail::name_equals;

#define SVSM_PROTOCOL_INFO(number, name, defined_by, description) \
  {number, name, description, defined_by},
constexpr ProtocolInfo kProtocols[] = {SVSM_PROTOCOLS(SVSM_PROTOCOL_INFO)};
#undef SVSM_PROTOCOL_INFO

#define SVSM_CALL_INFO(protocol, call, name, access, description) \
  {protocol, call, name, #call, description},
constexpr CallInfo kCalls[] = {SVSM_CALLS(SVSM_CALL_INFO)};
#undef SVSM_CALL_INFO

std::optional<uint32_t> parse_u32(std::string_view text) noexcept {
  auto v = parse_u64(text);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

}  // namespace

std::span<const ProtocolInfo> known_protocols() noexcept {
  return kProtocols;
}
std::span<const CallInfo> known_calls() noexcept {
  return kCalls;
}

std::string_view protocol_name(uint32_t protocol) noexcept {
  for (const auto &p : kProtocols)
    if (p.number == protocol) return p.name;
  return {};
}

std::string_view call_name(uint32_t protocol, uint32_t call) noexcept {
  for (const auto &c : kCalls)
    if (c.protocol == protocol && c.call == call) return c.name;
  return {};
}

std::optional<uint32_t> parse_protocol(std::string_view text) noexcept {
  for (const auto &p : kProtocols)
    if (name_equals(p.name, text)) return p.number;
  if (name_equals(text, "attestation")) return SVSM_PROTOCOL_ATTEST;
  return parse_u32(text);
}

std::optional<uint32_t> parse_call(uint32_t protocol, std::string_view text) noexcept {
  for (const auto &c : kCalls)
    if (c.protocol == protocol && name_equals(c.name, text)) return c.call;
  return parse_u32(text);
}

bool call_is_read_only(uint32_t protocol, uint32_t call, uint64_t rcx) noexcept {
  return svsm_call_is_read_only(protocol, call, rcx) != 0;
}

std::string protocol_names() {
  std::string out;
  for (const auto &p : kProtocols) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace svsm
