// SPDX-License-Identifier: GPL-2.0-only
// Verification of SNP evidence (lib/src/verify.cpp) against a chain made at
// test time with OpenSSL: ARK -> ASK -> VCEK, all P-384, the VCEK with AMD's
// TCB and hwID extensions. The report comes from the userspace build of the
// emulated SVSM (an ATTEST_SERVICES call) and is then signed here the way
// the PSP signs: ECDSA P-384/SHA-384 over bytes [0, 0x2A0), r and s
// little-endian in 72-byte fields.
//
// No real AMD-signed report is used: the project commits nothing fetched.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "emu_fixture.hpp"
#include "svsm/attestation.hpp"
#include "svsm/verify.hpp"

namespace emu_test {
namespace {

using Buf = std::vector<uint8_t>;

struct PkeyFree {
  void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509 *p) const { X509_free(p); }
};
using Key = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;

Key NewKey() {
  return Key(EVP_EC_gen("P-384"), PkeyFree());
}

Buf Der(const Cert &c) {
  unsigned char *p = nullptr;
  int n = i2d_X509(c.get(), &p);
  Buf out(p, p + n);
  OPENSSL_free(p);
  return out;
}

void AddExt(X509 *x, const char *oid, const Buf &value) {
  ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, value.data(), static_cast<int>(value.size()));
  X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, os);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
}

Buf DerInt(uint8_t v) {
  return v < 0x80 ? Buf{0x02, 0x01, v} : Buf{0x02, 0x02, 0x00, v};
}

struct VcekExt {
  svsm::Tcb tcb;
  Buf hwid;
  std::string product = "Genoa-B1";
};

// issuer == nullptr: self-signed with key.
Cert MakeCert(const char *cn, const Key &key, const Cert &issuer, const Key &issuer_key,
              const VcekExt *vcek = nullptr, long valid_from = -3600) {
  Cert x(X509_new(), X509Free());
  X509_set_version(x.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), valid_from);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME *name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char *>("svsmctl test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer.get()) : name);
  if (vcek) {
    Buf prod = {0x16, static_cast<uint8_t>(vcek->product.size())};
    prod.insert(prod.end(), vcek->product.begin(), vcek->product.end());
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.2", prod);
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.3.1", DerInt(vcek->tcb.bootloader));
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.3.2", DerInt(vcek->tcb.tee));
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.3.3", DerInt(vcek->tcb.snp));
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.3.8", DerInt(vcek->tcb.microcode));
    if (vcek->tcb.fmc) AddExt(x.get(), "1.3.6.1.4.1.3704.1.3.9", DerInt(*vcek->tcb.fmc));
    AddExt(x.get(), "1.3.6.1.4.1.3704.1.4", vcek->hwid);
  }
  EXPECT_GT(X509_sign(x.get(), (issuer ? issuer_key : key).get(), EVP_sha384()), 0);
  return x;
}

std::array<uint8_t, 32> SpkiSha256(const Cert &c) {
  unsigned char *der = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(c.get()), &der);
  std::array<uint8_t, 32> out{};
  unsigned n = 0;
  EVP_Digest(der, static_cast<size_t>(len), out.data(), &n, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return out;
}

// Sign report[0, 0x2A0) as the PSP does.
void SignReport(Buf &report, const Key &key) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, key.get()), 1);
  size_t len = 0;
  ASSERT_EQ(EVP_DigestSign(ctx, nullptr, &len, report.data(), 0x2a0), 1);
  Buf der(len);
  ASSERT_EQ(EVP_DigestSign(ctx, der.data(), &len, report.data(), 0x2a0), 1);
  EVP_MD_CTX_free(ctx);
  const unsigned char *p = der.data();
  ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  ASSERT_NE(sig, nullptr);
  std::fill(report.begin() + 0x2a0, report.end(), 0);
  BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), report.data() + 0x2a0, 72);
  BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), report.data() + 0x2a0 + 72, 72);
  ECDSA_SIG_free(sig);
}

