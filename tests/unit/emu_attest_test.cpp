// SPDX-License-Identifier: GPL-2.0-only
// Unit tests of the emulated SVSM's attestation (1) and vTPM (2) protocols.
#include "emu_fixture.hpp"

namespace emu_test {
namespace {

// GUIDs as little-endian bytes, written out here independently of the emulator.
const std::vector<uint8_t> kManifestGuid = {0xbb, 0x9e, 0x84, 0x63, 0x92, 0x3d, 0x70, 0x46,
                                            0xa1, 0xff, 0x58, 0xf9, 0xc9, 0x4b, 0x87, 0xbb};
const std::vector<uint8_t> kVtpmGuid = {0xeb, 0xf1, 0x76, 0xc4, 0x23, 0x01, 0xa5, 0x45,
                                        0x96, 0x41, 0xb4, 0xe7, 0xdd, 0xe5, 0xbf, 0xe3};
const std::vector<uint8_t> kVcekGuid = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
                                        0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};

constexpr uint64_t kOp = kCpuCa[0] + SVSM_CA_BUFFER;  // where Linux puts it
constexpr uint64_t kNonce = kScratch + 0x100;
constexpr uint64_t kReport = kScratch + 0x1000;
constexpr uint64_t kManifest = kScratch + 0x2000;
constexpr uint64_t kCerts = kScratch + 0x4000;  // 4 pages
constexpr uint32_t kCertsMax = 0x4000;
constexpr uint8_t kPoison = 0xee;

std::vector<uint8_t> Str(const char *s) {
  return std::vector<uint8_t>(s, s + std::strlen(s));
}

std::vector<uint8_t> Cat(std::vector<uint8_t> a, const std::vector<uint8_t> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class EmuAttestTest : public EmuTest {
 protected:
  void SetUp() override {
    EmuTest::SetUp();
    for (int i = 0; i < 64; i++) Put8(kNonce + i, static_cast<uint8_t>(0x40 + i));
    Fill(kReport, kPage, kPoison);
    Fill(kManifest, kPage, kPoison);
    Fill(kCerts, kCertsMax, kPoison);
  }

  // A valid operation structure at gpa; single adds the service fields.
  void WriteOp(bool single, uint64_t gpa = kOp, uint32_t certs_len = 0) {
    Fill(gpa, single ? SVSM_ATTEST_SINGLE_OP_SIZE : SVSM_ATTEST_SERVICES_OP_SIZE, 0);
    Put64(gpa + SVSM_ATTEST_OP_REPORT_GPA, kReport);
    Put32(gpa + SVSM_ATTEST_OP_REPORT_LEN, kPage);
    Put64(gpa + SVSM_ATTEST_OP_NONCE_GPA, kNonce);
    Put16(gpa + SVSM_ATTEST_OP_NONCE_LEN, 64);
    Put64(gpa + SVSM_ATTEST_OP_MANIFEST_GPA, kManifest);
    Put32(gpa + SVSM_ATTEST_OP_MANIFEST_LEN, kPage);
    Put64(gpa + SVSM_ATTEST_OP_CERTS_GPA, kCerts);
    Put32(gpa + SVSM_ATTEST_OP_CERTS_LEN, certs_len);
    if (single) {
      std::memcpy(At(gpa + SVSM_ATTEST_OP_SERVICE_GUID, 16), kVtpmGuid.data(), 16);
      Put32(gpa + SVSM_ATTEST_OP_MANIFEST_VER, 0);
    }
  }

  Result Attest(bool single, uint64_t op = kOp) {
    uint32_t call = single ? SVSM_ATTEST_SINGLE_SERVICE : SVSM_ATTEST_SERVICES;
    return Call(0, SVSM_RAX(SVSM_PROTOCOL_ATTEST, call), op, 0x1111, 0x2222);
  }

  // The error answer that carries no sizes: nothing written, RCX/RDX/R8 intact.
  void ExpectPlainError(const Result &r, uint32_t error, uint64_t op = kOp) {
    EXPECT_EQ(r.rax, error);
    EXPECT_EQ(r.rcx, op);
    EXPECT_EQ(r.rdx, 0x1111u);
    EXPECT_EQ(r.r8, 0x2222u);
    EXPECT_TRUE(AllEqual(kReport, kPage, kPoison));
    EXPECT_TRUE(AllEqual(kManifest, kPage, kPoison));
    EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
  }

  std::vector<uint8_t> Nonce() { return Bytes(kNonce, 64); }

  // What the emulated report must hold, byte for byte.
  std::vector<uint8_t> ExpectedReport(const std::vector<uint8_t> &report_data) {
    std::vector<uint8_t> r(SNP_REPORT_SIZE, 0);
    r[SNP_REPORT_VERSION] = 2;
    r[SNP_REPORT_POLICY + 2] = 0x03;  // 0x30000
    std::copy(report_data.begin(), report_data.end(), r.begin() + SNP_REPORT_REPORT_DATA);
    std::vector<uint8_t> m = Sha512(Str("svsm_diag emulated SVSM"));
    std::copy(m.begin(), m.begin() + 48, r.begin() + SNP_REPORT_MEASUREMENT);
    std::vector<uint8_t> chip = Str("EMULATED SVSM REPORT - UNSIGNED - NOT FROM AMD HARDWARE");
    std::copy(chip.begin(), chip.end(), r.begin() + SNP_REPORT_CHIP_ID);
    return r;
  }
};

// ------------------------------------------------------ ATTEST_SERVICES ----

TEST_F(EmuAttestTest, ServicesWritesReportAndManifest) {
  WriteOp(false);
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  const uint64_t msize = r.rcx;
  EXPECT_EQ(r.rdx, 0u);  // no certificates
  EXPECT_EQ(r.r8, SNP_REPORT_SIZE);

  // Manifest: COCONUT's GuidTable with the vTPM as the only service.
  ASSERT_GE(msize, 48u + 64u);
  EXPECT_EQ(Bytes(kManifest, 16), kManifestGuid);
  EXPECT_EQ(Get32(kManifest + 16), msize);
  EXPECT_EQ(Get32(kManifest + 20), 1u);
  EXPECT_EQ(Bytes(kManifest + 24, 16), kVtpmGuid);
  EXPECT_EQ(Get32(kManifest + 40), 48u);
  EXPECT_EQ(Get32(kManifest + 44), msize - 48);
  EXPECT_EQ(Bytes(kManifest + 48, 14), Str("SVSM-EMU-EKPUB"));
  EXPECT_TRUE(AllEqual(kManifest + msize, kPage - msize, kPoison));

  // Report: REPORT_DATA = SHA-512(nonce || manifest as written).
  std::vector<uint8_t> manifest = Bytes(kManifest, msize);
  EXPECT_EQ(Bytes(kReport, SNP_REPORT_SIZE), ExpectedReport(Sha512(Cat(Nonce(), manifest))));
  EXPECT_EQ(Get32(kReport + SNP_REPORT_VMPL), 0u);
  EXPECT_EQ(Get32(kReport + SNP_REPORT_SIG_ALGO), 0u);
  EXPECT_TRUE(AllEqual(kReport + SNP_REPORT_SIGNATURE, 512, 0));
  EXPECT_TRUE(AllEqual(kReport + SNP_REPORT_SIZE, kPage - SNP_REPORT_SIZE, kPoison));
  EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
}

TEST_F(EmuAttestTest, ServicesWithoutVtpmIsAnEmptyTable) {
  cfg.protocols[SVSM_PROTOCOL_VTPM] = {0, 0};
  Init();
  WriteOp(false);
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 24u);
  EXPECT_EQ(Bytes(kManifest, 16), kManifestGuid);
  EXPECT_EQ(Get32(kManifest + 16), 24u);
  EXPECT_EQ(Get32(kManifest + 20), 0u);
  EXPECT_EQ(Bytes(kReport + SNP_REPORT_REPORT_DATA, 64),
            Sha512(Cat(Nonce(), Bytes(kManifest, 24))));
}

TEST_F(EmuAttestTest, ReportIsDeterministicAndBoundToTheNonce) {
  WriteOp(false);
  ASSERT_EQ(Attest(false).rax, SVSM_SUCCESS);
  std::vector<uint8_t> first = Bytes(kReport, SNP_REPORT_SIZE);
  std::vector<uint8_t> manifest = Bytes(kManifest, kPage);
  ASSERT_EQ(Attest(false).rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kReport, SNP_REPORT_SIZE), first);
  EXPECT_EQ(Bytes(kManifest, kPage), manifest);
  Put8(kNonce + 63, 0);
  ASSERT_EQ(Attest(false).rax, SVSM_SUCCESS);
  EXPECT_NE(Bytes(kReport + SNP_REPORT_REPORT_DATA, 64),
            std::vector<uint8_t>(first.begin() + SNP_REPORT_REPORT_DATA,
                                 first.begin() + SNP_REPORT_REPORT_DATA + 64));
  EXPECT_EQ(Bytes(kManifest, kPage), manifest);
}

