// SPDX-License-Identifier: GPL-2.0-only
// GUIDs, hashing and the attestation parsers, on hand-built byte arrays.
// Expected values: NIST FIPS 180 examples for SHA-512, the GUID byte order
// of EFI/Linux/COCONUT, and the layouts in shared/reference/svsm-protocol.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "svsm/attestation.hpp"
#include "svsm/guid.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes FromString(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

void PutLe32(Bytes &b, std::size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

void PutLe64(Bytes &b, std::size_t off, uint64_t v) {
  for (int i = 0; i < 8; i++) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// One 24-byte GUID table entry {GUID (memory order), u32, u32}.
void AppendEntry(Bytes &b, const svsm::Guid &g, uint32_t a, uint32_t c) {
  auto le = g.le_bytes();
  b.insert(b.end(), le.begin(), le.end());
  b.resize(b.size() + 8);
  PutLe32(b, b.size() - 8, a);
  PutLe32(b, b.size() - 4, c);
}

template <typename F>
std::string ParseErrorOf(F &&f) {
  try {
    f();
  } catch (const svsm::ParseError &e) {
    return e.what();
  }
  ADD_FAILURE() << "no ParseError thrown";
  return {};
}

// ---------------------------------------------------------------- SHA-512

TEST(Sha512, NistVectors) {
  // FIPS 180-2 appendix C.1: "abc".
  EXPECT_EQ(svsm::to_hex(svsm::sha512(FromString("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  // Empty message.
  EXPECT_EQ(svsm::to_hex(svsm::sha512({})),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  // FIPS 180-2 appendix C.2: the 896-bit two-block message.
  EXPECT_EQ(svsm::to_hex(svsm::sha512(
                FromString("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                           "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"))),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(Sha512, ConcatIsHashOfConcatenation) {
  EXPECT_EQ(svsm::sha512_concat(FromString("ab"), FromString("c")),
            svsm::sha512(FromString("abc")));
  EXPECT_EQ(svsm::sha512_concat({}, FromString("abc")), svsm::sha512(FromString("abc")));
  EXPECT_EQ(svsm::sha512_concat(FromString("abc"), {}), svsm::sha512(FromString("abc")));
  Bytes nonce(64, 0x5a), manifest = FromString("manifest");
  Bytes both = nonce;
  both.insert(both.end(), manifest.begin(), manifest.end());
  EXPECT_EQ(svsm::sha512_concat(nonce, manifest), svsm::sha512(both));
}

// ---------------------------------------------------------------- GUID

TEST(Guid, ParseAndByteOrder) {
  auto g = svsm::Guid::parse("c476f1eb-0123-45a5-9641-b4e7dde5bfe3");
  ASSERT_TRUE(g);
  const uint8_t expected[16] = {0xeb, 0xf1, 0x76, 0xc4, 0x23, 0x01, 0xa5, 0x45,
                                0x96, 0x41, 0xb4, 0xe7, 0xdd, 0xe5, 0xbf, 0xe3};
  auto le = g->le_bytes();
  EXPECT_EQ(Bytes(le.begin(), le.end()), Bytes(std::begin(expected), std::end(expected)));
  EXPECT_EQ(g->to_string(), "c476f1eb-0123-45a5-9641-b4e7dde5bfe3");
  EXPECT_EQ(svsm::Guid::from_le_bytes(expected), *g);
  EXPECT_EQ(*g, svsm::kVtpmServiceGuid);

  // Manifest GUID, as the emulated SVSM and COCONUT write it.
  const uint8_t manifest[16] = {0xbb, 0x9e, 0x84, 0x63, 0x92, 0x3d, 0x70, 0x46,
                                0xa1, 0xff, 0x58, 0xf9, 0xc9, 0x4b, 0x87, 0xbb};
  EXPECT_EQ(svsm::Guid::from_le_bytes(manifest), svsm::kServicesManifestGuid);
  // VCEK, as in the GHCB spec certificate table.
  const uint8_t vcek[16] = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
                            0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
  EXPECT_EQ(svsm::Guid::from_le_bytes(vcek), svsm::kVcekGuid);
  EXPECT_EQ(svsm::kVcekGuid.to_string(), "63da758d-e664-4564-adc5-f4b93be8accd");
}

TEST(Guid, ParseForms) {
  auto canonical = svsm::Guid::parse("c476f1eb-0123-45a5-9641-b4e7dde5bfe3");
  EXPECT_EQ(svsm::Guid::parse("C476F1EB-0123-45A5-9641-B4E7DDE5BFE3"), canonical);
  EXPECT_EQ(svsm::Guid::parse("{c476f1eb-0123-45a5-9641-b4e7dde5bfe3}"), canonical);
  EXPECT_EQ(svsm::Guid::parse("{C476f1eb-0123-45a5-9641-b4e7dde5bfE3}"), canonical);

  for (const char *bad : {
           "",
           "c476f1eb-0123-45a5-9641-b4e7dde5bfe",     // short
           "c476f1eb-0123-45a5-9641-b4e7dde5bfe33",   // long
           "c476f1eb0123-45a5-9641-b4e7dde5bfe3-",    // dash misplaced
           "c476f1eb-0123-45a5-9641_b4e7dde5bfe3",    // wrong separator
           "c476f1eg-0123-45a5-9641-b4e7dde5bfe3",    // not hex
           "c476f1eb-0123-45a5-9641-b4e7dde5bfe3}",   // one brace
           "{c476f1eb-0123-45a5-9641-b4e7dde5bfe3",   // one brace
           "(c476f1eb-0123-45a5-9641-b4e7dde5bfe3)",  // wrong brackets
           " c476f1eb-0123-45a5-9641-b4e7dde5bfe3",   // space
           "c476f1ebx0123x45a5x9641xb4e7dde5bfe3",    // no dashes
           "+476f1eb-0123-45a5-9641-b4e7dde5bfe3",
       }) {
    EXPECT_EQ(svsm::Guid::parse(bad), std::nullopt) << bad;
  }
}

TEST(Guid, NullAndNames) {
  svsm::Guid null;
  EXPECT_TRUE(null.is_null());
  EXPECT_EQ(null.to_string(), "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(svsm::Guid::parse("00000000-0000-0000-0000-000000000000"), null);
  EXPECT_FALSE(svsm::kVtpmServiceGuid.is_null());
  EXPECT_NE(null, svsm::kVtpmServiceGuid);

  const std::pair<const char *, const char *> known[] = {
      {"63849ebb-3d92-4670-a1ff-58f9c94b87bb", "services-manifest"},
      {"c476f1eb-0123-45a5-9641-b4e7dde5bfe3", "vtpm"},
      {"a4453a59-9e1b-4787-a033-1986d6adbe55", "uefi-mm"},
      {"63da758d-e664-4564-adc5-f4b93be8accd", "vcek"},
      {"a8074bc2-a25a-483e-aae6-39c045a0b8a1", "vlek"},
      {"4ab7b379-bbac-4fe4-a02f-05aef327c782", "ask"},
      {"c0b406a4-a803-4952-9743-3fb6014cd0ae", "ark"},
  };
  for (const auto &[text, name] : known) {
    auto g = svsm::Guid::parse(text);
    ASSERT_TRUE(g) << text;
    EXPECT_EQ(g->to_string(), text);
    EXPECT_EQ(svsm::guid_name(*g), name);
    EXPECT_EQ(svsm::guid_by_name(name), g);
  }
  EXPECT_EQ(svsm::guid_name(null), "");
  EXPECT_EQ(svsm::guid_by_name("VTPM"), svsm::kVtpmServiceGuid);
  EXPECT_EQ(svsm::guid_by_name("nope"), std::nullopt);

  // Round trip of a GUID with every nibble distinct.
  auto g = svsm::Guid::parse("00112233-4455-6677-8899-aabbccddeeff");
  ASSERT_TRUE(g);
  auto le = g->le_bytes();
  EXPECT_EQ(svsm::to_hex(le), "33221100554477668899aabbccddeeff");
  EXPECT_EQ(svsm::Guid::from_le_bytes(le).to_string(), "00112233-4455-6677-8899-aabbccddeeff");
}

// ---------------------------------------------------------------- hex

TEST(Hex, RoundTrip) {
  EXPECT_EQ(svsm::to_hex(Bytes{}), "");
  EXPECT_EQ(svsm::to_hex(Bytes{0x00, 0x7f, 0x80, 0xff}), "007f80ff");
  EXPECT_EQ(svsm::from_hex("007f80ff"), (Bytes{0x00, 0x7f, 0x80, 0xff}));
  EXPECT_EQ(svsm::from_hex("0x007F80FF"), (Bytes{0x00, 0x7f, 0x80, 0xff}));
  EXPECT_EQ(svsm::from_hex("0XaB"), (Bytes{0xab}));
  EXPECT_EQ(svsm::from_hex(""), Bytes{});
  for (const char *bad : {"0", "abc", "0x", "0xa", "zz", "00 11", " 00", "0x0x00", "-1", "g0"})
    EXPECT_EQ(svsm::from_hex(bad), std::nullopt) << bad;
}

// ---------------------------------------------------------------- services manifest

// Two services, laid out as COCONUT's GuidTable does:
//   0x00 header {manifest GUID, 0x58, 2}
//   0x18 vTPM   {0x48, 5}
//   0x30 UEFI   {0x4d, 11}
//   0x48 "EKPUB" 0x4d "uefi-varstore" (11 bytes: "uefi-varsto")
Bytes TwoServiceManifest() {
  Bytes b;
  AppendEntry(b, svsm::kServicesManifestGuid, 0x58, 2);
  AppendEntry(b, svsm::kVtpmServiceGuid, 0x48, 5);
  AppendEntry(b, svsm::kUefiMmServiceGuid, 0x4d, 11);
  for (char c : std::string_view("EKPUBuefi-varsto")) b.push_back(static_cast<uint8_t>(c));
  EXPECT_EQ(b.size(), 0x58u);
  return b;
}

std::string AsString(std::span<const uint8_t> s) {
  return std::string(s.begin(), s.end());
}

TEST(ServicesManifest, Parses) {
  Bytes b = TwoServiceManifest();
  auto m = svsm::parse_services_manifest(b);
  EXPECT_EQ(m.guid, svsm::kServicesManifestGuid);
  EXPECT_EQ(m.total_length, 0x58u);
  EXPECT_EQ(m.trailing_bytes, 0u);
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0].guid, svsm::kVtpmServiceGuid);
  EXPECT_EQ(m.entries[0].offset, 0x48u);
  EXPECT_EQ(m.entries[0].length, 5u);
  EXPECT_EQ(AsString(m.entries[0].data), "EKPUB");
  EXPECT_EQ(m.entries[0].data.data(), b.data() + 0x48);  // a view, not a copy
  EXPECT_EQ(m.entries[1].guid, svsm::kUefiMmServiceGuid);
  EXPECT_EQ(AsString(m.entries[1].data), "uefi-varsto");
  ASSERT_NE(m.find(svsm::kVtpmServiceGuid), nullptr);
  EXPECT_EQ(m.find(svsm::kVtpmServiceGuid)->length, 5u);
  EXPECT_EQ(m.find(svsm::kVcekGuid), nullptr);
}

TEST(ServicesManifest, EmptyTableAndEmptyEntries) {
  Bytes empty;
  AppendEntry(empty, svsm::kServicesManifestGuid, 24, 0);
  auto m = svsm::parse_services_manifest(empty);
  EXPECT_EQ(m.total_length, 24u);
  EXPECT_TRUE(m.entries.empty());

  // A service without data: length 0 at the end of the table (COCONUT).
  Bytes b;
  AppendEntry(b, svsm::kServicesManifestGuid, 48, 1);
  AppendEntry(b, svsm::kVtpmServiceGuid, 48, 0);
  auto one = svsm::parse_services_manifest(b);
  ASSERT_EQ(one.entries.size(), 1u);
  EXPECT_TRUE(one.entries[0].data.empty());
}

TEST(ServicesManifest, TrailingBytesAreAllowedAndCounted) {
  Bytes b = TwoServiceManifest();
  b.resize(0x1000, 0xcc);  // page-sized buffer
  auto m = svsm::parse_services_manifest(b);
  EXPECT_EQ(m.total_length, 0x58u);
  EXPECT_EQ(m.trailing_bytes, 0x1000u - 0x58u);
  EXPECT_EQ(m.entries.size(), 2u);
}

TEST(ServicesManifest, TruncatedHeader) {
  Bytes b = TwoServiceManifest();
  for (std::size_t n : {0u, 1u, 16u, 23u}) {
    auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(std::span(b).first(n)); });
    EXPECT_NE(msg.find("shorter than the 0x18-byte header"), std::string::npos) << msg;
  }
}

TEST(ServicesManifest, WrongGuid) {
  Bytes b = TwoServiceManifest();
  b[0] ^= 1;
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("header GUID"), std::string::npos) << msg;
  EXPECT_NE(msg.find("63849ebb-3d92-4670-a1ff-58f9c94b87bb"), std::string::npos) << msg;

  // The vTPM GUID in the header: named in the message.
  Bytes v;
  AppendEntry(v, svsm::kVtpmServiceGuid, 24, 0);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(v); });
  EXPECT_NE(msg.find("(vtpm)"), std::string::npos) << msg;
}

TEST(ServicesManifest, TotalLengthPastBuffer) {
  Bytes b = TwoServiceManifest();
  PutLe32(b, 16, 0x59);
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("total length of 0x59"), std::string::npos) << msg;
  // Truncated data: the header still claims 0x58 bytes.
  b = TwoServiceManifest();
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(std::span(b).first(0x50)); });
  EXPECT_NE(msg.find("0x50 bytes are present"), std::string::npos) << msg;
}

TEST(ServicesManifest, CountOverflow) {
  Bytes b = TwoServiceManifest();
  // Beyond the cap.
  PutLe32(b, 20, 1025);
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry count 1025 exceeds the limit of 1024"), std::string::npos) << msg;
  // A count whose 24-byte multiple would overflow 32 bits.
  PutLe32(b, 20, 0xffffffff);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("exceeds the limit"), std::string::npos) << msg;
  // Within the cap but more entries than the table holds: 3 entries need 0x60.
  b = TwoServiceManifest();
  PutLe32(b, 20, 3);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(
      msg.find("3 entries need a 0x60-byte header and entry list but the table is 0x58 bytes"),
      std::string::npos)
      << msg;
  // Total length shorter than the header itself.
  b = TwoServiceManifest();
  PutLe32(b, 16, 8);
  PutLe32(b, 20, 0);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("the table is 0x8 bytes"), std::string::npos) << msg;
}

