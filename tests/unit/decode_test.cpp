// SPDX-License-Identifier: GPL-2.0-only
// Offline decoding. Expected values are literal numbers and names from the
// SVSM spec tables (shared/reference/svsm-protocol.md §2-§4), not taken from
// svsm_spec.h or from the implementation.
#include "svsm/decode.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using svsm::explain_result;
using Kind = svsm::ResultCode::Kind;

// ---------------------------------------------------------------- result codes

struct NamedCode {
  uint32_t code;
  const char *name;
  Kind kind;
};

// Spec table "generic result codes".
constexpr NamedCode kGenericCodes[] = {
    {0x00000000, "SVSM_SUCCESS", Kind::success},
    {0x80000000, "SVSM_ERR_INCOMPLETE", Kind::error},
    {0x80000001, "SVSM_ERR_UNSUPPORTED_PROTOCOL", Kind::error},
    {0x80000002, "SVSM_ERR_UNSUPPORTED_CALL", Kind::error},
    {0x80000003, "SVSM_ERR_INVALID_ADDRESS", Kind::error},
    {0x80000004, "SVSM_ERR_INVALID_FORMAT", Kind::error},
    {0x80000005, "SVSM_ERR_INVALID_PARAMETER", Kind::error},
    {0x80000006, "SVSM_ERR_INVALID_REQUEST", Kind::error},
    {0x80000007, "SVSM_ERR_BUSY", Kind::error},
};

// Core protocol: 0x80001000 + PVALIDATE/RMPADJUST return code.
constexpr NamedCode kCoreCodes[] = {
    {0x80001001, "SVSM_ERR_PVALIDATE_FAIL_INPUT", Kind::error},
    {0x80001002, "SVSM_ERR_PVALIDATE_FAIL_PERMISSION", Kind::error},
    {0x80001003, "SVSM_ERR_PVALIDATE_FAIL_INUSE", Kind::error},
    {0x80001006, "SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH", Kind::error},
    {0x80001010, "SVSM_ERR_PVALIDATE_FAIL_UNCHANGED", Kind::error},
    {0x80001011, "SVSM_ERR_PVALIDATE_FAIL_OTHER", Kind::error},
};

void ExpectComplete(const svsm::ResultCode &r) {
  EXPECT_FALSE(r.name.empty()) << std::hex << r.code;
  EXPECT_FALSE(r.meaning.empty()) << std::hex << r.code;
  if (r.kind != Kind::success) {
    EXPECT_FALSE(r.cause.empty()) << std::hex << r.code;
    EXPECT_FALSE(r.fix.empty()) << std::hex << r.code;
  }
}

TEST(ExplainResult, GenericCodesHaveSpecNames) {
  for (const auto &c : kGenericCodes) {
    auto r = explain_result(c.code);
    EXPECT_EQ(r.code, c.code);
    EXPECT_EQ(r.name, c.name);
    EXPECT_EQ(r.kind, c.kind) << c.name;
    ExpectComplete(r);
  }
}

TEST(ExplainResult, CoreProtocolSpecificCodes) {
  for (const auto &c : kCoreCodes) {
    for (auto protocol : {std::optional<uint32_t>{}, std::optional<uint32_t>{0}}) {
      auto r = explain_result(c.code, protocol);
      EXPECT_EQ(r.name, c.name);
      EXPECT_EQ(r.kind, Kind::error);
      ExpectComplete(r);
    }
  }
  // The same numbers mean nothing known in the vTPM protocol.
  EXPECT_EQ(explain_result(0x80001001, 2).name, "protocol-defined error");
  EXPECT_EQ(explain_result(0x80001006, 1).name, "protocol-defined error");
}

TEST(ExplainResult, UnnamedPvalidateCodes) {
  for (uint32_t n : {0x0u, 0x4u, 0x5u, 0x7u, 0xfu, 0x12u, 0xfffu}) {
    auto r = explain_result(0x80001000 + n, 0);
    EXPECT_EQ(r.name, "protocol-defined error") << n;
    EXPECT_EQ(r.kind, Kind::error);
    ExpectComplete(r);
  }
}

