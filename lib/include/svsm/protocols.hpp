// SPDX-License-Identifier: GPL-2.0-only
// SVSM protocols and calls: their names, numbers and read-only policy, all
// generated from the tables in svsm_spec.h. Pure: no I/O, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace svsm {

struct ProtocolInfo {
  uint32_t number;
  std::string_view name;         // "core", "attest", "vtpm", "apic", "uefi-mm"
  std::string_view description;  // one line
  std::string_view defined_by;   // "spec" or "COCONUT-SVSM"
};

struct CallInfo {
  uint32_t protocol;
  uint32_t call;
  std::string_view name;         // kebab-case, e.g. "query-protocol"
  std::string_view macro;        // e.g. "SVSM_CORE_QUERY_PROTOCOL"
  std::string_view description;  // one line
};

[[nodiscard]] std::span<const ProtocolInfo> known_protocols() noexcept;
[[nodiscard]] std::span<const CallInfo> known_calls() noexcept;  // ordered by protocol, then call

// "" for an unknown protocol or call.
[[nodiscard]] std::string_view protocol_name(uint32_t protocol) noexcept;
[[nodiscard]] std::string_view call_name(uint32_t protocol, uint32_t call) noexcept;

// A protocol name (case-insensitive; '_' and '-' are interchangeable;
// "attestation" is accepted for "attest") or a number below 2^32.
[[nodiscard]] std::optional<uint32_t> parse_protocol(std::string_view text) noexcept;
// A call name of @protocol (same rules) or a number below 2^32.
[[nodiscard]] std::optional<uint32_t> parse_call(uint32_t protocol, std::string_view text) noexcept;

// The calls svsm_diag passes on real hardware without allow_unsafe_calls,
// mirroring svsm_diag_call_is_read_only() in the module: core QUERY_PROTOCOL,
// core CONFIGURE_VTOM only in its query form (RCX == 1), vTPM QUERY and APIC
// QUERY_FEATURES. Not attestation: its request names the pages the SVSM writes
// to (the module's ATTEST command is the safe path).
[[nodiscard]] bool call_is_read_only(uint32_t protocol, uint32_t call, uint64_t rcx) noexcept;

// The known protocol names, in protocol order, joined by ", ": "core, attest,
// vtpm, apic, uefi-mm". For messages that list the choices.
[[nodiscard]] std::string protocol_names();

}  // namespace svsm