TEST(ServicesManifest, EntryPastEnd) {
  Bytes b = TwoServiceManifest();
  PutLe32(b, 0x30 + 20, 12);  // UEFI entry: [0x4d, 0x59) past 0x58
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 1 data [0x4d, 0x59) runs past the 0x58-byte table"), std::string::npos)
      << msg;

  b = TwoServiceManifest();
  PutLe32(b, 0x18 + 16, 0x59);  // vTPM offset past the end, length 5
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 0 data [0x59, 0x5e) runs past"), std::string::npos) << msg;

  // Data inside the buffer but past total_length (in the trailing bytes).
  b = TwoServiceManifest();
  b.resize(0x100);
  PutLe32(b, 0x18 + 16, 0x80);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("runs past the 0x58-byte table"), std::string::npos) << msg;
}

TEST(ServicesManifest, OffsetPlusLengthOverflow) {
  Bytes b = TwoServiceManifest();
  PutLe32(b, 0x18 + 16, 0xfffffff0);
  PutLe32(b, 0x18 + 20, 0x20);  // wraps to 0x10 in 32 bits
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 0 data [0xfffffff0, 0x100000010) runs past"), std::string::npos) << msg;

  b = TwoServiceManifest();
  PutLe32(b, 0x30 + 16, 0x50);
  PutLe32(b, 0x30 + 20, 0xffffffff);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 1 data [0x50, 0x10000004f) runs past"), std::string::npos) << msg;
}