TEST(ExplainResult, ApicCannotRegister) {
  auto r = explain_result(0x80001000, 3);
  EXPECT_EQ(r.name, "SVSM_ERR_APIC_CANNOT_REGISTER");
  EXPECT_EQ(r.kind, Kind::error);
  EXPECT_NE(r.meaning.find("register"), std::string::npos);
  ExpectComplete(r);
  // Without the protocol the value is ambiguous and not named.
  auto u = explain_result(0x80001000);
  EXPECT_EQ(u.name, "protocol-defined error");
  EXPECT_NE(u.cause.find("APIC"), std::string::npos);
  // In the core protocol 0x80001000 is not the APIC code.
  EXPECT_EQ(explain_result(0x80001000, 0).name, "protocol-defined error");
}

TEST(ExplainResult, RangeBoundaries) {
  struct Case {
    uint32_t code;
    const char *name;
    Kind kind;
  };
  const Case cases[] = {
      {0x00000000, "SVSM_SUCCESS", Kind::success},
      {0x00000001, "reserved", Kind::info},
      {0x00000fff, "reserved", Kind::info},
      {0x00001000, "protocol-defined success", Kind::info},
      {0x3fffffff, "protocol-defined success", Kind::info},
      {0x40000000, "memory request", Kind::memory_request},
      {0x7fffffff, "memory request", Kind::memory_request},
      {0x80000000, "SVSM_ERR_INCOMPLETE", Kind::error},
      {0x80000007, "SVSM_ERR_BUSY", Kind::error},
      {0x80000008, "reserved", Kind::error},
      {0x80000fff, "reserved", Kind::error},
      {0x80001000, "protocol-defined error", Kind::error},
      {0xffffffff, "protocol-defined error", Kind::error},
  };
  for (const auto &c : cases) {
    auto r = explain_result(c.code);
    EXPECT_EQ(r.name, c.name) << std::hex << c.code;
    EXPECT_EQ(r.kind, c.kind) << std::hex << c.code;
    ExpectComplete(r);
  }
}

TEST(ExplainResult, MemoryRequestPageCount) {
  // Bits 29:0 are the number of 4 KiB pages.
  EXPECT_EQ(explain_result(0x40000000).memory_pages, 0u);
  EXPECT_EQ(explain_result(0x40000001).memory_pages, 1u);
  EXPECT_EQ(explain_result(0x40000010).memory_pages, 16u);
  EXPECT_EQ(explain_result(0x7fffffff).memory_pages, 0x3fffffffu);
  auto r = explain_result(0x40000200);
  EXPECT_EQ(r.memory_pages, 512u);
  EXPECT_NE(r.meaning.find("512"), std::string::npos);
  EXPECT_NE(r.meaning.find("2048 KiB"), std::string::npos);
  EXPECT_NE(r.fix.find("DEPOSIT_MEM"), std::string::npos);
  // Not a memory request: no pages.
  EXPECT_EQ(explain_result(0x80000005).memory_pages, 0u);
  EXPECT_EQ(explain_result(0x3fffffff).memory_pages, 0u);
}

TEST(ExplainResult, CallAwareCauses) {
  // ATTEST_SERVICES: buffer too small, sizes in RCX/RDX/R8.
  auto a = explain_result(0x80000005, 1, 0);
  EXPECT_NE(a.cause.find("too small"), std::string::npos);
  EXPECT_NE(a.cause.find("RCX"), std::string::npos);
  EXPECT_NE(a.cause.find("RDX"), std::string::npos);
  EXPECT_NE(a.cause.find("R8"), std::string::npos);
  // Same without the call number: the note applies to the whole protocol.
  EXPECT_EQ(explain_result(0x80000005, 1).cause, a.cause);

  // REMAP_CA: overlap with another CA, a VMSA or SVSM memory.
  auto r = explain_result(0x80000003, 0, 0);
  EXPECT_NE(r.cause.find("Calling Area"), std::string::npos);
  EXPECT_NE(r.cause.find("VMSA"), std::string::npos);
  EXPECT_NE(r.cause.find("SVSM"), std::string::npos);

  // Attestation UNSUPPORTED_PROTOCOL also means unknown call / GUID (COCONUT).
  auto u = explain_result(0x80000001, 1);
  EXPECT_NE(u.cause.find("COCONUT"), std::string::npos);
  auto s = explain_result(0x80000001, 1, 1);
  EXPECT_NE(s.cause.find("GUID"), std::string::npos);

  // Context changes the cause, not the name or the meaning.
  auto generic = explain_result(0x80000005);
  EXPECT_EQ(a.name, generic.name);
  EXPECT_EQ(a.meaning, generic.meaning);
  EXPECT_NE(a.cause, generic.cause);

  // A call number without a protocol is ignored.
  EXPECT_EQ(explain_result(0x80000005, std::nullopt, 0).cause, generic.cause);
}

