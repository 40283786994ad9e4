// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: parse_snp_report() and report_binds() on untrusted bytes.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "svsm/attestation.hpp"
#include "svsm_spec.h"

namespace {

uint32_t le32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint64_t le64(const uint8_t *p) {
  return le32(p) | uint64_t{le32(p + 4)} << 32;
}

template <std::size_t N>
bool same(const std::array<uint8_t, N> &field, const uint8_t *p) {
  return std::memcmp(field.data(), p, N) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  svsm::SnpReport r;
  try {
    r = svsm::parse_snp_report(in);
  } catch (const svsm::ParseError &) {
    FUZZ_CHECK(size < SNP_REPORT_SIZE);  // the only reason to refuse a report
    return 0;
  }
  FUZZ_CHECK(size >= SNP_REPORT_SIZE);

  // Every decoded field is the bytes at its offset, little-endian.
  FUZZ_CHECK(r.version == le32(data + SNP_REPORT_VERSION));
  FUZZ_CHECK(r.guest_svn == le32(data + SNP_REPORT_GUEST_SVN));
  FUZZ_CHECK(r.policy == le64(data + SNP_REPORT_POLICY));
  FUZZ_CHECK(r.vmpl == le32(data + SNP_REPORT_VMPL));
  FUZZ_CHECK(r.signature_algo == le32(data + SNP_REPORT_SIG_ALGO));
  FUZZ_CHECK(same(r.report_data, data + SNP_REPORT_REPORT_DATA));
  FUZZ_CHECK(same(r.measurement, data + SNP_REPORT_MEASUREMENT));
  FUZZ_CHECK(same(r.host_data, data + SNP_REPORT_HOST_DATA));
  FUZZ_CHECK(same(r.report_id, data + SNP_REPORT_REPORT_ID));
  FUZZ_CHECK(same(r.chip_id, data + SNP_REPORT_CHIP_ID));
  FUZZ_CHECK(same(r.signature, data + SNP_REPORT_SIGNATURE));

  const bool any_sig =
      std::any_of(r.signature.begin(), r.signature.end(), [](uint8_t b) { return b; });
  FUZZ_CHECK(r.signed_() == (r.signature_algo != 0 && any_sig));
  FUZZ_CHECK(r.emulated() ==
             (std::memcmp(data + SNP_REPORT_CHIP_ID, svsm::kEmulatedReportMarker.data(),
                          svsm::kEmulatedReportMarker.size()) == 0));

  // Binding: the bytes after the report play nonce (up to 64 bytes) and
  // manifest. A report whose REPORT_DATA is SHA-512(nonce || manifest) binds
  // them, and only them.
  const auto rest = in.subspan(SNP_REPORT_SIZE);
  const auto nonce = rest.first(std::min<std::size_t>(rest.size(), 64));
  const auto manifest = rest.subspan(nonce.size());
  const bool binds = svsm::report_binds(r, nonce, manifest);
  const svsm::Sha512Digest digest = svsm::sha512_concat(nonce, manifest);
  FUZZ_CHECK(binds == (r.report_data == digest));

  std::vector<uint8_t> bound(data, data + size);
  std::copy(digest.begin(), digest.end(), bound.begin() + SNP_REPORT_REPORT_DATA);
  const svsm::SnpReport rb = svsm::parse_snp_report(bound);
  FUZZ_CHECK(svsm::report_binds(rb, nonce, manifest));
  if (!manifest.empty()) {
    std::vector<uint8_t> other(manifest.begin(), manifest.end());
    other[0] ^= 1;
    FUZZ_CHECK(!svsm::report_binds(rb, nonce, other));
  }
  return 0;
}