void PutBuf(Buf &b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Genoa layout: bl byte 0, tee byte 1, snp byte 6, microcode byte 7.
constexpr uint64_t kTcbRaw = 0xd2'15'0000'0000'00'07;  // ucode 0xd2, snp 0x15, tee 0, bl 7
const svsm::Tcb kTcb{std::nullopt, 7, 0, 0x15, 0xd2};

constexpr uint64_t kOp = kCpuCa[0] + SVSM_CA_BUFFER;
constexpr uint64_t kNonce = kScratch + 0x100;
constexpr uint64_t kReport = kScratch + 0x1000;
constexpr uint64_t kManifest = kScratch + 0x2000;

// The chain, made once: key generation is the slow part.
struct Chain {
  Key ark_key = NewKey(), ask_key = NewKey(), vcek_key = NewKey();
  Buf hwid = Buf(64);
  Cert ark, ask, vcek;
  Chain() {
    for (int i = 0; i < 64; i++) hwid[i] = static_cast<uint8_t>(0xc0 ^ i);
    ark = MakeCert("ARK-Genoa", ark_key, nullptr, nullptr);
    ask = MakeCert("SEV-Genoa", ask_key, ark, ark_key);
    VcekExt ext{kTcb, hwid};
    vcek = MakeCert("SEV-VCEK", vcek_key, ask, ask_key, &ext);
  }
};

const Chain &TheChain() {
  static const Chain chain;
  return chain;
}

class VerifyTest : public EmuTest {
 protected:
  Buf report, manifest, nonce;
  const Chain &chain = TheChain();
  std::vector<svsm::TrustedRoot> roots;

  void SetUp() override {
    EmuTest::SetUp();
    for (int i = 0; i < 64; i++) Put8(kNonce + i, static_cast<uint8_t>(0x30 + i));
    // ATTEST_SERVICES on the emulated SVSM.
    Fill(kOp, SVSM_ATTEST_SERVICES_OP_SIZE, 0);
    Put64(kOp + SVSM_ATTEST_OP_REPORT_GPA, kReport);
    Put32(kOp + SVSM_ATTEST_OP_REPORT_LEN, kPage);
    Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, kNonce);
    Put16(kOp + SVSM_ATTEST_OP_NONCE_LEN, 64);
    Put64(kOp + SVSM_ATTEST_OP_MANIFEST_GPA, kManifest);
    Put32(kOp + SVSM_ATTEST_OP_MANIFEST_LEN, kPage);
    Result r = Call(0, SVSM_RAX(SVSM_PROTOCOL_ATTEST, SVSM_ATTEST_SERVICES), kOp);
    ASSERT_EQ(r.rax, 0u);
    report = Bytes(kReport, SNP_REPORT_SIZE);
    manifest = Bytes(kManifest, r.rcx);
    nonce = Bytes(kNonce, 64);
    roots = {{svsm::Product::genoa, SpkiSha256(chain.ark)}};
  }

  // What the PSP would put in: a version 3 report from a Genoa chip, signed
  // by the VCEK (SIGNING_KEY 0), with its TCB and CHIP_ID.
  void MakeSigned(const Key *key = nullptr) {
    PutBuf(report, 0x00, 3, 4);
    PutBuf(report, 0x34, 1, 4);
    PutBuf(report, 0x38, kTcbRaw, 8);
    PutBuf(report, 0x180, kTcbRaw, 8);
    report[0x188] = 0x19;  // family
    report[0x189] = 0x11;  // model: Genoa
    report[0x18a] = 0x01;
    std::copy(chain.hwid.begin(), chain.hwid.end(), report.begin() + 0x1a0);
    SignReport(report, key ? *key : chain.vcek_key);
  }

  svsm::CertSet Certs() const {
    svsm::CertSet s;
    s.vcek = {Der(chain.vcek), "vcek"};
    s.ask = {Der(chain.ask), "ask"};
    s.ark = {Der(chain.ark), "ark"};
    return s;
  }

  svsm::Verification Verify(const svsm::CertSet &certs, svsm::Expectations expect = {}) {
    svsm::VerifyInput in;
    in.report = report;
    in.nonce = std::span<const uint8_t>(nonce);
    in.manifest = std::span<const uint8_t>(manifest);
    in.certs = certs;
    in.expect = expect;
    in.roots = roots;
    return svsm::verify_evidence(in);
  }
  svsm::Verification Verify() { return Verify(Certs()); }
};