TEST(ExplainResult, UnknownProtocolAndCall) {
  auto p = explain_result(0x80000001, 77);
  EXPECT_NE(p.cause.find("77"), std::string::npos);
  auto c = explain_result(0x80000002, 0, 42);
  EXPECT_NE(c.cause.find("42"), std::string::npos);
  EXPECT_NE(c.cause.find("query-protocol"), std::string::npos);  // lists the known calls
  // Other codes with an unknown protocol still get the generic text.
  EXPECT_EQ(explain_result(0x80000007, 99).cause, explain_result(0x80000007).cause);
}

TEST(ExplainResult, Retryable) {
  EXPECT_TRUE(explain_result(0x80000000).retryable());
  EXPECT_TRUE(explain_result(0x80000007).retryable());
  EXPECT_FALSE(explain_result(0x00000000).retryable());
  EXPECT_FALSE(explain_result(0x80000005).retryable());
  EXPECT_FALSE(explain_result(0x40000001).retryable());
}

TEST(ExplainResult, KindNames) {
  EXPECT_EQ(svsm::kind_name(Kind::success), "success");
  EXPECT_EQ(svsm::kind_name(Kind::info), "info");
  EXPECT_EQ(svsm::kind_name(Kind::memory_request), "memory-request");
  EXPECT_EQ(svsm::kind_name(Kind::error), "error");
}

TEST(ParseResultCode, NumbersAndNames) {
  EXPECT_EQ(svsm::parse_result_code("0x80000003"), 0x80000003u);
  EXPECT_EQ(svsm::parse_result_code("2147483653"), 0x80000005u);
  // A sign-extended 64-bit RAX: the upper half is ignored.
  EXPECT_EQ(svsm::parse_result_code("0xffffffff80000005"), 0x80000005u);
  EXPECT_EQ(svsm::parse_result_code("SVSM_ERR_INVALID_ADDRESS"), 0x80000003u);
  EXPECT_EQ(svsm::parse_result_code("invalid_address"), 0x80000003u);
  EXPECT_EQ(svsm::parse_result_code("invalid-address"), 0x80000003u);
  EXPECT_EQ(svsm::parse_result_code("SVSM_SUCCESS"), 0u);
  EXPECT_EQ(svsm::parse_result_code("success"), 0u);
  EXPECT_EQ(svsm::parse_result_code("busy"), 0x80000007u);
  EXPECT_EQ(svsm::parse_result_code("SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH"), 0x80001006u);
  EXPECT_EQ(svsm::parse_result_code("fail_inuse"), 0x80001003u);
  EXPECT_EQ(svsm::parse_result_code("nonsense"), std::nullopt);
  EXPECT_EQ(svsm::parse_result_code(""), std::nullopt);
  EXPECT_EQ(svsm::parse_result_code("SVSM_ERR_"), std::nullopt);
  for (const auto &c : kGenericCodes) EXPECT_EQ(svsm::parse_result_code(c.name), c.code) << c.name;
  for (const auto &c : kCoreCodes) EXPECT_EQ(svsm::parse_result_code(c.name), c.code) << c.name;
}

// ---------------------------------------------------------------- protocols and calls

