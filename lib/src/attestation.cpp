// SPDX-License-Identifier: GPL-2.0-only
#include "svsm/attestation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "svsm_spec.h"

namespace svsm {

namespace {

static_assert(SVSM_GUID_ENTRY_SIZE == 24);
static_assert(SNP_REPORT_SIZE == kSnpReportSize && SNP_REPORT_SIGNATURE == kSnpSignedBytes);
constexpr std::size_t kEntrySize = SVSM_GUID_ENTRY_SIZE;

Guid get_guid(std::span<const uint8_t> b, std::size_t off) noexcept {
  return Guid::from_le_bytes(b.subspan(off).first<16>());
}

template <std::size_t N>
void get_bytes(std::span<const uint8_t> b, std::size_t off, std::array<uint8_t, N> &out) noexcept {
  std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(off), N, out.begin());
}

std::string describe_guid(const Guid &g) {
  std::string_view name = guid_name(g);
  return name.empty() ? g.to_string() : fmt::format("{} ({})", g.to_string(), name);
}

}  // namespace

// ---------------------------------------------------------------- services manifest

const ManifestEntry *ServicesManifest::find(const Guid &service) const noexcept {
  for (const auto &e : entries)
    if (e.guid == service) return &e;
  return nullptr;
}

ServicesManifest parse_services_manifest(std::span<const uint8_t> bytes) {
  if (bytes.size() < kEntrySize)
    throw ParseError(
        fmt::format("services manifest: {:#x} bytes is shorter than the {:#x}-byte header",
                    bytes.size(), kEntrySize));

  ServicesManifest m;
  m.guid = get_guid(bytes, 0);
  if (m.guid != kServicesManifestGuid)
    throw ParseError(fmt::format("services manifest: header GUID is {}, expected {}",
                                 describe_guid(m.guid), kServicesManifestGuid.to_string()));

  m.total_length = svsm_get_le32(&bytes[16]);
  const uint32_t count = svsm_get_le32(&bytes[20]);

  if (m.total_length > bytes.size())
    throw ParseError(
        fmt::format("services manifest: header gives a total length of {:#x} bytes but only "
                    "{:#x} bytes are present",
                    m.total_length, bytes.size()));
  if (count > kMaxManifestEntries)
    throw ParseError(fmt::format("services manifest: entry count {} exceeds the limit of {}", count,
                                 kMaxManifestEntries));

  // count <= 1024, so this cannot overflow.
  const uint64_t list_end = (uint64_t{count} + 1) * kEntrySize;
  if (list_end > m.total_length)
    throw ParseError(
        fmt::format("services manifest: {} entr{} need a {:#x}-byte header and entry list but "
                    "the table is {:#x} bytes",
                    count, count == 1 ? "y" : "ies", list_end, m.total_length));

  m.trailing_bytes = bytes.size() - m.total_length;
  m.entries.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    const std::size_t at = (std::size_t{i} + 1) * kEntrySize;
    ManifestEntry e;
    e.guid = get_guid(bytes, at);
    e.offset = svsm_get_le32(&bytes[at + 16]);
    e.length = svsm_get_le32(&bytes[at + 20]);
    const uint64_t begin = e.offset, end = uint64_t{e.offset} + e.length;  // no 32-bit overflow
    if (end > m.total_length)
      throw ParseError(
          fmt::format("services manifest: entry {} data [{:#x}, {:#x}) runs past the "
                      "{:#x}-byte table",
                      i, begin, end, m.total_length));
    if (begin < list_end && e.length != 0)
      throw ParseError(
          fmt::format("services manifest: entry {} data [{:#x}, {:#x}) overlaps the "
                      "{:#x}-byte header and entry list",
                      i, begin, end, list_end));
    if (begin < list_end)  // empty data placed inside the header: still malformed
      throw ParseError(
          fmt::format("services manifest: entry {} offset {:#x} points into the {:#x}-byte "
                      "header and entry list",
                      i, begin, list_end));
    e.data = bytes.subspan(e.offset, e.length);
    m.entries.push_back(e);
  }
  return m;
}

// ---------------------------------------------------------------- certificate table