TEST_F(EmuAttestTest, NonceMayLieInTheCaBuffer) {
  WriteOp(false);
  const uint64_t nonce = kCpuCa[0] + 0x200;
  for (int i = 0; i < 64; i++) Put8(nonce + i, static_cast<uint8_t>(i));
  Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, nonce);
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kReport + SNP_REPORT_REPORT_DATA, 64),
            Sha512(Cat(Bytes(nonce, 64), Bytes(kManifest, r.rcx))));
}

// ------------------------------------------------ ATTEST_SINGLE_SERVICE ----

TEST_F(EmuAttestTest, SingleServiceVtpmReturnsItsDataAlone) {
  WriteOp(true);
  Result r = Attest(true);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rdx, 0u);
  EXPECT_EQ(r.r8, SNP_REPORT_SIZE);
  ASSERT_GE(r.rcx, 64u);
  EXPECT_EQ(Bytes(kManifest, 14), Str("SVSM-EMU-EKPUB"));
  EXPECT_TRUE(AllEqual(kManifest + r.rcx, kPage - r.rcx, kPoison));
  std::vector<uint8_t> blob = Bytes(kManifest, r.rcx);
  EXPECT_EQ(Bytes(kReport, SNP_REPORT_SIZE), ExpectedReport(Sha512(Cat(Nonce(), blob))));

  // The same blob as in the all-services table.
  WriteOp(false);
  Result all = Attest(false);
  ASSERT_EQ(all.rax, SVSM_SUCCESS);
  EXPECT_EQ(all.rcx, 48 + r.rcx);
  EXPECT_EQ(Bytes(kManifest + 48, r.rcx), blob);
}

