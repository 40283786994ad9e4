// SPDX-License-Identifier: GPL-2.0-only
// Name matching shared by the parsers of protocol, call and result names.
#pragma once

#include <algorithm>
#include <string_view>

namespace svsm::detail {

inline char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive, '_' == '-'.
inline bool name_equals(std::string_view a, std::string_view b) noexcept {
  auto norm = [](char c) { return c == '_' ? '-' : lower(c); };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](char x, char y) { return norm(x) == norm(y); });
}

inline bool starts_with_nocase(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && name_equals(s.substr(0, prefix.size()), prefix);
}

}  // namespace svsm::detail