std::vector<CertEntry> parse_cert_table(std::span<const uint8_t> bytes) {
  std::vector<CertEntry> out;
  if (bytes.empty()) return out;

  // Find the terminator first: entries are only trusted once the table's end is known.
  std::size_t n = 0;
  for (;; n++) {
    const std::size_t at = n * kEntrySize;
    if (at + kEntrySize > bytes.size())
      throw ParseError(
          fmt::format("certificate table: no all-zero terminator entry in {:#x} bytes ({} "
                      "entr{} read)",
                      bytes.size(), n, n == 1 ? "y" : "ies"));
    auto entry = bytes.subspan(at, kEntrySize);
    if (std::all_of(entry.begin(), entry.end(), [](uint8_t b) { return b == 0; })) break;
  }
  const uint64_t table_end = (uint64_t{n} + 1) * kEntrySize;

  out.reserve(n);
  for (std::size_t i = 0; i < n; i++) {
    const std::size_t at = i * kEntrySize;
    CertEntry e;
    e.guid = get_guid(bytes, at);
    e.offset = svsm_get_le32(&bytes[at + 16]);
    e.length = svsm_get_le32(&bytes[at + 20]);
    const uint64_t begin = e.offset, end = uint64_t{e.offset} + e.length;
    if (e.guid.is_null())
      throw ParseError(
          fmt::format("certificate table: entry {} has a null GUID but offset {:#x} and length "
                      "{:#x} (only the all-zero terminator may have a null GUID)",
                      i, e.offset, e.length));
    if (end > bytes.size())
      throw ParseError(
          fmt::format("certificate table: entry {} ({}) data [{:#x}, {:#x}) runs past the "
                      "{:#x}-byte buffer",
                      i, describe_guid(e.guid), begin, end, bytes.size()));
    if (begin < table_end)
      throw ParseError(
          fmt::format("certificate table: entry {} ({}) data [{:#x}, {:#x}) overlaps the "
                      "{:#x}-byte entry table",
                      i, describe_guid(e.guid), begin, end, table_end));
    e.data = bytes.subspan(e.offset, e.length);
    out.push_back(e);
  }
  return out;
}

// ---------------------------------------------------------------- SNP report

bool SnpReport::signed_() const noexcept {
  return signature_algo != 0 &&
         std::any_of(signature.begin(), signature.end(), [](uint8_t b) { return b != 0; });
}

bool SnpReport::emulated() const noexcept {
  return std::memcmp(chip_id.data(), kEmulatedReportMarker.data(), kEmulatedReportMarker.size()) ==
         0;
}
static_assert(kEmulatedReportMarker.size() <= sizeof(SnpReport::chip_id));

SnpReport parse_snp_report(std::span<const uint8_t> bytes) {
  if (bytes.size() < SNP_REPORT_SIZE)
    throw ParseError(
        fmt::format("SNP report: {:#x} bytes is shorter than the {:#x}-byte ATTESTATION_REPORT",
                    bytes.size(), SNP_REPORT_SIZE));
  static_assert(SNP_REPORT_SIGNATURE + sizeof(SnpReport::signature) == SNP_REPORT_SIZE);

  // Offsets from the ABI's ATTESTATION_REPORT table; those svsm_spec.h
  // names are shared with the emulator.
  SnpReport r;
  r.version = svsm_get_le32(&bytes[SNP_REPORT_VERSION]);
  r.guest_svn = svsm_get_le32(&bytes[SNP_REPORT_GUEST_SVN]);
  r.policy = svsm_get_le64(&bytes[SNP_REPORT_POLICY]);
  get_bytes(bytes, 0x10, r.family_id);
  get_bytes(bytes, 0x20, r.image_id);
  r.vmpl = svsm_get_le32(&bytes[SNP_REPORT_VMPL]);
  r.signature_algo = svsm_get_le32(&bytes[SNP_REPORT_SIG_ALGO]);
  r.current_tcb = svsm_get_le64(&bytes[0x38]);
  r.platform_info = svsm_get_le64(&bytes[0x40]);
  r.signer_info = svsm_get_le32(&bytes[0x48]);
  get_bytes(bytes, SNP_REPORT_REPORT_DATA, r.report_data);
  get_bytes(bytes, SNP_REPORT_MEASUREMENT, r.measurement);
  get_bytes(bytes, SNP_REPORT_HOST_DATA, r.host_data);
  get_bytes(bytes, 0xe0, r.id_key_digest);
  get_bytes(bytes, 0x110, r.author_key_digest);
  get_bytes(bytes, SNP_REPORT_REPORT_ID, r.report_id);
  get_bytes(bytes, 0x160, r.report_id_ma);
  r.reported_tcb = svsm_get_le64(&bytes[0x180]);
  if (r.version >= 3) {
    r.cpuid_family = bytes[0x188];
    r.cpuid_model = bytes[0x189];
    r.cpuid_stepping = bytes[0x18a];
  }
  get_bytes(bytes, SNP_REPORT_CHIP_ID, r.chip_id);
  r.committed_tcb = svsm_get_le64(&bytes[0x1e0]);
  r.current_build = bytes[0x1e8];
  r.current_minor = bytes[0x1e9];
  r.current_major = bytes[0x1ea];
  r.committed_build = bytes[0x1ec];
  r.committed_minor = bytes[0x1ed];
  r.committed_major = bytes[0x1ee];
  r.launch_tcb = svsm_get_le64(&bytes[0x1f0]);
  if (r.version >= 5) {
    r.launch_mit_vector = svsm_get_le64(&bytes[0x1f8]);
    r.current_mit_vector = svsm_get_le64(&bytes[0x200]);
  }
  get_bytes(bytes, SNP_REPORT_SIGNATURE, r.signature);
  return r;
}

// ---------------------------------------------------------------- hex

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    if (text.empty()) return std::nullopt;
  }
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = detail::hex_digit(text[i]), lo = detail::hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace svsm