TEST(ServicesManifest, DataOverlappingHeader) {
  Bytes b = TwoServiceManifest();
  PutLe32(b, 0x18 + 16, 0x10);  // vTPM data [0x10, 0x15) inside the header
  auto msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 0 data [0x10, 0x15) overlaps the 0x48-byte header and entry list"),
            std::string::npos)
      << msg;
  b = TwoServiceManifest();
  PutLe32(b, 0x18 + 16, 0x20);
  PutLe32(b, 0x18 + 20, 0);
  msg = ParseErrorOf([&] { (void)svsm::parse_services_manifest(b); });
  EXPECT_NE(msg.find("entry 0 offset 0x20 points into"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- certificate table

// VCEK and ASK entries, a terminator, then the data: the layout of a
// GHCB extended-report certificate blob.
Bytes CertTable() {
  Bytes b;
  AppendEntry(b, svsm::kVcekGuid, 0x48, 4);
  AppendEntry(b, svsm::kAskGuid, 0x4c, 3);
  AppendEntry(b, svsm::Guid{}, 0, 0);
  for (char c : std::string_view("VCEKASK")) b.push_back(static_cast<uint8_t>(c));
  return b;
}

TEST(CertTable, Parses) {
  Bytes b = CertTable();
  auto certs = svsm::parse_cert_table(b);
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[0].guid, svsm::kVcekGuid);
  EXPECT_EQ(certs[0].offset, 0x48u);
  EXPECT_EQ(certs[0].length, 4u);
  EXPECT_EQ(AsString(certs[0].data), "VCEK");
  EXPECT_EQ(certs[1].guid, svsm::kAskGuid);
  EXPECT_EQ(AsString(certs[1].data), "ASK");

  // Padding after the data is fine (certificate buffers are page sized).
  b.resize(0x4000, 0);
  EXPECT_EQ(svsm::parse_cert_table(b).size(), 2u);
}

TEST(CertTable, EmptyAndTerminatorOnly) {
  EXPECT_TRUE(svsm::parse_cert_table({}).empty());
  Bytes t(24, 0);
  EXPECT_TRUE(svsm::parse_cert_table(t).empty());
  Bytes page(4096, 0);
  EXPECT_TRUE(svsm::parse_cert_table(page).empty());
}

TEST(CertTable, MissingTerminator) {
  Bytes b;
  AppendEntry(b, svsm::kVcekGuid, 0x18, 0);
  auto msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(b); });
  EXPECT_NE(msg.find("no all-zero terminator entry in 0x18 bytes (1 entry read)"),
            std::string::npos)
      << msg;

  // Terminator cut short.
  b = CertTable();
  msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(std::span(b).first(0x40)); });
  EXPECT_NE(msg.find("no all-zero terminator"), std::string::npos) << msg;

  // Less than one entry.
  Bytes small(10, 0);
  msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(small); });
  EXPECT_NE(msg.find("no all-zero terminator entry in 0xa bytes (0 entries read)"),
            std::string::npos)
      << msg;
}

