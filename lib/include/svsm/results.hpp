// SPDX-License-Identifier: GPL-2.0-only
// SVSM result codes and the module's call errnos in words: what happened,
// why, and what to do. Pure: no I/O, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// What the module's errno for a call says: EIO (the SVSM returned an error),
// EBUSY, ECOMM, EREMOTEIO, EAGAIN, EHOSTDOWN; empty for any other errno.
[[nodiscard]] std::string_view call_failure_text(int err) noexcept;

}  // namespace svsm