const svsm::Check &Get(const svsm::Verification &v, std::string_view name) {
  for (const auto &c : v.checks)
    if (c.name == name) return c;
  static const svsm::Check none{"(missing)", svsm::Outcome::skipped, "no such check"};
  ADD_FAILURE() << "no check " << name;
  return none;
}

std::string Dump(const svsm::Verification &v) {
  std::string s = std::string(svsm::evidence_verdict_name(v.verdict)) + ": " + v.summary + "\n";
  for (const auto &c : v.checks)
    s += "  " + std::string(svsm::outcome_name(c.outcome)) + " " + c.name + " " + c.detail + "\n";
  return s;
}

TEST_F(VerifyTest, ValidSignedReportIsVerified) {
  MakeSigned();
  auto v = Verify();
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::verified) << Dump(v);
  EXPECT_EQ(v.product, svsm::Product::genoa);
  for (const char *name :
       {"report", "report_data", "vmpl", "signature", "chain", "ark", "tcb", "hwid"})
    EXPECT_EQ(Get(v, name).outcome, svsm::Outcome::pass) << name << "\n" << Dump(v);
  EXPECT_EQ(v.summary, "verified (Genoa, VCEK)");
}

TEST_F(VerifyTest, EmulatedReportIsUnsignedNeverVerified) {
  auto v = Verify(svsm::certs_from_table({}));
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::unsigned_) << Dump(v);
  EXPECT_TRUE(v.emulated);
  EXPECT_EQ(v.summary, "unsigned (emulated SVSM): nothing verified");
  EXPECT_EQ(Get(v, "report_data").outcome, svsm::Outcome::pass);
  EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::skipped);
  EXPECT_EQ(Get(v, "signature").detail, "unsigned (emulated SVSM)");
}

TEST_F(VerifyTest, EachFieldFlippedFailsTheSignature) {
  MakeSigned();
  // Every field of the signed part (ABI table "ATTESTATION_REPORT"),
  // reserved ranges included: the signature covers them all.
  const std::pair<size_t, size_t> fields[] = {
      {0x00, 4},  {0x04, 4},    {0x08, 8},   {0x10, 16},  {0x20, 16}, {0x30, 4},  {0x34, 4},
      {0x38, 8},  {0x40, 8},    {0x48, 4},   {0x4c, 4},   {0x50, 64}, {0x90, 48}, {0xc0, 32},
      {0xe0, 48}, {0x110, 48},  {0x140, 32}, {0x160, 32}, {0x180, 8}, {0x188, 1}, {0x189, 1},
      {0x18a, 1}, {0x18b, 21},  {0x1a0, 64}, {0x1e0, 8},  {0x1e8, 1}, {0x1e9, 1}, {0x1ea, 1},
      {0x1eb, 1}, {0x1ec, 1},   {0x1ed, 1},  {0x1ee, 1},  {0x1ef, 1}, {0x1f0, 8}, {0x1f8, 8},
      {0x200, 8}, {0x208, 0x98}};
  const Buf good = report;
  for (auto [off, len] : fields) {
    for (size_t at : {off, off + len - 1}) {
      report = good;
      report[at] ^= 0x80;
      auto v = Verify();
      EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed) << "byte " << std::hex << at << "\n"
                                                          << Dump(v);
      EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::fail) << "byte " << std::hex << at;
    }
  }
  // The signature's own bytes: r and s.
  for (size_t at : {0x2a0, 0x2a0 + 71, 0x2a0 + 72, 0x2a0 + 100}) {
    report = good;
    report[at] ^= 0x01;
    EXPECT_EQ(Get(Verify(), "signature").outcome, svsm::Outcome::fail) << std::hex << at;
  }
}

TEST_F(VerifyTest, StrippedSignatureAlgorithmIsNeverVerified) {
  MakeSigned();
  PutBuf(report, 0x34, 0, 4);
  auto v = Verify();
  EXPECT_NE(v.verdict, svsm::EvidenceVerdict::verified) << Dump(v);
}

TEST_F(VerifyTest, WrongVcekFails) {
  MakeSigned();
  Key other = NewKey();
  VcekExt ext{kTcb, chain.hwid};
  auto certs = Certs();
  certs.vcek.der = Der(MakeCert("SEV-VCEK", other, chain.ask, chain.ask_key, &ext));
  auto v = Verify(certs);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
  EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::fail);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::pass);  // a real VCEK, of another chip
}