TEST(CertTable, NullGuidWithData) {
  Bytes b = CertTable();
  std::memset(b.data() + 24, 0, 16);  // ASK entry: null GUID, offset/length kept
  auto msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(b); });
  EXPECT_NE(msg.find("entry 1 has a null GUID"), std::string::npos) << msg;
}

TEST(CertTable, EntryPastEnd) {
  Bytes b = CertTable();
  PutLe32(b, 24 + 20, 4);  // ASK [0x4c, 0x50) past the 0x4f-byte buffer
  auto msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(b); });
  EXPECT_NE(
      msg.find(
          "entry 1 (4ab7b379-bbac-4fe4-a02f-05aef327c782 (ask)) data [0x4c, 0x50) runs past the "
          "0x4f-byte buffer"),
      std::string::npos)
      << msg;
}

TEST(CertTable, OffsetPlusLengthOverflow) {
  Bytes b = CertTable();
  PutLe32(b, 16, 0xffffffff);
  PutLe32(b, 20, 2);  // wraps to 1 in 32 bits
  auto msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(b); });
  EXPECT_NE(msg.find("data [0xffffffff, 0x100000001) runs past"), std::string::npos) << msg;
}

TEST(CertTable, DataOverlappingEntries) {
  Bytes b = CertTable();
  PutLe32(b, 16, 0x30);  // VCEK data inside the terminator
  auto msg = ParseErrorOf([&] { (void)svsm::parse_cert_table(b); });
  EXPECT_NE(
      msg.find(
          "entry 0 (63da758d-e664-4564-adc5-f4b93be8accd (vcek)) data [0x30, 0x34) overlaps the "
          "0x48-byte entry table"),
      std::string::npos)
      << msg;
}