TEST_F(EmuAttestTest, SingleServiceUnknownGuidIsUnsupportedProtocol) {
  WriteOp(true);
  Put8(kOp + SVSM_ATTEST_OP_SERVICE_GUID + 15, 0);
  ExpectPlainError(Attest(true), SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

TEST_F(EmuAttestTest, SingleServiceManifestGuidIsUnsupportedProtocol) {
  WriteOp(true);
  std::memcpy(At(kOp + SVSM_ATTEST_OP_SERVICE_GUID, 16), kManifestGuid.data(), 16);
  ExpectPlainError(Attest(true), SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

TEST_F(EmuAttestTest, SingleServiceVtpmNotOfferedIsUnsupportedProtocol) {
  cfg.protocols[SVSM_PROTOCOL_VTPM] = {0, 0};
  Init();
  WriteOp(true);
  ExpectPlainError(Attest(true), SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

TEST_F(EmuAttestTest, SingleServiceManifestVersionOneIsInvalidParameter) {
  WriteOp(true);
  Put32(kOp + SVSM_ATTEST_OP_MANIFEST_VER, 1);
  ExpectPlainError(Attest(true), SVSM_ERR_INVALID_PARAMETER);
}

// ------------------------------------------------- operation structure ----

struct ReservedByte {
  const char *name;
  bool single;
  uint32_t offset;
};

class EmuAttestReservedTest : public EmuAttestTest,
                              public ::testing::WithParamInterface<ReservedByte> {};

TEST_P(EmuAttestReservedTest, NonZeroIsInvalidParameter) {
  WriteOp(GetParam().single);
  Put8(kOp + GetParam().offset, 1);
  ExpectPlainError(Attest(GetParam().single), SVSM_ERR_INVALID_PARAMETER);
}

INSTANTIATE_TEST_SUITE_P(
    Bytes, EmuAttestReservedTest,
    ::testing::Values(
        ReservedByte{"Services0C", false, 0x0c}, ReservedByte{"Services0F", false, 0x0f},
        ReservedByte{"Services1A", false, 0x1a}, ReservedByte{"Services1F", false, 0x1f},
        ReservedByte{"Services2C", false, 0x2c}, ReservedByte{"Services2F", false, 0x2f},
        ReservedByte{"Services3C", false, 0x3c}, ReservedByte{"Services3F", false, 0x3f},
        ReservedByte{"Single0C", true, 0x0c}, ReservedByte{"Single1D", true, 0x1d},
        ReservedByte{"Single2E", true, 0x2e}, ReservedByte{"Single3D", true, 0x3d},
        ReservedByte{"Single54", true, 0x54}, ReservedByte{"Single57", true, 0x57}),
    [](const ::testing::TestParamInfo<ReservedByte> &p) { return std::string(p.param.name); });

TEST_F(EmuAttestTest, ServicesReadsOnlyItsOwn0x40Bytes) {
  WriteOp(false);
  Fill(kOp + SVSM_ATTEST_SERVICES_OP_SIZE, 0x18, 0xff);
  EXPECT_EQ(Attest(false).rax, SVSM_SUCCESS);
}

TEST_F(EmuAttestTest, UnmappableOpIsInvalidParameter) {
  ExpectPlainError(Attest(false, kUnmapped), SVSM_ERR_INVALID_PARAMETER, kUnmapped);
  ExpectPlainError(Attest(true, kUnmapped), SVSM_ERR_INVALID_PARAMETER, kUnmapped);
}

TEST_F(EmuAttestTest, OpInSvsmMemoryIsInvalidParameter) {
  WriteOp(false, kSvsmBase);
  ExpectPlainError(Attest(false, kSvsmBase), SVSM_ERR_INVALID_PARAMETER, kSvsmBase);
}

TEST_F(EmuAttestTest, OpAtTheEndOfMemory) {
  // 0x40 bytes fit, 0x58 do not.
  const uint64_t op = kMemEnd - SVSM_ATTEST_SERVICES_OP_SIZE;
  WriteOp(false, op);
  EXPECT_EQ(Attest(false, op).rax, SVSM_SUCCESS);
  Fill(kReport, kPage, kPoison);
  Fill(kManifest, kPage, kPoison);
  ExpectPlainError(Attest(true, op), SVSM_ERR_INVALID_PARAMETER, op);
}

TEST_F(EmuAttestTest, NonceLengthOtherThan64IsInvalidParameter) {
  for (uint16_t len : {0, 32, 63, 65, 0x140}) {
    WriteOp(false);
    Put16(kOp + SVSM_ATTEST_OP_NONCE_LEN, len);
    ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
  }
}

TEST_F(EmuAttestTest, UnmappableNonceIsInvalidParameter) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, kUnmapped);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuAttestTest, NonceInSvsmMemoryIsInvalidParameter) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, kSvsmBase + 0x100);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuAttestTest, NonceCrossingAPageIsInvalidParameter) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, kScratch + kPage - 63);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
  Put64(kOp + SVSM_ATTEST_OP_NONCE_GPA, kScratch + kPage - 64);  // last fit
  EXPECT_EQ(Attest(false).rax, SVSM_SUCCESS);
}

