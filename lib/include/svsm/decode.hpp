// SPDX-License-Identifier: GPL-2.0-only
// Offline decoding: SVSM result codes, protocol and call names, SEV_STATUS
// and CPUID Fn8000_001F. Everything here is pure: no I/O, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svsm {

// ---- Result codes (SVSM spec §3; 32 bits, the upper half of RAX is ignored).

struct ResultCode {
  enum class Kind {
    success,         // SVSM_SUCCESS
    info,            // success half of the space but not 0 (reserved or protocol-defined)
    memory_request,  // 0x40000000-0x7fffffff: answer with DEPOSIT_MEM
    error,           // top bit set
  };

  uint32_t code = 0;
  // The spec/kernel macro name ("SVSM_ERR_INVALID_ADDRESS") for named codes;
  // for unnamed values, the range: "reserved", "protocol-defined success",
  // "memory request" or "protocol-defined error".
  std::string_view name;
  std::string meaning;  // what the code says happened
  std::string cause;    // the likely reason, using the protocol/call when known
  std::string fix;      // what to do about it
  Kind kind = Kind::error;
  uint32_t memory_pages = 0;  // Kind::memory_request: 4 KiB pages asked for (bits 29:0)

  // INCOMPLETE and BUSY: repeating the same call is the expected answer.
  [[nodiscard]] bool retryable() const noexcept;
};

// "success", "info", "memory-request", "error".
[[nodiscard]] std::string_view kind_name(ResultCode::Kind kind) noexcept;

// Explains a result code. With the protocol (and call) that produced it, the
// cause and fix are specific to that call; an unknown protocol/call number is
// accepted and explained as such. A call number without a protocol is ignored.
[[nodiscard]] ResultCode explain_result(uint32_t code, std::optional<uint32_t> protocol = {},
                                        std::optional<uint32_t> call = {});

// A result code given as a number (decimal or 0x-hex; a 64-bit RAX value is
// reduced to its low 32 bits, as the spec says) or as a name, case-insensitive,
// with or without the "SVSM_ERR_"/"SVSM_" prefix ("INVALID_ADDRESS",
// "svsm_err_busy", "PVALIDATE_FAIL_INPUT", "success").
[[nodiscard]] std::optional<uint32_t> parse_result_code(std::string_view text) noexcept;

// ---- Protocols and calls.

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

// What the module's errno for a call says: EIO (the SVSM returned an error),
// EBUSY, ECOMM, EREMOTEIO; empty for any other errno.
[[nodiscard]] std::string_view call_failure_text(int err) noexcept;

// Decimal ("4096", leading zeros allowed, no octal) or hexadecimal with a
// 0x/0X prefix ("0x1000"). std::nullopt for an empty string, a sign,
// whitespace, any other character, a bare "0x", or a value above 2^64-1.
[[nodiscard]] std::optional<uint64_t> parse_u64(std::string_view text) noexcept;

// ---- SEV_STATUS MSR (0xC0010131), as Linux names its bits.

struct SevStatusBit {
  unsigned bit;
  std::string_view name;   // as printed by the kernel in "SEV: Status:", e.g. "SEV-SNP", "DebugSwap"
  std::string_view macro;  // e.g. "MSR_AMD64_SNP_DEBUG_SWAP"
  std::string_view meaning;
};

// Every named bit, in bit order (reserved bits 13, 15, 19-22, 24-63 excluded).
[[nodiscard]] std::span<const SevStatusBit> sev_status_bits() noexcept;
// The named bits set in @value, in bit order.
[[nodiscard]] std::vector<SevStatusBit> decode_sev_status(uint64_t value);
// The set bits of @value that have no name (reserved as far as we know).
[[nodiscard]] uint64_t sev_status_reserved_bits(uint64_t value) noexcept;

// ---- CPUID Fn8000_001F (AMD memory encryption). In an SNP guest the values
// come from the SNP CPUID table, which the PSP filtered and Linux edited (it
// sets EAX bit 28 when an SVSM is present).

struct CpuidBit {
  unsigned bit;
  std::string_view name;  // e.g. "SEV-SNP", "SVSM"
  std::string_view meaning;
};

[[nodiscard]] std::span<const CpuidBit> cpuid_8000001f_eax_bits() noexcept;
[[nodiscard]] std::vector<CpuidBit> decode_cpuid_8000001f_eax(uint32_t eax);

struct Cpuid8000001f {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;

  [[nodiscard]] bool has(unsigned eax_bit) const noexcept { return eax_bit < 32 && (eax >> eax_bit & 1); }
  [[nodiscard]] unsigned cbit() const noexcept { return ebx & 0x3f; }                         // EBX 5:0
  [[nodiscard]] unsigned phys_addr_reduction() const noexcept { return ebx >> 6 & 0x3f; }  // EBX 11:6
  [[nodiscard]] unsigned num_vmpls() const noexcept { return ebx >> 12 & 0xf; }            // EBX 15:12
  [[nodiscard]] unsigned num_encrypted_guests() const noexcept { return ecx; }             // ECX
  [[nodiscard]] unsigned min_sev_no_es_asid() const noexcept { return edx; }               // EDX
};

}  // namespace svsm