// ---------------------------------------------------------------- robustness

// Every truncation and every single-byte change of a valid table either
// parses or throws ParseError, and whatever parses stays inside the buffer.
template <typename Parse>
void Torture(const Bytes &valid, Parse parse) {
  auto check = [&](const Bytes &b) {
    try {
      for (const auto &e : parse(b)) {
        ASSERT_GE(e.data.data(), b.data());
        ASSERT_LE(e.data.data() + e.data.size(), b.data() + b.size());
      }
    } catch (const svsm::ParseError &) {
    }
  };
  for (std::size_t n = 0; n <= valid.size(); n++) check(Bytes(valid.begin(), valid.begin() + n));
  for (std::size_t i = 0; i < valid.size(); i++) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      Bytes b = valid;
      b[i] = v;
      check(b);
    }
  }
}

TEST(Robustness, ManifestMutations) {
  Torture(TwoServiceManifest(),
          [](const Bytes &b) { return svsm::parse_services_manifest(b).entries; });
}

TEST(Robustness, CertTableMutations) {
  Torture(CertTable(), [](const Bytes &b) { return svsm::parse_cert_table(b); });
}

// ---------------------------------------------------------------- SNP report

Bytes Report() {
  Bytes r(0x4a0, 0);
  PutLe32(r, 0x000, 2);        // VERSION
  PutLe32(r, 0x004, 7);        // GUEST_SVN
  PutLe64(r, 0x008, 0x30000);  // POLICY
  PutLe32(r, 0x030, 0);        // VMPL
  PutLe32(r, 0x034, 1);        // SIGNATURE_ALGO: ECDSA P-384 with SHA-384
  for (int i = 0; i < 64; i++) r[0x050 + i] = static_cast<uint8_t>(0x80 + i);  // REPORT_DATA
  for (int i = 0; i < 48; i++) r[0x090 + i] = static_cast<uint8_t>(i);         // MEASUREMENT
  for (int i = 0; i < 32; i++) r[0x0c0 + i] = static_cast<uint8_t>(0xc0 + i);  // HOST_DATA
  for (int i = 0; i < 32; i++) r[0x140 + i] = static_cast<uint8_t>(0x40 + i);  // REPORT_ID
  for (int i = 0; i < 64; i++) r[0x1a0 + i] = static_cast<uint8_t>(0xa0 + i);  // CHIP_ID
  r[0x2a0] = 0x01;                                                             // SIGNATURE
  r[0x49f] = 0x02;
  return r;
}

