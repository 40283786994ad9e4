// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: verify_evidence() on untrusted evidence. The input is a
// report (the first 0x4A0 bytes) followed by an SNP certificate table whose
// entries go through the X.509 parsing, signature and chain checks. Without
// AMD's keys nothing may ever come out "verified", and an unsigned report
// never does.
#include <algorithm>
#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "fuzz_check.hpp"
#include "svsm/attestation.hpp"
#include "svsm/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  if (size < svsm::kSnpReportSize) return 0;
  const std::span<const uint8_t> in(data, size);
  svsm::VerifyInput v;
  v.report = in.first(svsm::kSnpReportSize);
  try {
    v.certs = svsm::certs_from_table(in.subspan(svsm::kSnpReportSize));
  } catch (const svsm::ParseError &) {
    return 0;
  }
  const svsm::SnpReport r = svsm::parse_snp_report(v.report);
  const svsm::Verification out = svsm::verify_evidence(v);

  FUZZ_CHECK(out.verdict != svsm::EvidenceVerdict::verified);
  FUZZ_CHECK(r.signed_() || out.verdict != svsm::EvidenceVerdict::verified);
  std::set<std::string> names;
  bool any_fail = false;
  for (const auto &c : out.checks) {
    FUZZ_CHECK(names.insert(c.name).second);  // one result per check
    FUZZ_CHECK(!c.detail.empty());
    any_fail = any_fail || c.outcome == svsm::Outcome::fail;
  }
  FUZZ_CHECK(any_fail == (out.verdict == svsm::EvidenceVerdict::failed));
  return 0;
}