TEST(Names, Protocols) {
  EXPECT_EQ(svsm::protocol_name(0), "core");
  EXPECT_EQ(svsm::protocol_name(1), "attest");
  EXPECT_EQ(svsm::protocol_name(2), "vtpm");
  EXPECT_EQ(svsm::protocol_name(3), "apic");
  EXPECT_EQ(svsm::protocol_name(4), "uefi-mm");
  EXPECT_EQ(svsm::protocol_name(5), "");
  EXPECT_EQ(svsm::protocol_name(0x80000000), "");

  auto known = svsm::known_protocols();
  ASSERT_EQ(known.size(), 5u);
  for (uint32_t i = 0; i < 5; i++) {
    EXPECT_EQ(known[i].number, i);
    EXPECT_EQ(known[i].name, svsm::protocol_name(i));
    EXPECT_FALSE(known[i].description.empty());
    EXPECT_EQ(known[i].defined_by, i <= 2 ? "spec" : "COCONUT-SVSM");
  }
}

TEST(Names, Calls) {
  const std::tuple<uint32_t, uint32_t, const char *> expected[] = {
      {0, 0, "remap-ca"},
      {0, 1, "pvalidate"},
      {0, 2, "create-vcpu"},
      {0, 3, "delete-vcpu"},
      {0, 4, "deposit-mem"},
      {0, 5, "withdraw-mem"},
      {0, 6, "query-protocol"},
      {0, 7, "configure-vtom"},
      {1, 0, "attest-services"},
      {1, 1, "attest-single-service"},
      {2, 0, "query"},
      {2, 1, "cmd"},
      {3, 0, "query-features"},
      {3, 1, "configure"},
      {3, 2, "read-register"},
      {3, 3, "write-register"},
      {3, 4, "configure-vector"},
      {4, 1, "request"},
  };
  for (const auto &[p, c, name] : expected) EXPECT_EQ(svsm::call_name(p, c), name) << p << "/" << c;
  EXPECT_EQ(svsm::known_calls().size(), std::size(expected));

  EXPECT_EQ(svsm::call_name(0, 8), "");
  EXPECT_EQ(svsm::call_name(1, 2), "");
  EXPECT_EQ(svsm::call_name(2, 2), "");
  EXPECT_EQ(svsm::call_name(3, 5), "");
  EXPECT_EQ(svsm::call_name(4, 0), "");  // UEFI MM has call 1 only
  EXPECT_EQ(svsm::call_name(5, 0), "");

  for (const auto &c : svsm::known_calls()) {
    EXPECT_FALSE(c.macro.empty());
    EXPECT_FALSE(c.description.empty());
  }
}

TEST(Names, RoundTrips) {
  for (const auto &p : svsm::known_protocols()) {
    EXPECT_EQ(svsm::parse_protocol(p.name), p.number) << p.name;
    std::string upper(p.name);
    for (auto &ch : upper) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(svsm::parse_protocol(upper), p.number) << upper;
    EXPECT_EQ(svsm::parse_protocol(std::to_string(p.number)), p.number);
  }
  for (const auto &c : svsm::known_calls()) {
    EXPECT_EQ(svsm::parse_call(c.protocol, c.name), c.call) << c.name;
    EXPECT_EQ(svsm::call_name(c.protocol, *svsm::parse_call(c.protocol, c.name)), c.name);
    std::string snake(c.name);
    for (auto &ch : snake)
      if (ch == '-') ch = '_';
    EXPECT_EQ(svsm::parse_call(c.protocol, snake), c.call) << snake;
  }
}

