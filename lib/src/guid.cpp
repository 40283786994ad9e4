// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/guid.hpp"

#include <algorithm>
#include <cstddef>

namespace svsm {

namespace {

struct NamedGuid {
  const Guid *guid;
  std::string_view name;
};

constexpr NamedGuid kNamedGuids[] = {
    {&kServicesManifestGuid, "services-manifest"},
    {&kVtpmServiceGuid, "vtpm"},
    {&kUefiMmServiceGuid, "uefi-mm"},
    {&kVcekGuid, "vcek"},
    {&kVlekGuid, "vlek"},
    {&kAskGuid, "ask"},
    {&kArkGuid, "ark"},
};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

std::string Guid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  // Memory index of each text byte: the first three fields are little-endian.
  static constexpr std::size_t kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    uint8_t b = bytes_le_[kOrder[i]];
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string_view guid_name(const Guid &guid) noexcept {
  for (const auto &n : kNamedGuids)
    if (*n.guid == guid) return n.name;
  return {};
}

std::optional<Guid> guid_by_name(std::string_view name) noexcept {
  for (const auto &n : kNamedGuids)
    if (iequals(n.name, name)) return *n.guid;
  return std::nullopt;
}

}  // namespace svsm