TEST_F(VerifyTest, SignedByAnotherKeyFails) {
  Key other = NewKey();
  MakeSigned(&other);
  EXPECT_EQ(Get(Verify(), "signature").outcome, svsm::Outcome::fail);
}

TEST_F(VerifyTest, BrokenChainFails) {
  MakeSigned();
  // An ASK of the same name whose key did not sign the VCEK.
  Key rogue = NewKey();
  auto certs = Certs();
  certs.ask.der = Der(MakeCert("SEV-Genoa", rogue, chain.ark, chain.ark_key));
  auto v = Verify(certs);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::fail) << Dump(v);
  EXPECT_NE(Get(v, "chain").detail.find("VCEK's signature does not verify with the ASK's key"),
            std::string::npos);

  // An ASK signed by a key other than the ARK's.
  certs = Certs();
  Key rogue_ark = NewKey();
  Cert fake_ark = MakeCert("ARK-Genoa", rogue_ark, nullptr, nullptr);
  certs.ask.der = Der(MakeCert("SEV-Genoa", chain.ask_key, fake_ark, rogue_ark));
  v = Verify(certs);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::fail) << Dump(v);

  // The ASK missing.
  certs = Certs();
  certs.ask = {};
  v = Verify(certs);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::fail);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);

  // Not a certificate at all.
  certs = Certs();
  certs.vcek.der = {1, 2, 3};
  EXPECT_EQ(Get(Verify(certs), "signature").outcome, svsm::Outcome::fail);

  // A VCEK not yet valid.
  certs = Certs();
  VcekExt ext{kTcb, chain.hwid};
  certs.vcek.der = Der(MakeCert("SEV-VCEK", chain.vcek_key, chain.ask, chain.ask_key, &ext, 3600));
  EXPECT_NE(Get(Verify(certs), "chain").detail.find("validity"), std::string::npos);
}

TEST_F(VerifyTest, UntrustedOrWrongProductArkFails) {
  MakeSigned();
  roots.clear();  // the test ARK is not AMD's
  auto v = Verify();
  EXPECT_EQ(Get(v, "ark").outcome, svsm::Outcome::fail);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::pass);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);

  // AMD's real roots do not include it either.
  EXPECT_EQ(svsm::amd_roots().size(), 3u);
  for (const auto &r : svsm::amd_roots()) EXPECT_NE(r.spki_sha256, SpkiSha256(chain.ark));

  roots = {{svsm::Product::milan, SpkiSha256(chain.ark)}};  // trusted, but for Milan
  v = Verify();
  EXPECT_EQ(Get(v, "ark").outcome, svsm::Outcome::fail) << Dump(v);
  EXPECT_NE(Get(v, "ark").detail.find("Milan"), std::string::npos);
}

TEST_F(VerifyTest, ReportDataMismatchFails) {
  MakeSigned();
  nonce[5] ^= 1;
  auto v = Verify();
  EXPECT_EQ(Get(v, "report_data").outcome, svsm::Outcome::fail);
  EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::pass);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
  nonce[5] ^= 1;
  manifest.push_back(0);
  EXPECT_EQ(Get(Verify(), "report_data").outcome, svsm::Outcome::fail);
}

TEST_F(VerifyTest, TcbOrHwidMismatchFails) {
  MakeSigned();
  auto certs = Certs();
  svsm::Tcb newer = kTcb;
  newer.snp++;
  VcekExt ext{newer, chain.hwid};
  certs.vcek.der = Der(MakeCert("SEV-VCEK", chain.vcek_key, chain.ask, chain.ask_key, &ext));
  auto v = Verify(certs);
  EXPECT_EQ(Get(v, "tcb").outcome, svsm::Outcome::fail) << Dump(v);
  EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::pass);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);

  Buf other_hwid = chain.hwid;
  other_hwid[63] ^= 1;
  VcekExt ext2{kTcb, other_hwid};
  certs.vcek.der = Der(MakeCert("SEV-VCEK", chain.vcek_key, chain.ask, chain.ask_key, &ext2));
  v = Verify(certs);
  EXPECT_EQ(Get(v, "hwid").outcome, svsm::Outcome::fail) << Dump(v);
  EXPECT_EQ(Get(v, "tcb").outcome, svsm::Outcome::pass);
}