TEST_F(EmuAttestTest, UnalignedReportIsInvalidParameter) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_REPORT_GPA, kReport + 0x10);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuAttestTest, UnalignedManifestIsInvalidParameter) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_MANIFEST_GPA, kManifest + 8);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuAttestTest, UnalignedCertsWithALengthIsInvalidParameter) {
  WriteOp(false, kOp, kCertsMax);
  Put64(kOp + SVSM_ATTEST_OP_CERTS_GPA, kCerts + 0x800);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuAttestTest, CertsAddressIsIgnoredWithoutALength) {
  WriteOp(false);
  Put64(kOp + SVSM_ATTEST_OP_CERTS_GPA, 0x123);
  EXPECT_EQ(Attest(false).rax, SVSM_SUCCESS);
}

TEST_F(EmuAttestTest, CertsLongerThan16KIsInvalidParameter) {
  WriteOp(false, kOp, kCertsMax + 1);
  ExpectPlainError(Attest(false), SVSM_ERR_INVALID_PARAMETER);
}

// ------------------------------------------------------- buffer sizes ----

class EmuAttestSizeTest : public EmuAttestTest {
 protected:
  void SetUp() override {
    cfg.certs = true;
    EmuAttestTest::SetUp();
    // Learn the sizes from a successful call, then poison the buffers again.
    WriteOp(false, kOp, kCertsMax);
    Result r = Attest(false);
    ASSERT_EQ(r.rax, SVSM_SUCCESS);
    msize = static_cast<uint32_t>(r.rcx);
    csize = static_cast<uint32_t>(r.rdx);
    ASSERT_GT(csize, 48u);
    Fill(kReport, kPage, kPoison);
    Fill(kManifest, kPage, kPoison);
    Fill(kCerts, kCertsMax, kPoison);
  }

