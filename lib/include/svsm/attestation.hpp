// SPDX-License-Identifier: GPL-2.0-only
// SVSM attestation data: the services manifest, the SNP certificate table,
// the SNP attestation report, and the hashing that binds them.
//
// The parsers take untrusted bytes (from the SVSM via the kernel, or from a
// file) and check every length and offset before use. They throw ParseError
// with a message that says what was wrong; they never read out of bounds.
// Parsed entries hold spans into the caller's buffer, which must outlive them.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "svsm/error.hpp"
#include "svsm/guid.hpp"

namespace svsm {

// Bytes that do not hold what they should: an svsm::Error with EBADMSG.
class ParseError : public Error {
 public:
  explicit ParseError(const std::string &what) : Error(EBADMSG, what) {}
};

// ---- Hashing (OpenSSL). Throws std::runtime_error if OpenSSL fails.

using Sha512Digest = std::array<uint8_t, 64>;

[[nodiscard]] Sha512Digest sha512(std::span<const uint8_t> data);
// SHA-512(nonce || manifest): the REPORT_DATA of an SVSM attestation report.
[[nodiscard]] Sha512Digest sha512_concat(std::span<const uint8_t> nonce,
                                         std::span<const uint8_t> manifest);

// ---- Services manifest (COCONUT GuidTable; SVSM spec table 12).
//
//   0x00  GUID  63849ebb-3d92-4670-a1ff-58f9c94b87bb
//   0x10  u32   total length of the table, header included
//   0x14  u32   number of entries
//   0x18  entries: GUID, u32 offset (from the table start), u32 length
//   ...   data
//
// Rules enforced: the buffer holds at least the 24-byte header; the header
// GUID is the manifest GUID; at most kMaxManifestEntries entries; the total
// length covers the header and the entry list and is not larger than the
// buffer; every entry's data lies inside the table (computed without
// overflow) and does not overlap the header or the entry list.
//
// The total length may be smaller than the buffer: the bytes after it are
// ignored and counted in trailing_bytes, because the manifest may arrive in a
// page-sized buffer. REPORT_DATA covers exactly the first total_length bytes.
// When ATTEST_SINGLE_SERVICE was used, the manifest is the service's data
// alone, with no table: do not parse it with this function.

inline constexpr uint32_t kMaxManifestEntries = 1024;

struct ManifestEntry {
  Guid guid;
  uint32_t offset = 0;
  uint32_t length = 0;
  std::span<const uint8_t> data;
};

struct ServicesManifest {
  Guid guid;  // always kServicesManifestGuid once parsed
  uint32_t total_length = 0;
  std::vector<ManifestEntry> entries;
  std::size_t trailing_bytes = 0;  // buffer bytes after total_length

  // The first entry with @service, or nullptr.
  [[nodiscard]] const ManifestEntry *find(const Guid &service) const noexcept;
};

[[nodiscard]] ServicesManifest parse_services_manifest(std::span<const uint8_t> bytes);

// ---- SNP certificate table (GHCB spec; Linux sev-guest / configfs-tsm
// auxblob; the attestation protocol's certificate buffer).
//
// 24-byte entries {GUID, u32 offset, u32 length} up to and including an
// all-zero entry; offsets are from the table start. Rules enforced: the
// terminator lies inside the buffer; no entry before it has a null GUID;
// every entry's data lies inside the buffer and after the entry table
// (terminator included). An empty buffer means "no certificates" and gives
// an empty vector; the terminator is not returned.

struct CertEntry {
  Guid guid;
  uint32_t offset = 0;
  uint32_t length = 0;
  std::span<const uint8_t> data;
};

[[nodiscard]] std::vector<CertEntry> parse_cert_table(std::span<const uint8_t> bytes);

// ---- SNP attestation report (SEV-SNP firmware ABI, ATTESTATION_REPORT).
// The buffer must hold at least SNP_REPORT_SIZE (0x4A0) bytes; more is
// allowed and ignored. Every field the ABI defines for report versions 2, 3
// and 5 is decoded (AMD SEV-SNP Firmware ABI specification 56860, table
// "ATTESTATION_REPORT Structure"): version 3 added the CPUID family, model
// and stepping at 0x188; version 5 the launch and current mitigation
// vectors at 0x1F8. parse_snp_report() does not judge the version; the
// verifier does.

inline constexpr uint32_t kSnpReportMinVersion = 2;
inline constexpr uint32_t kSnpReportMaxVersion = 5;
inline constexpr std::size_t kSnpReportSize = 0x4a0;
inline constexpr std::size_t kSnpSignedBytes = 0x2a0;  // the signature covers [0, 0x2A0)

struct SnpReport {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;  // 1 = ECDSA P-384 with SHA-384, 0 = none
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  uint32_t signer_info = 0;  // bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_ID, bits 4:2 SIGNING_KEY
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  uint64_t reported_tcb = 0;
  // Version 3 and later.
  std::optional<uint8_t> cpuid_family, cpuid_model, cpuid_stepping;
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0;
  uint8_t current_build = 0, current_minor = 0, current_major = 0;
  uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  uint64_t launch_tcb = 0;
  // Version 5 and later.
  std::optional<uint64_t> launch_mit_vector, current_mit_vector;
  std::array<uint8_t, 512> signature{};

  // SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none.
  [[nodiscard]] uint32_t signing_key() const noexcept { return signer_info >> 2 & 7; }
  [[nodiscard]] bool mask_chip_id() const noexcept { return signer_info & 2; }
  [[nodiscard]] bool author_key_en() const noexcept { return signer_info & 1; }

  // signature_algo != 0 and the signature is not all zero. Says nothing
  // about whether the signature verifies.
  [[nodiscard]] bool signed_() const noexcept;
  // CHIP_ID starts with "EMULATED SVSM REPORT": made by svsm_diag's emulated
  // SVSM, not by AMD hardware.
  [[nodiscard]] bool emulated() const noexcept;
};

inline constexpr std::string_view kEmulatedReportMarker = "EMULATED SVSM REPORT";

[[nodiscard]] SnpReport parse_snp_report(std::span<const uint8_t> bytes);

// True if report.report_data == SHA-512(nonce || manifest). Inline, so that
// svsm_core leaves SHA-512 to whoever calls it: the plugin loader (svsm) or
// OpenSSL itself (svsm_direct), whichever the program links.
[[nodiscard]] inline bool report_binds(const SnpReport &report, std::span<const uint8_t> nonce,
                                       std::span<const uint8_t> manifest) {
  return report.report_data == sha512_concat(nonce, manifest);
}

// ---- Hex.

// Lowercase, no separators, no prefix.
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);
// Hex digits in either case, even count, optional 0x/0X prefix (which must be
// followed by at least one byte). "" gives an empty vector. Anything else
// (odd length, other characters, whitespace) gives std::nullopt.
[[nodiscard]] std::optional<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace svsm