TEST(SnpReport, Parses) {
  Bytes b = Report();
  auto r = svsm::parse_snp_report(b);
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.guest_svn, 7u);
  EXPECT_EQ(r.policy, 0x30000u);
  EXPECT_EQ(r.vmpl, 0u);
  EXPECT_EQ(r.signature_algo, 1u);
  for (int i = 0; i < 64; i++) EXPECT_EQ(r.report_data[i], 0x80 + i);
  for (int i = 0; i < 48; i++) EXPECT_EQ(r.measurement[i], i);
  for (int i = 0; i < 32; i++) EXPECT_EQ(r.host_data[i], 0xc0 + i);
  for (int i = 0; i < 32; i++) EXPECT_EQ(r.report_id[i], 0x40 + i);
  for (int i = 0; i < 64; i++) EXPECT_EQ(r.chip_id[i], 0xa0 + i);
  EXPECT_EQ(r.signature[0], 0x01);
  EXPECT_EQ(r.signature[511], 0x02);
  EXPECT_TRUE(r.signed_());
  EXPECT_FALSE(r.emulated());

  // A larger buffer is fine.
  b.resize(0x1000, 0xee);
  EXPECT_EQ(svsm::parse_snp_report(b).guest_svn, 7u);
}

TEST(SnpReport, PolicyAndVmplAreLittleEndian) {
  Bytes b = Report();
  PutLe64(b, 0x008, 0x0102030405060708ULL);
  PutLe32(b, 0x030, 3);
  auto r = svsm::parse_snp_report(b);
  EXPECT_EQ(r.policy, 0x0102030405060708ULL);
  EXPECT_EQ(r.vmpl, 3u);
}