  void ExpectSizesAnswer(const Result &r) {
    EXPECT_EQ(r.rax, SVSM_ERR_INVALID_PARAMETER);
    EXPECT_EQ(r.rcx, msize);
    EXPECT_EQ(r.rdx, csize);
    EXPECT_EQ(r.r8, SNP_REPORT_SIZE);
    EXPECT_TRUE(AllEqual(kReport, kPage, kPoison));
    EXPECT_TRUE(AllEqual(kManifest, kPage, kPoison));
    EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
  }

  uint32_t msize = 0, csize = 0;
};

TEST_F(EmuAttestSizeTest, ReportBufferTooSmall) {
  Put32(kOp + SVSM_ATTEST_OP_REPORT_LEN, SNP_REPORT_SIZE - 1);
  ExpectSizesAnswer(Attest(false));
}

TEST_F(EmuAttestSizeTest, ManifestBufferTooSmall) {
  Put32(kOp + SVSM_ATTEST_OP_MANIFEST_LEN, msize - 1);
  ExpectSizesAnswer(Attest(false));
}

TEST_F(EmuAttestSizeTest, CertsBufferTooSmall) {
  Put32(kOp + SVSM_ATTEST_OP_CERTS_LEN, csize - 1);
  ExpectSizesAnswer(Attest(false));
}

TEST_F(EmuAttestSizeTest, ZeroLengthsAnswerTheSizesWithoutCerts) {
  Put32(kOp + SVSM_ATTEST_OP_REPORT_LEN, 0);
  Put32(kOp + SVSM_ATTEST_OP_MANIFEST_LEN, 0);
  Put32(kOp + SVSM_ATTEST_OP_CERTS_LEN, 0);
  Result r = Attest(false);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(r.rcx, msize);
  EXPECT_EQ(r.rdx, 0u);  // no certificates were asked for
  EXPECT_EQ(r.r8, SNP_REPORT_SIZE);
}

TEST_F(EmuAttestSizeTest, ExactSizesFit) {
  Put32(kOp + SVSM_ATTEST_OP_REPORT_LEN, SNP_REPORT_SIZE);
  Put32(kOp + SVSM_ATTEST_OP_MANIFEST_LEN, msize);
  Put32(kOp + SVSM_ATTEST_OP_CERTS_LEN, csize);
  Result r = Attest(false);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, msize);
  EXPECT_EQ(r.rdx, csize);
  EXPECT_TRUE(AllEqual(kCerts + csize, kCertsMax - csize, kPoison));
}

// attest.rs:432-455: the sizes are in RCX/RDX/R8 before the buffers are
// written, and the report is written before the manifest is looked at.
TEST_F(EmuAttestSizeTest, UnmappableReportIsInvalidAddressWithTheSizes) {
  Put64(kOp + SVSM_ATTEST_OP_REPORT_GPA, kUnmapped);
  Result r = Attest(false);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(r.rcx, msize);
  EXPECT_EQ(r.rdx, csize);
  EXPECT_EQ(r.r8, SNP_REPORT_SIZE);
  EXPECT_TRUE(AllEqual(kManifest, kPage, kPoison));
}