TEST_F(VerifyTest, EachExpectation) {
  MakeSigned();
  svsm::Expectations ok;
  ok.measurement.emplace();
  std::copy_n(report.begin() + 0x90, 48, ok.measurement->begin());
  ok.policy = 0x30000;
  ok.min_tcb = kTcb;
  ok.vmpl = 0;
  auto v = Verify(Certs(), ok);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::verified) << Dump(v);
  for (const char *name : {"expect_measurement", "expect_policy", "min_tcb", "vmpl"})
    EXPECT_EQ(Get(v, name).outcome, svsm::Outcome::pass) << name;

  auto bad = ok;
  (*bad.measurement)[0] ^= 1;
  EXPECT_EQ(Get(Verify(Certs(), bad), "expect_measurement").outcome, svsm::Outcome::fail);
  bad = ok;
  bad.policy = 0x30001;
  EXPECT_EQ(Get(Verify(Certs(), bad), "expect_policy").outcome, svsm::Outcome::fail);
  for (int field = 0; field < 4; field++) {
    bad = ok;
    uint8_t *f[] = {&bad.min_tcb->bootloader, &bad.min_tcb->tee, &bad.min_tcb->snp,
                    &bad.min_tcb->microcode};
    ++*f[field];
    v = Verify(Certs(), bad);
    EXPECT_EQ(Get(v, "min_tcb").outcome, svsm::Outcome::fail) << field;
    EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
  }
  bad = ok;
  bad.min_tcb->bootloader = 0;  // lower is fine
  EXPECT_EQ(Get(Verify(Certs(), bad), "min_tcb").outcome, svsm::Outcome::pass);
  bad = ok;
  bad.vmpl = 1;
  v = Verify(Certs(), bad);
  EXPECT_EQ(Get(v, "vmpl").outcome, svsm::Outcome::fail);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
}

TEST_F(VerifyTest, ExpectationsFailOnUnsignedReportToo) {
  svsm::Expectations e;
  e.policy = 1;
  auto v = Verify(svsm::CertSet{}, e);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
}

TEST_F(VerifyTest, VlekSignedReport) {
  MakeSigned();
  PutBuf(report, 0x48, 1 << 2, 4);  // SIGNING_KEY = VLEK
  Key asvk_key = NewKey(), vlek_key = NewKey();
  Cert asvk = MakeCert("SEV-VLEK-Genoa", asvk_key, chain.ark, chain.ark_key);
  VcekExt ext{kTcb, {}};
  ext.hwid = {};
  Cert vlek = MakeCert("SEV-VLEK", vlek_key, asvk, asvk_key, &ext);
  SignReport(report, vlek_key);
  svsm::CertSet certs;
  certs.vlek = {Der(vlek), "vlek"};
  certs.ask = {Der(asvk), "asvk"};
  certs.ark = {Der(chain.ark), "ark"};
  auto v = Verify(certs);
  EXPECT_EQ(Get(v, "signature").outcome, svsm::Outcome::pass) << Dump(v);
  EXPECT_EQ(Get(v, "chain").outcome, svsm::Outcome::pass) << Dump(v);
  EXPECT_EQ(Get(v, "hwid").outcome, svsm::Outcome::skipped);
  EXPECT_EQ(v.summary, "verified (Genoa, VLEK)");
  // The VCEK does not do for a VLEK-signed report.
  EXPECT_EQ(Get(Verify(Certs()), "signature").outcome, svsm::Outcome::fail);
}

TEST_F(VerifyTest, UnknownReportVersionFails) {
  MakeSigned();
  PutBuf(report, 0, 6, 4);
  SignReport(report, chain.vcek_key);
  auto v = Verify();
  EXPECT_EQ(Get(v, "report").outcome, svsm::Outcome::fail);
  EXPECT_EQ(v.verdict, svsm::EvidenceVerdict::failed);
}