TEST(SnpReport, TooShort) {
  Bytes b = Report();
  auto msg = ParseErrorOf([&] { (void)svsm::parse_snp_report(std::span(b).first(0x49f)); });
  EXPECT_NE(msg.find("0x49f bytes is shorter than the 0x4a0-byte"), std::string::npos) << msg;
  msg = ParseErrorOf([&] { (void)svsm::parse_snp_report({}); });
  EXPECT_NE(msg.find("0x0 bytes"), std::string::npos) << msg;
}

TEST(SnpReport, SignedAndEmulated) {
  Bytes b = Report();
  PutLe32(b, 0x034, 0);  // no algorithm
  EXPECT_FALSE(svsm::parse_snp_report(b).signed_());

  b = Report();
  std::fill(b.begin() + 0x2a0, b.end(), 0);  // zero signature
  EXPECT_FALSE(svsm::parse_snp_report(b).signed_());

  // The emulated SVSM's report: unsigned, CHIP_ID marker.
  b = Report();
  PutLe32(b, 0x034, 0);
  std::fill(b.begin() + 0x2a0, b.end(), 0);
  std::fill(b.begin() + 0x1a0, b.begin() + 0x1e0, 0);
  const char marker[] = "EMULATED SVSM REPORT - UNSIGNED - NOT FROM AMD HARDWARE";
  std::memcpy(b.data() + 0x1a0, marker, sizeof(marker) - 1);
  auto r = svsm::parse_snp_report(b);
  EXPECT_TRUE(r.emulated());
  EXPECT_FALSE(r.signed_());

  // Only a prefix of the marker is not enough.
  b[0x1a0 + 19] = 'X';  // "EMULATED SVSM REPOR" + 'X'
  EXPECT_FALSE(svsm::parse_snp_report(b).emulated());
}

TEST(SnpReport, BindsNonceAndManifest) {
  Bytes nonce(64, 0x11);
  Bytes manifest = TwoServiceManifest();
  Bytes b = Report();
  auto digest = svsm::sha512_concat(nonce, manifest);
  std::copy(digest.begin(), digest.end(), b.begin() + 0x50);
  auto r = svsm::parse_snp_report(b);
  EXPECT_TRUE(svsm::report_binds(r, nonce, manifest));
  nonce[0] ^= 1;
  EXPECT_FALSE(svsm::report_binds(r, nonce, manifest));
}

}  // namespace