TEST_F(EmuAttestSizeTest, ReportInSvsmMemoryIsInvalidAddress) {
  Put64(kOp + SVSM_ATTEST_OP_REPORT_GPA, kSvsmBase);
  EXPECT_EQ(Attest(false).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_TRUE(AllEqual(kManifest, kPage, kPoison));
}

TEST_F(EmuAttestSizeTest, UnmappableManifestIsInvalidAddressAfterTheReport) {
  Put64(kOp + SVSM_ATTEST_OP_MANIFEST_GPA, kUnmapped);
  Result r = Attest(false);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(r.rcx, msize);
  EXPECT_FALSE(AllEqual(kReport, SNP_REPORT_SIZE, kPoison));
  EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
}

TEST_F(EmuAttestSizeTest, ManifestInSvsmMemoryIsInvalidAddress) {
  Put64(kOp + SVSM_ATTEST_OP_MANIFEST_GPA, kSvsmBase + 0x3000);
  EXPECT_EQ(Attest(false).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuAttestSizeTest, UnmappableCertsIsInvalidAddressAfterReportAndManifest) {
  Put64(kOp + SVSM_ATTEST_OP_CERTS_GPA, kUnmapped);
  Result r = Attest(false);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(r.rdx, csize);
  EXPECT_FALSE(AllEqual(kReport, SNP_REPORT_SIZE, kPoison));
  EXPECT_FALSE(AllEqual(kManifest, msize, kPoison));
}

TEST_F(EmuAttestSizeTest, CertificateSizeIsCoconutsWholeBuffer) {
  EXPECT_EQ(csize, 0x4000u);  // attest.rs:393, 433
}

// --------------------------------------------------------- certificates ----

TEST_F(EmuAttestSizeTest, CertificateTableHasOneVcekEntry) {
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kCerts, 16), kVcekGuid);
  EXPECT_EQ(Get32(kCerts + 16), 48u);
  EXPECT_LT(Get32(kCerts + 20), csize - 48);
  EXPECT_TRUE(AllEqual(kCerts + 24, 24, 0));  // terminator
  std::vector<uint8_t> data = Bytes(kCerts + 48, Get32(kCerts + 20));
  std::string text(data.begin(), data.end());
  EXPECT_EQ(text.rfind("SVSM-EMU: emulated VCEK placeholder.", 0), 0u) << text;
  EXPECT_NE(text.find("NOT a certificate"), std::string::npos);
  EXPECT_NE(text.find("invalid"), std::string::npos);
  // The rest of COCONUT's 16 KiB buffer is zero.
  size_t used = 48 + text.size();
  EXPECT_TRUE(AllEqual(kCerts + used, csize - used, 0));
}

TEST_F(EmuAttestSizeTest, CertificatesDoNotChangeReportData) {
  ASSERT_EQ(Attest(false).rax, SVSM_SUCCESS);
  std::vector<uint8_t> with = Bytes(kReport, SNP_REPORT_SIZE);
  Put32(kOp + SVSM_ATTEST_OP_CERTS_LEN, 0);
  ASSERT_EQ(Attest(false).rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kReport, SNP_REPORT_SIZE), with);
}

TEST_F(EmuAttestSizeTest, NoCertificatesWithoutACertsLength) {
  Put32(kOp + SVSM_ATTEST_OP_CERTS_LEN, 0);
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rdx, 0u);
  EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
}

TEST_F(EmuAttestSizeTest, SingleServiceAlsoReturnsCertificates) {
  WriteOp(true, kOp, kCertsMax);
  Result r = Attest(true);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rdx, csize);
  EXPECT_EQ(Bytes(kCerts, 16), kVcekGuid);
}

TEST_F(EmuAttestTest, NoCertificatesWhenNotConfigured) {
  WriteOp(false, kOp, kCertsMax);
  Result r = Attest(false);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rdx, 0u);
  EXPECT_TRUE(AllEqual(kCerts, kCertsMax, kPoison));
}

// ------------------------------------------------------------ dispatch ----

TEST_F(EmuAttestTest, UnknownAttestCallIsUnsupportedProtocol) {
  WriteOp(true);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_ATTEST, 2), kOp).rax, SVSM_ERR_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_ATTEST, 0xffffffffu), kOp).rax,
            SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