TEST_F(VerifyTest, CertsFromDirInSnpguestAndKdsLayouts) {
  auto dir =
      std::filesystem::temp_directory_path() / ("svsmctl-verify-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char *name, const Buf &b) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  auto pem = [](const Cert &c) {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, c.get());
    char *p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    Buf out(p, p + n);
    BIO_free(bio);
    return out;
  };
  write("vcek.der", Der(chain.vcek));
  Buf kds = pem(chain.ask);
  Buf ark_pem = pem(chain.ark);
  kds.insert(kds.end(), ark_pem.begin(), ark_pem.end());
  write("cert_chain.pem", kds);
  auto s = svsm::certs_from_dir(dir);
  EXPECT_EQ(s.vcek.der, Der(chain.vcek));
  EXPECT_EQ(s.ask.der, Der(chain.ask));
  EXPECT_EQ(s.ark.der, Der(chain.ark));
  MakeSigned();
  EXPECT_EQ(Verify(s).verdict, svsm::EvidenceVerdict::verified);

  // ask.pem wins over cert_chain.pem; garbage is an error that names the file.
  write("ask.pem", pem(chain.vcek));
  EXPECT_EQ(svsm::certs_from_dir(dir).ask.der, Der(chain.vcek));
  write("ark.der", {0x30, 0x03, 1, 2, 3});
  try {
    (void)svsm::certs_from_dir(dir);
    ADD_FAILURE() << "no error for a bad ark.der";
  } catch (const svsm::ParseError &e) {
    EXPECT_NE(std::string(e.what()).find("ark.der"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- report versions and TCB

TEST(SnpReportVersions, FieldsOfVersions2To5) {
  Buf r(0x4a0, 0);
  PutBuf(r, 0, 2, 4);
  r[0x188] = 0x19;
  PutBuf(r, 0x1f8, 0x1111, 8);
  auto v2 = svsm::parse_snp_report(r);
  EXPECT_FALSE(v2.cpuid_family);  // reserved in version 2
  EXPECT_FALSE(v2.launch_mit_vector);
  PutBuf(r, 0, 3, 4);
  auto v3 = svsm::parse_snp_report(r);
  ASSERT_TRUE(v3.cpuid_family);
  EXPECT_EQ(*v3.cpuid_family, 0x19);
  EXPECT_FALSE(v3.launch_mit_vector);
  PutBuf(r, 0, 5, 4);
  PutBuf(r, 0x200, 0x2222, 8);
  PutBuf(r, 0x48, 0x7 << 2 | 3, 4);
  auto v5 = svsm::parse_snp_report(r);
  ASSERT_TRUE(v5.launch_mit_vector);
  EXPECT_EQ(*v5.launch_mit_vector, 0x1111u);
  EXPECT_EQ(*v5.current_mit_vector, 0x2222u);
  EXPECT_EQ(v5.signing_key(), 7u);
  EXPECT_TRUE(v5.mask_chip_id());
  EXPECT_TRUE(v5.author_key_en());
}

TEST(Tcb, LayoutsAndSpec) {
  // Milan/Genoa: bl 7:0, tee 15:8, snp 55:48, ucode 63:56.
  EXPECT_EQ(svsm::decode_tcb(0xd215000000000307, svsm::Product::genoa),
            (svsm::Tcb{std::nullopt, 7, 3, 0x15, 0xd2}));
  // Turin: fmc 7:0, bl 15:8, tee 23:16, snp 31:24, ucode 63:56.
  EXPECT_EQ(svsm::decode_tcb(0x4800000004030201, svsm::Product::turin),
            (svsm::Tcb{1, 2, 3, 4, 0x48}));
  EXPECT_EQ(svsm::tcb_text({1, 2, 3, 4, 5}), "fmc=1 bl=2 tee=3 snp=4 ucode=5");
  EXPECT_EQ(svsm::parse_tcb_spec("bl=3,tee=0,snp=8,ucode=115"),
            (svsm::Tcb{std::nullopt, 3, 0, 8, 115}));
  EXPECT_EQ(svsm::parse_tcb_spec("snp=8"), (svsm::Tcb{std::nullopt, 0, 0, 8, 0}));
  EXPECT_EQ(svsm::parse_tcb_spec("fmc=1,ucode=255"), (svsm::Tcb{1, 0, 0, 0, 255}));
  for (const char *bad : {"", "snp", "snp=", "snp=256", "snp=-1", "snp=1,snp=2", "snp=1,", "x=1",
                          "snp=0x10", " snp=1"})
    EXPECT_FALSE(svsm::parse_tcb_spec(bad)) << bad;
}

}  // namespace
}  // namespace emu_test