// The list of choices in messages: every protocol, in order, each name one
// that parse_protocol() takes back.
TEST(Names, ProtocolNamesListEveryProtocolInOrder) {
  const std::string list = svsm::protocol_names();
  std::vector<std::string> names;
  for (size_t at = 0;;) {
    size_t comma = list.find(", ", at);
    names.push_back(list.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 2;
  }
  ASSERT_EQ(names.size(), svsm::known_protocols().size()) << list;
  for (uint32_t i = 0; i < names.size(); i++)
    EXPECT_EQ(svsm::parse_protocol(names[i]), i) << names[i];
}

TEST(Names, ParseProtocolAndCall) {
  EXPECT_EQ(svsm::parse_protocol("attestation"), 1u);
  EXPECT_EQ(svsm::parse_protocol("UEFI_MM"), 4u);
  EXPECT_EQ(svsm::parse_protocol("0x80000000"), 0x80000000u);
  EXPECT_EQ(svsm::parse_protocol("4294967295"), 0xffffffffu);
  EXPECT_EQ(svsm::parse_protocol("4294967296"), std::nullopt);
  EXPECT_EQ(svsm::parse_protocol("0x100000000"), std::nullopt);
  EXPECT_EQ(svsm::parse_protocol("bogus"), std::nullopt);
  EXPECT_EQ(svsm::parse_protocol(""), std::nullopt);
  EXPECT_EQ(svsm::parse_protocol("-1"), std::nullopt);

  EXPECT_EQ(svsm::parse_call(0, "QUERY-PROTOCOL"), 6u);
  EXPECT_EQ(svsm::parse_call(0, "0x7"), 7u);
  EXPECT_EQ(svsm::parse_call(0, "99"), 99u);
  // Names belong to their protocol.
  EXPECT_EQ(svsm::parse_call(0, "query"), std::nullopt);
  EXPECT_EQ(svsm::parse_call(2, "query"), 0u);
  EXPECT_EQ(svsm::parse_call(1, "pvalidate"), std::nullopt);
  EXPECT_EQ(svsm::parse_call(0, "4294967296"), std::nullopt);
}

TEST(ReadOnly, MatchesModuleRule) {
  // Core: QUERY_PROTOCOL always; CONFIGURE_VTOM only as query (RCX == 1).
  EXPECT_TRUE(svsm::call_is_read_only(0, 6, 0));
  EXPECT_TRUE(svsm::call_is_read_only(0, 6, 0x0000000200000001ULL));
  EXPECT_TRUE(svsm::call_is_read_only(0, 7, 1));
  EXPECT_FALSE(svsm::call_is_read_only(0, 7, 0));
  EXPECT_FALSE(svsm::call_is_read_only(0, 7, 3));
  EXPECT_FALSE(svsm::call_is_read_only(0, 7, 0x100000001ULL));
  for (uint32_t c : {0u, 1u, 2u, 3u, 4u, 5u, 8u})
    EXPECT_FALSE(svsm::call_is_read_only(0, c, 1)) << c;
  // Attestation: none (the request names pages the SVSM writes to).
  for (uint32_t c = 0; c <= 2; c++) EXPECT_FALSE(svsm::call_is_read_only(1, c, 0)) << c;
  // vTPM: QUERY only.
  EXPECT_TRUE(svsm::call_is_read_only(2, 0, 0));
  EXPECT_FALSE(svsm::call_is_read_only(2, 1, 0));
  // APIC: QUERY_FEATURES only.
  EXPECT_TRUE(svsm::call_is_read_only(3, 0, 0));
  for (uint32_t c = 1; c <= 4; c++) EXPECT_FALSE(svsm::call_is_read_only(3, c, 0)) << c;
  // UEFI MM and unknown protocols: nothing.
  EXPECT_FALSE(svsm::call_is_read_only(4, 1, 0));
  EXPECT_FALSE(svsm::call_is_read_only(4, 0, 0));
  EXPECT_FALSE(svsm::call_is_read_only(5, 0, 0));
  EXPECT_FALSE(svsm::call_is_read_only(0xffffffff, 0, 1));
}

// ---------------------------------------------------------------- parse_u64

TEST(ParseU64, Good) {
  EXPECT_EQ(svsm::parse_u64("0"), 0u);
  EXPECT_EQ(svsm::parse_u64("4096"), 4096u);
  EXPECT_EQ(svsm::parse_u64("007"), 7u);  // decimal, not octal
  EXPECT_EQ(svsm::parse_u64("0x0"), 0u);
  EXPECT_EQ(svsm::parse_u64("0x1000"), 0x1000u);
  EXPECT_EQ(svsm::parse_u64("0XaBcD"), 0xabcdu);
  EXPECT_EQ(svsm::parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(svsm::parse_u64("0xffffffffffffffff"), UINT64_MAX);
  EXPECT_EQ(svsm::parse_u64("0x0000000000000000000001"), 1u);
}

TEST(ParseU64, Bad) {
  for (const char *s :
       {"", "0x", "0X", "-1", "+1", " 1", "1 ", "1x", "0x1g", "abc", "12a", "0b101", "1_000",
        "18446744073709551616", "0x10000000000000000", "99999999999999999999", "\t"}) {
    EXPECT_EQ(svsm::parse_u64(s), std::nullopt) << '"' << s << '"';
  }
  EXPECT_EQ(svsm::parse_u64(std::string_view("1\0", 2)), std::nullopt);
}

// ---------------------------------------------------------------- SEV_STATUS

std::vector<std::string> Names(const std::vector<svsm::SevStatusBit> &bits) {
  std::vector<std::string> out;
  for (const auto &b : bits) out.emplace_back(b.name);
  return out;
}

TEST(SevStatus, KnownValues) {
  EXPECT_EQ(Names(svsm::decode_sev_status(0x7)),
            (std::vector<std::string>{"SEV", "SEV-ES", "SEV-SNP"}));
  EXPECT_EQ(Names(svsm::decode_sev_status(0x0)), std::vector<std::string>{});
  // SNP + DebugSwap (bit 7).
  EXPECT_EQ(Names(svsm::decode_sev_status(0x87)),
            (std::vector<std::string>{"SEV", "SEV-ES", "SEV-SNP", "DebugSwap"}));
  // SNP + AI (bit 6) + SMTProt (bit 17) + IBPBOnEntry (bit 23).
  EXPECT_EQ(Names(svsm::decode_sev_status(0x7 | 1u << 6 | 1u << 17 | 1u << 23)),
            (std::vector<std::string>{"SEV", "SEV-ES", "SEV-SNP", "AI", "SMTProt", "IBPBOnEntry"}));
  EXPECT_EQ(svsm::sev_status_reserved_bits(0x7), 0u);
}

TEST(SevStatus, TableMatchesKernel) {
  const std::tuple<unsigned, const char *, const char *> expected[] = {
      {0, "SEV", "MSR_AMD64_SEV_ENABLED"},
      {1, "SEV-ES", "MSR_AMD64_SEV_ES_ENABLED"},
      {2, "SEV-SNP", "MSR_AMD64_SEV_SNP_ENABLED"},
      {3, "vTom", "MSR_AMD64_SNP_VTOM"},
      {4, "ReflectVC", "MSR_AMD64_SNP_REFLECT_VC"},
      {5, "RI", "MSR_AMD64_SNP_RESTRICTED_INJ"},
      {6, "AI", "MSR_AMD64_SNP_ALT_INJ"},
      {7, "DebugSwap", "MSR_AMD64_SNP_DEBUG_SWAP"},
      {8, "NoHostIBS", "MSR_AMD64_SNP_PREVENT_HOST_IBS"},
      {9, "BTBIsol", "MSR_AMD64_SNP_BTB_ISOLATION"},
      {10, "VmplSSS", "MSR_AMD64_SNP_VMPL_SSS"},
      {11, "SecureTSC", "MSR_AMD64_SNP_SECURE_TSC"},
      {12, "VMGExitParam", "MSR_AMD64_SNP_VMGEXIT_PARAM"},
      {14, "IBSVirt", "MSR_AMD64_SNP_IBS_VIRT"},
      {16, "VMSARegProt", "MSR_AMD64_SNP_VMSA_REG_PROT"},
      {17, "SMTProt", "MSR_AMD64_SNP_SMT_PROT"},
      {18, "SecureAVIC", "MSR_AMD64_SNP_SECURE_AVIC"},
      {23, "IBPBOnEntry", "MSR_AMD64_SNP_IBPB_ON_ENTRY"},
  };
  auto bits = svsm::sev_status_bits();
  ASSERT_EQ(bits.size(), std::size(expected));
  for (std::size_t i = 0; i < bits.size(); i++) {
    EXPECT_EQ(bits[i].bit, std::get<0>(expected[i]));
    EXPECT_EQ(bits[i].name, std::get<1>(expected[i]));
    EXPECT_EQ(bits[i].macro, std::get<2>(expected[i]));
    EXPECT_FALSE(bits[i].meaning.empty());
  }
}

TEST(SevStatus, ReservedBits) {
  // Reserved: 13, 15, 19-22, 24-63.
  const uint64_t reserved = 1ULL << 13 | 1ULL << 15 | 0xfULL << 19 | ~0ULL << 24;
  EXPECT_EQ(svsm::sev_status_reserved_bits(~0ULL), reserved);
  EXPECT_EQ(svsm::sev_status_reserved_bits(1ULL << 13), 1ULL << 13);
  EXPECT_EQ(svsm::sev_status_reserved_bits(1ULL << 63 | 0x7), 1ULL << 63);
  EXPECT_EQ(svsm::sev_status_reserved_bits(1ULL << 24), 1ULL << 24);
  EXPECT_EQ(svsm::sev_status_reserved_bits(1ULL << 23), 0u);
  EXPECT_EQ(svsm::sev_status_reserved_bits(1ULL << 18), 0u);
  // Reserved bits do not show up among the names.
  EXPECT_EQ(svsm::decode_sev_status(reserved).size(), 0u);
  EXPECT_EQ(svsm::decode_sev_status(~0ULL).size(), svsm::sev_status_bits().size());
}

// ---------------------------------------------------------------- CPUID

TEST(Cpuid, EaxBits) {
  const std::tuple<unsigned, const char *> expected[] = {
      {0, "SME"}, {1, "SEV"}, {3, "SEV-ES"}, {4, "SEV-SNP"}, {5, "VMPL"}, {28, "SVSM"},
  };
  auto bits = svsm::cpuid_8000001f_eax_bits();
  for (const auto &[bit, name] : expected) {
    bool found = false;
    for (const auto &b : bits)
      if (b.bit == bit) {
        EXPECT_EQ(b.name, name);
        found = true;
      }
    EXPECT_TRUE(found) << name;
  }
  std::set<unsigned> seen;
  for (const auto &b : bits) {
    EXPECT_LT(b.bit, 32u);
    EXPECT_TRUE(seen.insert(b.bit).second) << "duplicate bit " << b.bit;
    EXPECT_FALSE(b.meaning.empty());
  }
  for (const auto &b : bits) {
    if (b.bit == 5) {
      EXPECT_EQ(b.meaning, "VMPLs supported");
    } else if (b.bit == 28) {
      EXPECT_EQ(b.meaning, "SVSM present (set by the Linux guest in its CPUID table)");
    }
  }

  // SME, SEV, SEV-ES, SEV-SNP, VMPL, SVSM.
  auto set = svsm::decode_cpuid_8000001f_eax(0x1000003b);
  std::vector<std::string> names;
  for (const auto &b : set) names.emplace_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"SME", "SEV", "SEV-ES", "SEV-SNP", "VMPL", "SVSM"}));
}

TEST(Cpuid, Fields) {
  // Typical EPYC Milan host: C-bit 51, 1 bit of physical address reduction,
  // 4 VMPLs, 509 guests, min SEV ASID 1.
  svsm::Cpuid8000001f c{0x0101fd3f, 0x00004073, 509, 1};
  EXPECT_EQ(c.cbit(), 51u);
  EXPECT_EQ(c.phys_addr_reduction(), 1u);
  EXPECT_EQ(c.num_vmpls(), 4u);
  EXPECT_EQ(c.num_encrypted_guests(), 509u);
  EXPECT_EQ(c.min_sev_no_es_asid(), 1u);
  EXPECT_TRUE(c.has(4));
  EXPECT_TRUE(c.has(5));
  EXPECT_FALSE(c.has(28));
  EXPECT_FALSE(c.has(32));

  svsm::Cpuid8000001f all{0, 0xffffffff, 0, 0};
  EXPECT_EQ(all.cbit(), 63u);
  EXPECT_EQ(all.phys_addr_reduction(), 63u);
  EXPECT_EQ(all.num_vmpls(), 15u);
}

}  // namespace