TEST_F(EmuAttestTest, AttestationNotOfferedIsUnsupportedProtocol) {
  cfg.protocols[SVSM_PROTOCOL_ATTEST] = {0, 0};
  Init();
  WriteOp(false);
  ExpectPlainError(Attest(false), SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

// ----------------------------------------------------------------- vTPM ----

constexpr uint64_t kTpmBuf = kScratch + 0x8000;

class EmuVtpmTest : public EmuTest {
 protected:
  // TPM_SEND_COMMAND request at gpa carrying a TPM 2.0 command.
  void WriteCommand(uint64_t gpa, const std::vector<uint8_t> &cmd, uint32_t platform = 8,
                    uint8_t locality = 0) {
    Fill(gpa, kPage, 0xcc);
    Put32(gpa, platform);
    Put8(gpa + 4, locality);
    Put32(gpa + 5, static_cast<uint32_t>(cmd.size()));
    std::memcpy(At(gpa + 9, cmd.size()), cmd.data(), cmd.size());
  }

  static std::vector<uint8_t> TpmCommand(uint32_t code, std::vector<uint8_t> params = {}) {
    uint32_t size = static_cast<uint32_t>(10 + params.size());
    std::vector<uint8_t> c = {0x80,
                              0x01,
                              static_cast<uint8_t>(size >> 24),
                              static_cast<uint8_t>(size >> 16),
                              static_cast<uint8_t>(size >> 8),
                              static_cast<uint8_t>(size),
                              static_cast<uint8_t>(code >> 24),
                              static_cast<uint8_t>(code >> 16),
                              static_cast<uint8_t>(code >> 8),
                              static_cast<uint8_t>(code)};
    return Cat(c, params);
  }

  static std::vector<uint8_t> GetRandom(uint16_t n) {
    return TpmCommand(0x17b, {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }

  Result Cmd(uint64_t gpa = kTpmBuf) {
    return Call(0, SVSM_RAX(SVSM_PROTOCOL_VTPM, SVSM_VTPM_CMD), gpa, 0x1111, 0x2222);
  }

  // Expected response header: tag, size, rc (big-endian).
  static std::vector<uint8_t> Header(uint32_t size, uint32_t rc) {
    return {0x80,
            0x01,
            static_cast<uint8_t>(size >> 24),
            static_cast<uint8_t>(size >> 16),
            static_cast<uint8_t>(size >> 8),
            static_cast<uint8_t>(size),
            static_cast<uint8_t>(rc >> 24),
            static_cast<uint8_t>(rc >> 16),
            static_cast<uint8_t>(rc >> 8),
            static_cast<uint8_t>(rc)};
  }

  // The emulator's deterministic "random" byte number k (1-based).
  static uint8_t RandomByte(uint32_t k) { return static_cast<uint8_t>((k * 2654435761u) >> 24); }
};

TEST_F(EmuVtpmTest, QueryReportsSendCommandOnly) {
  Result r = Call(0, SVSM_RAX(SVSM_PROTOCOL_VTPM, SVSM_VTPM_QUERY), 5, 6, 7);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 0x100u);
  EXPECT_EQ(r.rdx, 0u);
  EXPECT_EQ(r.r8, 7u);
}

// The firmware has started the vTPM, and the TCG reference TPM COCONUT runs
// answers a second TPM2_Startup with TPM_RC_INITIALIZE (ExecCommand.c).
TEST_F(EmuVtpmTest, StartupOfAStartedTpmIsInitializeError) {
  WriteCommand(kTpmBuf, TpmCommand(0x144, {0x00, 0x00}));  // TPM_SU_CLEAR
  Result r = Cmd();
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, kTpmBuf);
  EXPECT_EQ(Get32(kTpmBuf), 10u);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x100));
}

TEST_F(EmuVtpmTest, GetRandomReturnsDeterministicBytes) {
  WriteCommand(kTpmBuf, GetRandom(16));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf), 28u);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(28, 0));
  EXPECT_EQ(Get8(kTpmBuf + 14), 0);  // TPM2B size, big-endian
  EXPECT_EQ(Get8(kTpmBuf + 15), 16);
  for (uint32_t i = 0; i < 16; i++) EXPECT_EQ(Get8(kTpmBuf + 16 + i), RandomByte(i + 1)) << i;

  // The counter goes on, so the next answer differs.
  WriteCommand(kTpmBuf, GetRandom(4));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf), 16u);
  for (uint32_t i = 0; i < 4; i++) EXPECT_EQ(Get8(kTpmBuf + 16 + i), RandomByte(17 + i)) << i;
  EXPECT_EQ(emu.tpm_counter, 20u);
}

// sizeof(TPMU_HA): SHA-384 is the largest digest in COCONUT's TPM profile.
TEST_F(EmuVtpmTest, GetRandomIsCappedAt48Bytes) {
  WriteCommand(kTpmBuf, GetRandom(64));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf), 60u);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(60, 0));
  EXPECT_EQ(Get8(kTpmBuf + 15), 48);
}

TEST_F(EmuVtpmTest, GetRandomOfZeroBytes) {
  WriteCommand(kTpmBuf, GetRandom(0));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf), 12u);
  EXPECT_EQ(Get16(kTpmBuf + 14), 0u);
  EXPECT_EQ(emu.tpm_counter, 0u);
}

