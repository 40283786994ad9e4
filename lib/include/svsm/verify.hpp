// SPDX-License-Identifier: GPL-2.0-only
// Verification of SNP attestation evidence: the report's REPORT_DATA
// binding, its ECDSA P-384 signature by the VCEK or VLEK, the certificate
// chain to AMD's root key (ARK) for the product, the VCEK's TCB and hardware
// ID against the report, and the operator's expectations. All cryptography
// is OpenSSL's (libcrypto).
//
// A report with no signature (the emulated SVSM's) is never "verified": the
// checks that need a signature are skipped and the verdict says "unsigned".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "svsm/attestation.hpp"

namespace svsm {

enum class Product { unknown, milan, genoa, turin };
[[nodiscard]] std::string_view product_name(Product p) noexcept;  // "Milan", "" for unknown

// The product a report comes from, by its CPUID fields (version 3 and later).
[[nodiscard]] Product report_product(const SnpReport &r) noexcept;

// TCB_VERSION, in the layout of the product: Turin (family 1Ah) has an FMC
// field and moved the others; Milan and Genoa share one layout.
struct Tcb {
  std::optional<uint8_t> fmc;  // Turin only
  uint8_t bootloader = 0, tee = 0, snp = 0, microcode = 0;
  bool operator==(const Tcb &) const = default;
};
[[nodiscard]] Tcb decode_tcb(uint64_t raw, Product p) noexcept;
// "bl=3 tee=0 snp=8 ucode=115" (with "fmc=N " first on Turin).
[[nodiscard]] std::string tcb_text(const Tcb &t);
// "bl=N,tee=N,snp=N,ucode=N[,fmc=N]" in any order, each at most once, each
// 0..255; components left out are 0. std::nullopt on anything else.
[[nodiscard]] std::optional<Tcb> parse_tcb_spec(std::string_view text);

// An AMD root key: the SHA-256 of the ARK's SubjectPublicKeyInfo (DER).
struct TrustedRoot {
  Product product;
  std::array<uint8_t, 32> spki_sha256;
};
// AMD's published ARKs for Milan, Genoa and Turin.
[[nodiscard]] std::span<const TrustedRoot> amd_roots() noexcept;

// Certificates as DER, with where each came from (for messages).
struct CertFile {
  std::vector<uint8_t> der;
  std::string source;
  [[nodiscard]] bool empty() const noexcept { return der.empty(); }
};
struct CertSet {
  CertFile vcek, vlek, ask, ark;  // ask: the ASK, or the ASVK that signs a VLEK
  // Entries of @other fill the ones still empty here.
  void fill_from(const CertSet &other);
};

// From an SNP certificate table (the attestation protocol's certificate
// buffer, the GHCB extended report, configfs-tsm's auxblob). Entries are
// taken as they are: whether they are certificates is checked later.
[[nodiscard]] CertSet certs_from_table(std::span<const uint8_t> table);
// From a directory in the layouts snpguest and go-sev-guest use: vcek, vlek,
// ask, asvk and ark as .der or .pem, and cert_chain.pem (ASK then ARK, as
// AMD's KDS serves it). Throws ParseError for a file that is not a
// certificate, std::runtime_error for one that cannot be read.
[[nodiscard]] CertSet certs_from_dir(const std::filesystem::path &dir);
// @der is exactly one DER X.509 certificate.
[[nodiscard]] bool is_der_certificate(std::span<const uint8_t> der);

struct Expectations {
  std::optional<std::array<uint8_t, 48>> measurement;
  std::optional<uint64_t> policy;
  std::optional<Tcb> min_tcb;    // REPORTED_TCB must be at least this, field by field
  std::optional<uint32_t> vmpl;  // default 0: an SVSM has its report made at VMPL0
};

enum class Outcome { pass, fail, skipped };
[[nodiscard]] std::string_view outcome_name(Outcome o) noexcept;  // "pass", "fail", "skipped"

struct Check {
  std::string name;  // stable: "report", "report_data", "signature", ...
  Outcome outcome = Outcome::skipped;
  std::string detail;
};

enum class EvidenceVerdict {
  verified,   // signed, every check passed
  unsigned_,  // no check failed, but there is no signature: nothing is verified
  failed,     // at least one check failed
};
[[nodiscard]] std::string_view evidence_verdict_name(
    EvidenceVerdict v) noexcept;  // "verified", "unsigned", "failed"

struct Verification {
  std::vector<Check> checks;
  EvidenceVerdict verdict = EvidenceVerdict::failed;
  bool emulated = false;  // the report says it comes from the emulated SVSM
  Product product = Product::unknown;
  std::string summary;  // one line: "verified (Genoa, VCEK)", "unsigned (emulated SVSM)", ...
};

struct VerifyInput {
  std::span<const uint8_t> report;
  // Both or neither: REPORT_DATA = SHA-512(nonce || manifest) is checked
  // only when both are known.
  std::optional<std::span<const uint8_t>> nonce, manifest;
  CertSet certs;
  Expectations expect;
  std::span<const TrustedRoot> roots = amd_roots();  // unit tests pass their own
};

// Throws ParseError only if the report is shorter than an ATTESTATION_REPORT.
[[nodiscard]] Verification verify_evidence(const VerifyInput &in);

}  // namespace svsm
