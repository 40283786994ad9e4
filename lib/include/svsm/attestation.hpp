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
  explicit ParseError(const std::string& what) : Error(EBADMSG, what) {}
};

// ---- Hashing (OpenSSL). Throws std::runtime_error if OpenSSL fails.

using Sha512Digest = std::array<uint8_t, 64>;

[[nodiscard]] Sha512Digest sha512(std::span<const uint8_t> data);
// SHA-512(nonce || manifest): the REPORT_DATA of an SVSM attestation report.
[[nodiscard]] Sha512Digest sha512_concat(std::span<const uint8_t> nonce, std::span<const uint8_t> manifest);

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
// allowed and ignored. Only the fields svsmctl shows are decoded.

struct SnpReport {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;  // 1 = ECDSA P-384 with SHA-384, 0 = none
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 64> chip_id{};
  std::array<uint8_t, 512> signature{};

  // signature_algo != 0 and the signature is not all zero. Says nothing
  // about whether the signature verifies.
  [[nodiscard]] bool signed_() const noexcept;
  // CHIP_ID starts with "EMULATED SVSM REPORT": made by svsm_diag's emulated
  // SVSM, not by AMD hardware.
  [[nodiscard]] bool emulated() const noexcept;
};

inline constexpr std::string_view kEmulatedReportMarker = "EMULATED SVSM REPORT";

[[nodiscard]] SnpReport parse_snp_report(std::span<const uint8_t> bytes);

// True if report.report_data == SHA-512(nonce || manifest).
[[nodiscard]] bool report_binds(const SnpReport &report, std::span<const uint8_t> nonce,
                                std::span<const uint8_t> manifest);

// ---- Hex.

// Lowercase, no separators, no prefix.
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);
// Hex digits in either case, even count, optional 0x/0X prefix (which must be
// followed by at least one byte). "" gives an empty vector. Anything else
// (odd length, other characters, whitespace) gives std::nullopt.
[[nodiscard]] std::optional<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace svsm