// TPM_RC_INSUFFICIENT + TPM_RC_P + TPM_RC_1 (CommandDispatcher.c).
TEST_F(EmuVtpmTest, GetRandomWithoutItsParameterIsInsufficientInParameterOne) {
  WriteCommand(kTpmBuf, TpmCommand(0x17b));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x1da));
}

TEST_F(EmuVtpmTest, UnimplementedCommandsAnswerCommandCode) {
  WriteCommand(kTpmBuf, TpmCommand(0x1ff, {0, 0, 0, 0}));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf), 10u);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x143));
}

TEST_F(EmuVtpmTest, HeaderSizeNotMatchingInbufSizeIsACommandSizeError) {
  std::vector<uint8_t> cmd = TpmCommand(0x144, {0, 0});
  cmd[5] = 99;
  WriteCommand(kTpmBuf, cmd);
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x142));
}

TEST_F(EmuVtpmTest, UnalignedBufferIsFine) {
  WriteCommand(kTpmBuf + 3, GetRandom(0));
  ASSERT_EQ(Cmd(kTpmBuf + 3).rax, SVSM_SUCCESS);
  EXPECT_EQ(Get32(kTpmBuf + 3), 12u);
  EXPECT_EQ(Bytes(kTpmBuf + 7, 10), Header(12, 0));
}

TEST_F(EmuVtpmTest, LargestInbufIsAccepted) {
  WriteCommand(kTpmBuf, TpmCommand(0x1ff, std::vector<uint8_t>(4087 - 10, 0)));
  ASSERT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x143));
}

// vtpm.rs:198 then :209: the platform command is read first (unreadable:
// INVALID_PARAMETER), then the whole page (unreadable: INVALID_ADDRESS).
TEST_F(EmuVtpmTest, BufferNotMappableForAPageIsInvalidAddress) {
  Put32(kMemEnd - kPage + 1, 8);
  Result r = Cmd(kMemEnd - kPage + 1);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(r.rcx, kMemEnd - kPage + 1);
}

TEST_F(EmuVtpmTest, UnreadablePlatformCommandIsInvalidParameter) {
  EXPECT_EQ(Cmd(kUnmapped).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Cmd(kSvsmBase + 0x1000).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Cmd(0).rax, SVSM_ERR_INVALID_PARAMETER);  // vtpm.rs:188
}

TEST_F(EmuVtpmTest, OtherPlatformCommandIsInvalidParameter) {
  WriteCommand(kTpmBuf, TpmCommand(0x144, {0, 0}), 7);
  EXPECT_EQ(Cmd().rax, SVSM_ERR_INVALID_PARAMETER);  // vtpm.rs:37-51
  EXPECT_EQ(Get32(kTpmBuf), 7u);                     // untouched
}

TEST_F(EmuVtpmTest, NonZeroLocalityIsInvalidParameter) {
  WriteCommand(kTpmBuf, TpmCommand(0x144, {0, 0}), 8, 1);
  EXPECT_EQ(Cmd().rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Get32(kTpmBuf), 8u);
}

// COCONUT hands any inbuf_size up to 4087 to the TPM, which answers it.
TEST_F(EmuVtpmTest, InbufShorterThanATpmHeaderIsTheTpmsToAnswer) {
  WriteCommand(kTpmBuf, TpmCommand(0x144));
  Put32(kTpmBuf + 5, 9);
  EXPECT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x142));
  WriteCommand(kTpmBuf, {});
  EXPECT_EQ(Cmd().rax, SVSM_SUCCESS);
  EXPECT_EQ(Bytes(kTpmBuf + 4, 10), Header(10, 0x9a));  // TPM_RC_INSUFFICIENT
}

TEST_F(EmuVtpmTest, InbufLargerThanThePageIsInvalidParameter) {
  WriteCommand(kTpmBuf, TpmCommand(0x144));
  Put32(kTpmBuf + 5, 4088);
  EXPECT_EQ(Cmd().rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuVtpmTest, UnknownVtpmCallIsUnsupportedCall) {
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_VTPM, 2), kTpmBuf).rax, SVSM_ERR_UNSUPPORTED_CALL);
}

}  // namespace
}  // namespace emu_test
