// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/numbers.hpp"

#include "text_match.hpp"

namespace svsm {

using detail::lower;

std::optional<uint64_t> parse_u64(std::string_view text) noexcept {
  unsigned base = 10;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (base == 16 && lower(c) >= 'a' && lower(c) <= 'f')
      d = static_cast<unsigned>(lower(c) - 'a' + 10);
    else
      return std::nullopt;
    if (value > (UINT64_MAX - d) / base) return std::nullopt;
    value = value * base + d;
  }
  return value;
}

}  // namespace svsm
