// SPDX-License-Identifier: GPL-2.0-only
// Numbers as users type them: decimal or 0x-hex, nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace svsm {

// Decimal ("4096", leading zeros allowed, no octal) or hexadecimal with a
// 0x/0X prefix ("0x1000"). std::nullopt for an empty string, a sign,
// whitespace, any other character, a bare "0x", or a value above 2^64-1.
[[nodiscard]] std::optional<uint64_t> parse_u64(std::string_view text) noexcept;

}  // namespace svsm
