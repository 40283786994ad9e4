// SPDX-License-Identifier: GPL-2.0-only
// GUIDs as the SVSM protocol, Linux, EFI and COCONUT-SVSM store them.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace svsm {

// A GUID kept in its in-memory byte order: the first three fields
// (time_low u32, time_mid u16, time_hi_and_version u16) little-endian, the
// last 8 bytes as written. This is the order of EFI_GUID, Linux guid_t
// (export_guid) and COCONUT's Uuid::to_bytes_le(), and so the order used in
// the attestation operation structure, the services manifest and the SNP
// certificate table. The text form is the usual big-endian 8-4-4-4-12.
class Guid {
 public:
  constexpr Guid() noexcept = default;  // the null GUID

  // Canonical 8-4-4-4-12 text, hex digits in either case, optionally in
  // braces ("{...}"). Anything else (other lengths, missing or misplaced
  // dashes, non-hex characters, one brace only) gives std::nullopt.
  [[nodiscard]] static constexpr std::optional<Guid> parse(std::string_view text) noexcept;

  [[nodiscard]] static constexpr Guid from_le_bytes(std::span<const uint8_t, 16> bytes) noexcept {
    Guid g;
    for (std::size_t i = 0; i < 16; i++) g.bytes_le_[i] = bytes[i];
    return g;
  }

  // Lowercase canonical form, no braces.
  [[nodiscard]] std::string to_string() const;

  // The 16 bytes in memory order (see above).
  [[nodiscard]] constexpr std::span<const uint8_t, 16> le_bytes() const noexcept {
    return bytes_le_;
  }

  [[nodiscard]] constexpr bool is_null() const noexcept {
    for (uint8_t b : bytes_le_)
      if (b != 0) return false;
    return true;
  }

  friend constexpr bool operator==(const Guid &, const Guid &) noexcept = default;
  friend constexpr auto operator<=>(const Guid &, const Guid &) noexcept = default;

 private:
  std::array<uint8_t, 16> bytes_le_{};
};

namespace detail {
constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace detail

constexpr std::optional<Guid> Guid::parse(std::string_view text) noexcept {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  if (text.size() != 36) return std::nullopt;

  // Big-endian bytes as written in the text.
  std::array<uint8_t, 16> be{};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 16; i++) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
      if (text[pos] != '-') return std::nullopt;
      pos++;
    }
    int hi = detail::hex_digit(text[pos]);
    int lo = detail::hex_digit(text[pos + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    be[i] = static_cast<uint8_t>(hi << 4 | lo);
    pos += 2;
  }

  // Swap the first three fields to little-endian.
  constexpr std::array<uint8_t, 16> order = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  Guid g;
  for (std::size_t i = 0; i < 16; i++) g.bytes_le_[i] = be[order[i]];
  return g;
}

// Well-known GUIDs. .value() makes a typo a compile error.
// Header of the services manifest (SVSM spec table 12; COCONUT GuidTable).
inline constexpr Guid kServicesManifestGuid =
    Guid::parse("63849ebb-3d92-4670-a1ff-58f9c94b87bb").value();
// Services in the manifest: vTPM (spec §8.3.1; its data is the EK public area).
inline constexpr Guid kVtpmServiceGuid =
    Guid::parse("c476f1eb-0123-45a5-9641-b4e7dde5bfe3").value();
// UEFI variable store (COCONUT-SVSM only).
inline constexpr Guid kUefiMmServiceGuid =
    Guid::parse("a4453a59-9e1b-4787-a033-1986d6adbe55").value();
// SNP certificate table entries (GHCB spec / Linux sev-guest).
inline constexpr Guid kVcekGuid = Guid::parse("63da758d-e664-4564-adc5-f4b93be8accd").value();
inline constexpr Guid kVlekGuid = Guid::parse("a8074bc2-a25a-483e-aae6-39c045a0b8a1").value();
inline constexpr Guid kAskGuid = Guid::parse("4ab7b379-bbac-4fe4-a02f-05aef327c782").value();
inline constexpr Guid kArkGuid = Guid::parse("c0b406a4-a803-4952-9743-3fb6014cd0ae").value();

// Short name of a well-known GUID: "services-manifest", "vtpm", "uefi-mm",
// "vcek", "vlek", "ask", "ark"; "" for any other GUID.
[[nodiscard]] std::string_view guid_name(const Guid &guid) noexcept;

// The reverse of guid_name (case-insensitive); std::nullopt for unknown names.
[[nodiscard]] std::optional<Guid> guid_by_name(std::string_view name) noexcept;

}  // namespace svsm
