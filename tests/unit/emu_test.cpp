// SPDX-License-Identifier: GPL-2.0-only
// Unit tests of the emulated SVSM: set-up, the VMGEXIT/CALL_PENDING
// transport, injected faults, the core protocol, COCONUT's APIC and UEFI MM
// protocols, the secrets page and SHA-512.
#include <algorithm>
#include <functional>

#include "emu_fixture.hpp"

namespace emu_test {
namespace {

constexpr uint64_t kPvalValidate = SVSM_PVAL_VALIDATE;
constexpr uint64_t kPvalIgnoreCf = SVSM_PVAL_IGNORE_CF;

uint64_t PoolPage(uint32_t i) {
  return kPoolGpa + i * kPage;
}

// ---------------------------------------------------------------- init ----

struct BadConfig {
  const char *name;
  std::function<void(svsm_emu_config &)> mutate;
};

class EmuInitRejects : public ::testing::TestWithParam<BadConfig> {};

TEST_P(EmuInitRejects, BadConfig) {
  GuestMemory mem;
  std::array<svsm_emu_cpu, kNrCpus> cpus{};
  svsm_emu emu{};
  svsm_emu_config cfg = DefaultConfig();
  GetParam().mutate(cfg);
  EXPECT_EQ(svsm_emu_init(&emu, &kOps, &mem, &cfg, cpus.data(), kNrCpus), -1);
}

INSTANTIATE_TEST_SUITE_P(
    Config, EmuInitRejects,
    ::testing::Values(
        BadConfig{"Vmpl0", [](svsm_emu_config &c) { c.vmpl = 0; }},
        BadConfig{"Vmpl4", [](svsm_emu_config &c) { c.vmpl = 4; }},
        BadConfig{"SvsmBaseUnaligned", [](svsm_emu_config &c) { c.svsm_base += 8; }},
        BadConfig{"SvsmSizeUnaligned", [](svsm_emu_config &c) { c.svsm_size += 1; }},
        BadConfig{"SvsmRangeWraps",
                  [](svsm_emu_config &c) { c.svsm_base = 0xfffffffffffff000ULL; }},
        BadConfig{"BootCaaUnaligned", [](svsm_emu_config &c) { c.boot_caa += 0x800; }},
        BadConfig{"PoolGpaUnaligned", [](svsm_emu_config &c) { c.pool_gpa += 4; }},
        BadConfig{"PoolTooLarge",
                  [](svsm_emu_config &c) { c.pool_pages = SVSM_EMU_POOL_MAX_PAGES + 1; }},
        BadConfig{"CoreNotOffered",
                  [](svsm_emu_config &c) {
                    c.protocols[SVSM_PROTOCOL_CORE] = {0, 0};
                  }},
        BadConfig{"MinAboveMax",
                  [](svsm_emu_config &c) {
                    c.protocols[SVSM_PROTOCOL_ATTEST] = {2, 1};
                  }},
        BadConfig{"MinZero",
                  [](svsm_emu_config &c) {
                    c.protocols[SVSM_PROTOCOL_VTPM] = {0, 1};
                  }}),
    [](const ::testing::TestParamInfo<BadConfig> &p) { return std::string(p.param.name); });

TEST(EmuInit, RejectsMissingOps) {
  GuestMemory mem;
  std::array<svsm_emu_cpu, kNrCpus> cpus{};
  svsm_emu emu{};
  svsm_emu_config cfg = DefaultConfig();
  svsm_emu_host_ops no_map = kOps;
  no_map.map = nullptr;
  EXPECT_EQ(svsm_emu_init(&emu, nullptr, &mem, &cfg, cpus.data(), kNrCpus), -1);
  EXPECT_EQ(svsm_emu_init(&emu, &no_map, &mem, &cfg, cpus.data(), kNrCpus), -1);
  EXPECT_EQ(svsm_emu_init(&emu, &kOps, &mem, nullptr, cpus.data(), kNrCpus), -1);
  EXPECT_EQ(svsm_emu_init(&emu, &kOps, &mem, &cfg, nullptr, kNrCpus), -1);
}

TEST(EmuInit, AcceptsLimits) {
  GuestMemory mem;
  std::array<svsm_emu_cpu, kNrCpus> cpus{};
  svsm_emu emu{};
  svsm_emu_config cfg = DefaultConfig();
  cfg.vmpl = 3;
  cfg.pool_pages = SVSM_EMU_POOL_MAX_PAGES;
  cfg.protocols[SVSM_PROTOCOL_VTPM] = {0, 0};
  cfg.protocols[SVSM_PROTOCOL_ATTEST] = {1, 7};
  EXPECT_EQ(svsm_emu_init(&emu, &kOps, &mem, &cfg, cpus.data(), kNrCpus), 0);
  EXPECT_TRUE(svsm_emu_pool_page_valid(&emu, SVSM_EMU_POOL_MAX_PAGES - 1));
}

TEST(EmuInit, ZeroesStateAndValidatesThePool) {
  GuestMemory mem;
  std::array<svsm_emu_cpu, kNrCpus> cpus;
  svsm_emu emu;
  std::memset(static_cast<void *>(cpus.data()), 0xa5, sizeof(cpus));
  std::memset(static_cast<void *>(&emu), 0xa5, sizeof(emu));
  svsm_emu_config cfg = DefaultConfig();
  ASSERT_EQ(svsm_emu_init(&emu, &kOps, &mem, &cfg, cpus.data(), kNrCpus), 0);

  svsm_emu_stats s{};
  svsm_emu_get_stats(&emu, &s);
  EXPECT_EQ(s.vmgexits + s.serviced + s.spurious + s.bad_requests + s.faults + s.remaps, 0u);
  EXPECT_EQ(emu.fault, SVSM_EMU_FAULT_NONE);
  EXPECT_EQ(emu.fault_count, 0u);
  EXPECT_EQ(emu.tpm_counter, 0u);
  for (const auto &v : emu.vmsa) EXPECT_EQ(v.gpa, 0u);
  for (unsigned i = 0; i < kNrCpus; i++) {
    EXPECT_FALSE(cpus[i].present);
    EXPECT_EQ(svsm_emu_registered_caa(&emu, i), 0u);
    EXPECT_EQ(svsm_emu_ghcb_read(&emu, i), 0u);
  }
  for (uint32_t i = 0; i < kPoolPages; i++) EXPECT_TRUE(svsm_emu_pool_page_valid(&emu, i)) << i;
  EXPECT_FALSE(svsm_emu_pool_page_valid(&emu, kPoolPages));
  EXPECT_EQ(emu.pool_valid[0], 0xffffull);
  EXPECT_EQ(emu.pool_valid[1], 0u);
}

TEST_F(EmuTest, RegisterCpuSetsPresenceApicIdAndCa) {
  EXPECT_TRUE(cpus[2].present);
  EXPECT_EQ(cpus[2].apic_id, 4u);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 2), kCpuCa[2]);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, kNrCpus), 0u);
  svsm_emu_register_cpu(&emu, kNrCpus, 9, kScratch);  // out of range: ignored
  svsm_emu_register_cpu(&emu, 0, 0, kBootCa);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kBootCa);
}

TEST_F(EmuTest, GhcbMsrReadsBackWhatWasWritten) {
  svsm_emu_ghcb_write(&emu, 1, 0x1234567890abcdefULL);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, 1), 0x1234567890abcdefULL);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, 0), 0u);
  svsm_emu_ghcb_write(&emu, kNrCpus, 1);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, kNrCpus), 0u);
}

// ------------------------------------------------------- secrets page ----

TEST_F(EmuTest, FillSecretsWritesTheSvsmFieldsAndZeroesTheRest) {
  cfg.protocols[SVSM_PROTOCOL_CORE] = {1, 3};
  cfg.vmpl = 3;
  Init();
  std::vector<uint8_t> page(4096, 0xff);
  svsm_emu_fill_secrets(&emu, page.data());
  auto le = [&](size_t off, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = v << 8 | page[off + i];
    return v;
  };
  EXPECT_EQ(le(0x140, 8), kSvsmBase);
  EXPECT_EQ(le(0x148, 8), kSvsmSize);
  EXPECT_EQ(le(0x150, 8), kBootCa);
  EXPECT_EQ(le(0x158, 4), 3u);
  EXPECT_EQ(page[0x15c], 3u);
  for (size_t i = 0; i < page.size(); i++) {
    if (i < 0x140 || i > 0x15c) {
      ASSERT_EQ(page[i], 0) << "offset " << i;
    }
  }
}

// ----------------------------------------------------------- transport ----

TEST_F(EmuTest, ServicedCallAnswersTheMsrAndClearsPending) {
  Result r = Core(SVSM_CORE_QUERY_PROTOCOL, SVSM_RAX(SVSM_PROTOCOL_CORE, 1), 0x77, 0x88);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, (1ull << 32) | 1);
  EXPECT_EQ(r.rdx, 0x77u);  // QUERY_PROTOCOL writes only RCX
  EXPECT_EQ(r.r8, 0x88u);
  EXPECT_EQ(r.pending, 0);
  EXPECT_EQ(r.ghcb, GHCB_MSR_VMPL_RESP);
  svsm_emu_stats s = Stats();
  EXPECT_EQ(s.vmgexits, 1u);
  EXPECT_EQ(s.serviced, 1u);
  EXPECT_EQ(s.spurious, 0u);
  EXPECT_EQ(s.bad_requests, 0u);
  EXPECT_EQ(cpus[0].calls, 1u);
  EXPECT_EQ(cpus[1].calls, 0u);
}

TEST_F(EmuTest, PendingIsClearedInTheCaRegisteredAtEntry) {
  // CALL_PENDING is cleared before the call runs (COCONUT): after a remap
  // the flag the guest set in its old CA must be clear, not left behind.
  Result r = Core(SVSM_CORE_REMAP_CA, kScratch);
  ASSERT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.pending, 0);  // read back from the old CA
  EXPECT_EQ(Get8(kScratch), 0);
}

TEST_F(EmuTest, ResultCodeUsesOnlyTheLow32BitsOfRax) {
  Result r = Call(0, SVSM_RAX(7, 0));
  EXPECT_EQ(r.rax, 0x80000001ull);
}

TEST_F(EmuTest, NoVmplRequestInTheMsrIsABadRequest) {
  svsm_emu_ghcb_write(&emu, 0, 0x123000);  // a GHCB GPA, not an MSR-protocol request
  Put8(kCpuCa[0], 1);
  svsm_emu_regs regs{SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 1, 2, 3, 4};
  svsm_emu_vmgexit(&emu, 0, &regs);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, 0), 0x123000u);
  EXPECT_EQ(regs.rax, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL));
  EXPECT_EQ(regs.rcx, 1u);
  EXPECT_EQ(Get8(kCpuCa[0]), 1);
  svsm_emu_stats s = Stats();
  EXPECT_EQ(s.vmgexits, 1u);
  EXPECT_EQ(s.bad_requests, 1u);
  EXPECT_EQ(s.serviced, 0u);
  EXPECT_EQ(s.spurious, 0u);
}

TEST_F(EmuTest, VmplRequestForAnotherLevelIsABadRequest) {
  svsm_emu_ghcb_write(&emu, 1, GHCB_MSR_VMPL_REQ_LEVEL(1));
  Put8(kCpuCa[1], 1);
  svsm_emu_regs regs{0, 0, 0, 0, 0};
  svsm_emu_vmgexit(&emu, 1, &regs);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, 1), GHCB_MSR_VMPL_REQ_LEVEL(1));
  EXPECT_EQ(Get8(kCpuCa[1]), 1);
  EXPECT_EQ(Stats().bad_requests, 1u);
}

TEST_F(EmuTest, VmgexitOnAnUnknownCpuIsABadRequest) {
  svsm_emu_regs regs{1, 2, 3, 4, 5};
  svsm_emu_vmgexit(&emu, kNrCpus, &regs);
  EXPECT_EQ(regs.rax, 1u);
  EXPECT_EQ(Stats().bad_requests, 1u);
  EXPECT_EQ(Stats().vmgexits, 1u);
}

TEST_F(EmuTest, EntryWithoutPendingIsSpurious) {
  svsm_emu_ghcb_write(&emu, 2, GHCB_MSR_VMPL_REQ_LEVEL(0));
  svsm_emu_regs regs{SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 1, 2, 3, 4};
  svsm_emu_vmgexit(&emu, 2, &regs);
  EXPECT_EQ(svsm_emu_ghcb_read(&emu, 2), GHCB_MSR_VMPL_RESP);  // the hypervisor answered
  EXPECT_EQ(regs.rax, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL));
  EXPECT_EQ(regs.rcx, 1u);
  EXPECT_EQ(Stats().spurious, 1u);
  EXPECT_EQ(Stats().serviced, 0u);
  EXPECT_EQ(cpus[2].spurious, 1u);
  EXPECT_EQ(cpus[2].calls, 0u);
}

TEST_F(EmuTest, PendingSetInAnotherCpusCaIsNotServiced) {
  // The guest on CPU 0 signals through CPU 1's CA (hazard: wrong CA).
  Result r = Call(0, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 5, 6, 7, kCpuCa[1]);
  EXPECT_EQ(r.pending, 1);  // not serviced
  EXPECT_EQ(r.rax, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL));
  EXPECT_EQ(r.rcx, 5u);
  EXPECT_EQ(r.ghcb, GHCB_MSR_VMPL_RESP);
  EXPECT_EQ(Stats().spurious, 1u);
  EXPECT_EQ(Stats().serviced, 0u);
  EXPECT_EQ(cpus[0].spurious, 1u);
  EXPECT_EQ(cpus[1].spurious, 0u);
}

TEST_F(EmuTest, PendingSetInAPrivatePageIsNotServiced) {
  Result r = Call(3, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 5, 0, 0, kScratch);
  EXPECT_EQ(r.pending, 1);
  EXPECT_EQ(Stats().spurious, 1u);
}

TEST_F(EmuTest, CpuWithoutVmsaIsSpurious) {
  Init(3);  // CPU 3 is not registered
  svsm_emu_ghcb_write(&emu, 3, GHCB_MSR_VMPL_REQ_LEVEL(0));
  Put8(kCpuCa[3], 1);
  svsm_emu_regs regs{0, 0, 0, 0, 0};
  svsm_emu_vmgexit(&emu, 3, &regs);
  EXPECT_EQ(Get8(kCpuCa[3]), 1);
  EXPECT_EQ(Stats().spurious, 1u);
  EXPECT_EQ(cpus[3].spurious, 1u);
}

TEST_F(EmuTest, UnmappableRegisteredCaIsSpurious) {
  svsm_emu_register_cpu(&emu, 1, kApicId[1], kUnmapped);
  svsm_emu_ghcb_write(&emu, 1, GHCB_MSR_VMPL_REQ_LEVEL(0));
  svsm_emu_regs regs{0, 0, 0, 0, 0};
  svsm_emu_vmgexit(&emu, 1, &regs);
  EXPECT_EQ(Stats().spurious, 1u);
  EXPECT_EQ(cpus[1].spurious, 1u);
}

TEST_F(EmuTest, ReservedPendingValueIsInvalidFormat) {
  svsm_emu_ghcb_write(&emu, 0, GHCB_MSR_VMPL_REQ_LEVEL(0));
  Put8(kCpuCa[0], 2);
  svsm_emu_regs regs{SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 1, 2, 3, 4};
  svsm_emu_vmgexit(&emu, 0, &regs);
  EXPECT_EQ(regs.rax, SVSM_ERR_INVALID_FORMAT);
  EXPECT_EQ(regs.rcx, 1u);  // the call did not run
  EXPECT_EQ(Get8(kCpuCa[0]), 0);
  EXPECT_EQ(Stats().serviced, 1u);  // CALL_PENDING was cleared
}

TEST_F(EmuTest, ProtocolNotOfferedIsUnsupportedProtocol) {
  cfg.protocols[SVSM_PROTOCOL_VTPM] = {0, 0};
  Init();
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_VTPM, SVSM_VTPM_QUERY), 9).rax,
            SVSM_ERR_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_APIC, 0)).rax, SVSM_ERR_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_NR_PROTOCOLS, 0)).rax, SVSM_ERR_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(Call(0, SVSM_RAX(0xffffffffu, 0)).rax, SVSM_ERR_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(Call(0, SVSM_RAX(0x80000000u, 0)).rax, SVSM_ERR_UNSUPPORTED_PROTOCOL);
}

TEST_F(EmuTest, LockIsTakenForEveryEntryPoint) {
  int before = mem.locks;
  Core(SVSM_CORE_QUERY_PROTOCOL);  // ghcb write + registered_caa + vmgexit + ghcb read
  EXPECT_EQ(mem.locks - before, 4);
  before = mem.locks;
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 1, 0, 0);
  Stats();
  svsm_emu_pool_page_valid(&emu, 0);
  EXPECT_EQ(mem.locks - before, 3);
}

// -------------------------------------------------------------- faults ----

TEST_F(EmuTest, BusyFaultAnswersBusyUntilTheCountRunsOut) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 2, 0, 0);
  for (int i = 0; i < 2; i++) {
    Result r = Core(SVSM_CORE_REMAP_CA, kScratch, 1, 2);
    EXPECT_EQ(r.rax, SVSM_ERR_BUSY);
    EXPECT_EQ(r.pending, 0);  // serviced
    EXPECT_EQ(r.rcx, kScratch);
  }
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kCpuCa[0]);  // nothing happened
  EXPECT_EQ(Stats().faults, 2u);
  EXPECT_EQ(Stats().remaps, 0u);
  EXPECT_EQ(emu.fault, SVSM_EMU_FAULT_NONE);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kScratch).rax, SVSM_SUCCESS);
  EXPECT_EQ(Stats().serviced, 3u);
}

TEST_F(EmuTest, IncompleteFaultAnswersIncomplete) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_INCOMPLETE, 1, 0, 0);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL, 0, 0, 0).rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  EXPECT_EQ(Stats().faults, 1u);
}

TEST_F(EmuTest, ResultFaultAnswersTheGivenCode) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_RESULT, 3, 0x80001234u, 0);
  for (int i = 0; i < 3; i++) {
    Result r = Core(SVSM_CORE_QUERY_PROTOCOL, 7);
    EXPECT_EQ(r.rax, 0x80001234u);
    EXPECT_EQ(r.rcx, 7u);  // the call did not run
    EXPECT_EQ(r.pending, 0);
  }
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_RESULT, 1, 0x4000000au, 0);  // "needs 10 pages"
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL, 7).rax, 0x4000000au);
  EXPECT_EQ(Stats().faults, 4u);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
}

TEST_F(EmuTest, UnservicedFaultAnswersTheMsrButSkipsTheSvsm) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_UNSERVICED, 1, 0, 0);
  Result r = Core(SVSM_CORE_QUERY_PROTOCOL, 5);
  EXPECT_EQ(r.ghcb, GHCB_MSR_VMPL_RESP);
  EXPECT_EQ(r.pending, 1);
  EXPECT_EQ(r.rax, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL));
  EXPECT_EQ(r.rcx, 5u);
  svsm_emu_stats s = Stats();
  EXPECT_EQ(s.faults, 1u);
  EXPECT_EQ(s.serviced, 0u);
  EXPECT_EQ(s.spurious, 0u);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).pending, 0);
}

TEST_F(EmuTest, VmplRefuseFaultAnswersOneInTheMsr) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_VMPL_REFUSE, 2, 0, 0);
  for (int i = 0; i < 2; i++) {
    Result r = Core(SVSM_CORE_QUERY_PROTOCOL, 5);
    EXPECT_EQ(r.ghcb, GHCB_MSR_VMPL_RESP | (1ull << 32));
    EXPECT_EQ(GHCB_MSR_VMPL_RESP_VAL(r.ghcb), 1u);
    EXPECT_EQ(r.pending, 1);
    EXPECT_EQ(r.rcx, 5u);
  }
  EXPECT_EQ(Stats().faults, 2u);
  EXPECT_EQ(Stats().serviced, 0u);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).ghcb, GHCB_MSR_VMPL_RESP);
}

TEST_F(EmuTest, FaultsAreNotSpentOnBadOrSpuriousEntries) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 1, 0, 0);
  svsm_emu_regs regs{};
  svsm_emu_vmgexit(&emu, 0, &regs);  // MSR holds no request
  svsm_emu_ghcb_write(&emu, 0, GHCB_MSR_VMPL_REQ_LEVEL(0));
  svsm_emu_vmgexit(&emu, 0, &regs);  // CALL_PENDING clear
  EXPECT_EQ(Stats().faults, 0u);
  EXPECT_EQ(emu.fault_count, 1u);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_ERR_BUSY);
}

TEST_F(EmuTest, SkipLetsCallsThroughBeforeTheFault) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_RESULT, 1, SVSM_ERR_INVALID_REQUEST, 2);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_ERR_INVALID_REQUEST);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  EXPECT_EQ(Stats().faults, 1u);
}

TEST_F(EmuTest, SkipCountsOnlyCallsTheFaultCouldHit) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_UNSERVICED, 1, 0, 1);
  svsm_emu_regs regs{};
  svsm_emu_vmgexit(&emu, 0, &regs);                      // no VMPL0 request in the MSR: not counted
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).pending, 0);  // the one let through
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).pending, 1);  // the fault
  EXPECT_EQ(Stats().faults, 1u);
}

TEST_F(EmuTest, InjectWithCountZeroOrNoneClears) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 5, 0, 0);
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 0, 0, 0);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_UNSERVICED, 5, 0, 0);
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_NONE, 5, 0, 0);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).pending, 0);
  svsm_emu_inject(&emu, SVSM_EMU_NR_FAULTS, 5, 0, 0);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
  EXPECT_EQ(Stats().faults, 0u);
}

TEST_F(EmuTest, InjectReplacesAPendingFault) {
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_BUSY, 5, 0, 0);
  svsm_emu_inject(&emu, SVSM_EMU_FAULT_INCOMPLETE, 1, 0, 0);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Core(SVSM_CORE_QUERY_PROTOCOL).rax, SVSM_SUCCESS);
}

// ----------------------------------------------------------- REMAP_CA ----

TEST_F(EmuTest, RemapCaMovesTheCallingCpuOnly) {
  Fill(kScratch, 16, 0xee);
  Result r = Core(SVSM_CORE_REMAP_CA, kScratch, 0x11, 0x22);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, kScratch);
  EXPECT_EQ(r.rdx, 0x11u);
  EXPECT_TRUE(AllEqual(kScratch, 8, 0));         // new CA: first 8 bytes zeroed
  EXPECT_TRUE(AllEqual(kScratch + 8, 8, 0xee));  // the buffer is left alone
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 1), kCpuCa[1]);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kScratch);
  EXPECT_EQ(Stats().remaps, 1u);

  // The new CA is used from now on; the old one is just a page.
  EXPECT_EQ(Call(0, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 0, 0, 0, kScratch).pending, 0);
  EXPECT_EQ(Call(0, SVSM_RAX(0, SVSM_CORE_QUERY_PROTOCOL), 0, 0, 0, kCpuCa[0]).pending, 1);
}

TEST_F(EmuTest, RemapCaUnalignedIsInvalidParameter) {
  Fill(kScratch, 16, 0xee);
  Result r = Core(SVSM_CORE_REMAP_CA, kScratch + 8);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_TRUE(AllEqual(kScratch, 16, 0xee));
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kCpuCa[0]);
}

TEST_F(EmuTest, RemapCaUnmappableIsInvalidAddress) {
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kUnmapped).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kMemEnd - kPage).rax, SVSM_SUCCESS);
}

TEST_F(EmuTest, RemapCaToAPageTheHostWillFreeIsInvalidAddress) {
  mem.transient = kScratch;
  Fill(kScratch, 8, 0xee);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kScratch).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_TRUE(AllEqual(kScratch, 8, 0xee));  // refused before the page is touched
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kCpuCa[0]);
  EXPECT_EQ(Stats().remaps_refused_live, 1u);  // the e2e race test counts on it
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kScratch + kPage).rax, SVSM_SUCCESS);  // the next page may
  EXPECT_EQ(Stats().remaps_refused_live, 1u);
}

TEST_F(EmuTest, RemapCaIntoSvsmMemoryIsInvalidAddressAndTouchesNothing) {
  Fill(kSvsmBase + 0x2000, 8, 0xee);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kSvsmBase + 0x2000).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_TRUE(AllEqual(kSvsmBase + 0x2000, 8, 0xee));
  EXPECT_EQ(Stats().remaps, 0u);
  EXPECT_EQ(Stats().remaps_refused_live, 0u);  // not live: never reachable
}

// COCONUT f4bc4bcd checks the target's CA header with guest_ptr() before it
// writes (core.rs:475, mm/guestmem.rs:630): every registered CA, the
// caller's own included, is INVALID_ADDRESS and nothing is zeroed.
TEST_F(EmuTest, RemapCaToTheCurrentCaIsInvalidAddressAndTouchesNothing) {
  Put8(kCpuCa[0] + 1, 1);  // MEM_AVAILABLE
  Put8(kCpuCa[0] + 8, 0x5a);
  Result r = Core(SVSM_CORE_REMAP_CA, kCpuCa[0]);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(r.rcx, kCpuCa[0]);
  EXPECT_EQ(Stats().remaps, 0u);
  EXPECT_EQ(Get8(kCpuCa[0] + 1), 1);
  EXPECT_EQ(Get8(kCpuCa[0] + 8), 0x5a);
}

TEST_F(EmuTest, RemapCaOntoAnotherCpusCaIsRefusedBeforeAnythingIsWritten) {
  for (int i = 0; i < 16; i++) Put8(kCpuCa[1] + i, static_cast<uint8_t>(i + 1));
  Result r = Core(SVSM_CORE_REMAP_CA, kCpuCa[1]);
  EXPECT_EQ(r.rax, SVSM_ERR_INVALID_ADDRESS);
  for (int i = 0; i < 16; i++) EXPECT_EQ(Get8(kCpuCa[1] + i), i + 1);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kCpuCa[0]);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 1), kCpuCa[1]);
  EXPECT_EQ(Stats().remaps, 0u);
  EXPECT_EQ(Stats().remaps_refused_live, 1u);
}

constexpr uint64_t kVmsa = kScratch + 0x10000;   // a VMSA page for CREATE_VCPU
constexpr uint64_t kNewCa = kScratch + 0x11000;  // and its CA

class EmuVcpuTest : public EmuTest {
 protected:
  void MakeVmsa(uint64_t gpa, uint8_t vmpl, uint64_t efer, uint64_t sev_features) {
    Fill(gpa, kPage, 0);
    Put8(gpa + SVSM_EMU_VMSA_VMPL, vmpl);
    Put64(gpa + SVSM_EMU_VMSA_EFER, efer);
    Put64(gpa + SVSM_EMU_VMSA_SEV_FEATURES, sev_features);
  }
  void MakeVmsa(uint64_t gpa) {
    MakeVmsa(gpa, cfg.vmpl, SVSM_EMU_EFER_SVME | 0x1d01, kSevFeatures);
  }
  Result Create(uint64_t vmsa, uint64_t ca, uint64_t apic) {
    return Core(SVSM_CORE_CREATE_VCPU, vmsa, ca, apic);
  }
};

TEST_F(EmuVcpuTest, CreateVcpuOnPagesTheHostWillFreeIsInvalidAddress) {
  MakeVmsa(kVmsa);
  mem.transient = kVmsa;
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_ADDRESS);
  mem.transient = kNewCa;
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_ADDRESS);
  mem.transient = 0;
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
}

TEST_F(EmuVcpuTest, RemapCaOntoAVmsaIsInvalidAddress) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kVmsa).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(Stats().remaps, 0u);
}

TEST_F(EmuVcpuTest, RemapCaOntoTheCaOfACreatedVcpuIsInvalidAddress) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_REMAP_CA, kNewCa).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(svsm_emu_registered_caa(&emu, 0), kCpuCa[0]);
}

// ---------------------------------------------------------- PVALIDATE ----

class EmuPvalTest : public EmuTest {
 protected:
  static constexpr uint64_t kList = kScratch + 0x1000;

  void WriteList(uint64_t gpa, const std::vector<uint64_t> &entries, uint16_t next = 0) {
    Put16(gpa, static_cast<uint16_t>(entries.size()));
    Put16(gpa + 2, next);
    Put32(gpa + 4, 0);
    for (size_t i = 0; i < entries.size(); i++) Put64(gpa + 8 + 8 * i, entries[i]);
  }
  Result Pval(uint64_t gpa = kList) { return Core(SVSM_CORE_PVALIDATE, gpa); }
  uint16_t Next(uint64_t gpa = kList) { return Get16(gpa + 2); }
  bool Valid(uint32_t i) { return svsm_emu_pool_page_valid(&emu, i); }
};

TEST_F(EmuPvalTest, InvalidateThenValidate) {
  Fill(PoolPage(1), kPage, 0xab);
  WriteList(kList, {PoolPage(0), PoolPage(1), PoolPage(5)});
  Result r = Pval();
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, kList);
  EXPECT_EQ(Next(), 3);
  EXPECT_FALSE(Valid(0));
  EXPECT_FALSE(Valid(1));
  EXPECT_TRUE(Valid(2));
  EXPECT_FALSE(Valid(5));
  EXPECT_TRUE(AllEqual(PoolPage(1), kPage, 0xab));  // invalidation keeps the contents

  WriteList(kList, {PoolPage(1) | kPvalValidate});
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_TRUE(Valid(1));
  EXPECT_TRUE(AllEqual(PoolPage(1), kPage, 0));  // validation zeroes the page
}

TEST_F(EmuPvalTest, ValidatingAValidPageIsUnchangedAndStopsThere) {
  Fill(PoolPage(1), kPage, 0xab);
  WriteList(kList, {PoolPage(0), PoolPage(1) | kPvalValidate, PoolPage(2)});
  EXPECT_EQ(Pval().rax, SVSM_ERR_PVALIDATE_FAIL_UNCHANGED);
  EXPECT_EQ(Next(), 1);
  EXPECT_FALSE(Valid(0));
  EXPECT_TRUE(Valid(1));
  EXPECT_TRUE(Valid(2));  // not reached
  EXPECT_TRUE(AllEqual(PoolPage(1), kPage, 0xab));
}

TEST_F(EmuPvalTest, IgnoreCfValidatesAValidPageAndZeroesIt) {
  Fill(PoolPage(1), kPage, 0xab);
  WriteList(kList, {PoolPage(1) | kPvalValidate | kPvalIgnoreCf});
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_EQ(Next(), 1);
  EXPECT_TRUE(Valid(1));
  EXPECT_TRUE(AllEqual(PoolPage(1), kPage, 0));
}

TEST_F(EmuPvalTest, InvalidatingAnInvalidPageIsUnchanged) {
  WriteList(kList, {PoolPage(3)});
  ASSERT_EQ(Pval().rax, SVSM_SUCCESS);
  WriteList(kList, {PoolPage(3)});
  EXPECT_EQ(Pval().rax, SVSM_ERR_PVALIDATE_FAIL_UNCHANGED);
  EXPECT_EQ(Next(), 0);
  WriteList(kList, {PoolPage(3) | kPvalIgnoreCf});
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_FALSE(Valid(3));
}

TEST_F(EmuPvalTest, ResumesAtNext) {
  // Entries before next would fail if they were processed again.
  WriteList(kList, {kUnmapped, kUnmapped, PoolPage(4)}, 2);
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_EQ(Next(), 3);
  EXPECT_FALSE(Valid(4));
}

TEST_F(EmuPvalTest, ListAddressNotEightByteAlignedIsInvalidParameter) {
  WriteList(kList + 4, {PoolPage(0)});
  EXPECT_EQ(Pval(kList + 4).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Next(kList + 4), 0);
  EXPECT_TRUE(Valid(0));
}

// core.rs:418-421: the header is read through guest_ptr(), which refuses
// memory that is not the guest's with INVALID_ADDRESS (COCONUT f4bc4bcd).
TEST_F(EmuPvalTest, UnmappableListIsInvalidAddress) {
  EXPECT_EQ(Pval(kUnmapped).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuPvalTest, ListInSvsmMemoryIsInvalidAddress) {
  WriteList(kSvsmBase, {PoolPage(0)});
  EXPECT_EQ(Pval(kSvsmBase).rax, SVSM_ERR_INVALID_ADDRESS);
  EXPECT_EQ(Next(kSvsmBase), 0);
  EXPECT_TRUE(Valid(0));
}

TEST_F(EmuPvalTest, ZeroEntriesIsInvalidParameter) {
  WriteList(kList, {});
  EXPECT_EQ(Pval().rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuPvalTest, NextEqualToEntriesIsInvalidParameter) {
  WriteList(kList, {PoolPage(0), PoolPage(1)}, 2);
  EXPECT_EQ(Pval().rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Next(), 2);
  EXPECT_TRUE(Valid(0));
}

TEST_F(EmuPvalTest, NextAboveEntriesIsInvalidParameter) {
  WriteList(kList, {PoolPage(0)}, 7);
  EXPECT_EQ(Pval().rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Next(), 7);
}

TEST_F(EmuPvalTest, MoreEntriesThanFitInThePageIsInvalidParameter) {
  // At page offset 0x10 the list holds (4096 - 16 - 8) / 8 = 509 entries.
  const uint64_t list = kScratch + 0x2010;
  std::vector<uint64_t> entries(510, PoolPage(0) | kPvalIgnoreCf);
  WriteList(list, entries);
  EXPECT_EQ(Pval(list).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_TRUE(Valid(0));
  entries.resize(509);
  WriteList(list, entries);
  EXPECT_EQ(Pval(list).rax, SVSM_SUCCESS);
  EXPECT_EQ(Next(list), 509);
  EXPECT_FALSE(Valid(0));
}

TEST_F(EmuPvalTest, HeaderAtTheEndOfAPageHasNoRoomForEntries) {
  const uint64_t list = kScratch + 0x2ff8;
  Put16(list, 1);
  Put16(list + 2, 0);
  EXPECT_EQ(Pval(list).rax, SVSM_ERR_INVALID_PARAMETER);
}

struct BadEntry {
  const char *name;
  uint64_t entry;
  uint32_t error;
};

class EmuPvalEntryTest : public EmuPvalTest, public ::testing::WithParamInterface<BadEntry> {};

TEST_P(EmuPvalEntryTest, FailsAtTheBadEntry) {
  WriteList(kList, {PoolPage(0), GetParam().entry, PoolPage(2)});
  Result r = Pval();
  EXPECT_EQ(r.rax, GetParam().error);
  EXPECT_EQ(Next(), 1);  // the failing entry, written back
  EXPECT_FALSE(Valid(0));
  EXPECT_TRUE(Valid(2));
}

INSTANTIATE_TEST_SUITE_P(
    Entries, EmuPvalEntryTest,
    ::testing::Values(
        BadEntry{"PageSize2", PoolPage(1) | 2, SVSM_ERR_INVALID_PARAMETER},
        BadEntry{"PageSize3", PoolPage(1) | 3, SVSM_ERR_INVALID_PARAMETER},
        BadEntry{"ReservedBit4", PoolPage(1) | (1u << 4), SVSM_ERR_INVALID_PARAMETER},
        BadEntry{"ReservedBit11", PoolPage(1) | (1u << 11), SVSM_ERR_INVALID_PARAMETER},
        BadEntry{"Unaligned2M", PoolPage(1) | 1, SVSM_ERR_INVALID_PARAMETER},
        BadEntry{"SvsmMemory", kSvsmBase + 0x1000, SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"BelowPool", kPoolGpa - kPage, SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"PastPool", PoolPage(kPoolPages), SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"OutsideGuestMemory", kUnmapped | kPvalValidate, SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"Huge2MOverlappingSvsm", 0x0 | 1, SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"Huge2MOutsidePool", 0x600000 | 1, SVSM_ERR_INVALID_ADDRESS},
        BadEntry{"Huge2MInPool", kPoolGpa | 1 | kPvalValidate | kPvalIgnoreCf,
                 SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH},
        BadEntry{"ValidateValid", PoolPage(1) | kPvalValidate, SVSM_ERR_PVALIDATE_FAIL_UNCHANGED}),
    [](const ::testing::TestParamInfo<BadEntry> &p) { return std::string(p.param.name); });

TEST_F(EmuPvalTest, BatchAnswersIncompleteUntilDone) {
  cfg.pvalidate_batch = 2;
  Init();
  WriteList(kList, {PoolPage(0), PoolPage(1), PoolPage(2), PoolPage(3), PoolPage(4)});
  Result r = Pval();
  EXPECT_EQ(r.rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Next(), 2);
  EXPECT_FALSE(Valid(1));
  EXPECT_TRUE(Valid(2));
  EXPECT_EQ(Pval().rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Next(), 4);
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_EQ(Next(), 5);
  for (uint32_t i = 0; i < 5; i++) EXPECT_FALSE(Valid(i)) << i;
  EXPECT_TRUE(Valid(5));
}

TEST_F(EmuPvalTest, BatchEndingExactlyAtTheListEndIsSuccess) {
  cfg.pvalidate_batch = 2;
  Init();
  WriteList(kList, {PoolPage(0), PoolPage(1), PoolPage(2), PoolPage(3)});
  EXPECT_EQ(Pval().rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Pval().rax, SVSM_SUCCESS);
  EXPECT_EQ(Next(), 4);
}

TEST_F(EmuPvalTest, ErrorInsideABatchIsReported) {
  cfg.pvalidate_batch = 2;
  Init();
  WriteList(kList, {PoolPage(0), PoolPage(1), PoolPage(2) | 2, PoolPage(3)});
  EXPECT_EQ(Pval().rax, SVSM_ERR_INCOMPLETE);
  EXPECT_EQ(Pval().rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Next(), 2);
}

TEST_F(EmuPvalTest, LinuxStyleRetryLoopFinishesALongList) {
  cfg.pvalidate_batch = 3;
  Init();
  std::vector<uint64_t> entries;
  for (uint32_t i = 0; i < kPoolPages; i++) entries.push_back(PoolPage(i));
  WriteList(kCpuCa[0] + SVSM_CA_BUFFER, entries);  // where Linux builds it
  int calls = 0;
  Result r;
  do {
    r = Pval(kCpuCa[0] + SVSM_CA_BUFFER);
    calls++;
  } while (r.rax == SVSM_ERR_INCOMPLETE && calls < 100);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(calls, 6);  // 16 entries, 3 per call
  EXPECT_EQ(Next(kCpuCa[0] + SVSM_CA_BUFFER), kPoolPages);
  for (uint32_t i = 0; i < kPoolPages; i++) EXPECT_FALSE(Valid(i)) << i;
}

// -------------------------------------------------- CREATE/DELETE_VCPU ----

TEST_F(EmuVcpuTest, CreateRecordsTheVmsaWithoutMovingAnyCa) {
  MakeVmsa(kVmsa);
  Result r = Create(kVmsa, kNewCa, (0xdeadull << 32) | kApicId[3]);  // R8[63:32] ignored
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, kVmsa);
  EXPECT_EQ(emu.vmsa[0].gpa, kVmsa);
  EXPECT_EQ(emu.vmsa[0].caa, kNewCa);
  EXPECT_EQ(emu.vmsa[0].apic_id, kApicId[3]);
  for (unsigned i = 0; i < kNrCpus; i++) EXPECT_EQ(svsm_emu_registered_caa(&emu, i), kCpuCa[i]);
}

struct BadVcpu {
  const char *name;
  uint64_t vmsa, ca;
  uint32_t error;
};

class EmuVcpuAddressTest : public EmuVcpuTest, public ::testing::WithParamInterface<BadVcpu> {};

TEST_P(EmuVcpuAddressTest, Rejected) {
  MakeVmsa(kVmsa);
  MakeVmsa(kVmsa + 0x800);
  EXPECT_EQ(Create(GetParam().vmsa, GetParam().ca, kApicId[1]).rax, GetParam().error);
  EXPECT_EQ(emu.vmsa[0].gpa, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, EmuVcpuAddressTest,
    ::testing::Values(BadVcpu{"VmsaUnaligned", kVmsa + 0x800, kNewCa, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"CaUnaligned", kVmsa, kNewCa + 8, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"VmsaUnmappable", kUnmapped, kNewCa, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"CaUnmappable", kVmsa, kUnmapped, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"VmsaInSvsmMemory", kSvsmBase, kNewCa, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"CaInSvsmMemory", kVmsa, kSvsmBase + 0x3000,
                              SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"VmsaIsCa", kVmsa, kVmsa, SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"CaIsARegisteredCa", kVmsa, kCpuCa[1], SVSM_ERR_INVALID_ADDRESS},
                      BadVcpu{"VmsaIsARegisteredCa", kCpuCa[2], kNewCa, SVSM_ERR_INVALID_ADDRESS}),
    [](const ::testing::TestParamInfo<BadVcpu> &p) { return std::string(p.param.name); });

TEST_F(EmuVcpuTest, VmsaIsRegisteredCaEvenWithAValidVmsaImage) {
  MakeVmsa(kCpuCa[2]);
  EXPECT_EQ(Create(kCpuCa[2], kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuVcpuTest, UnknownApicIdIsInvalidParameter) {
  MakeVmsa(kVmsa);
  EXPECT_EQ(Create(kVmsa, kNewCa, 1).rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuVcpuTest, ApicIdOfAnUnregisteredCpuIsInvalidParameter) {
  Init(3);
  MakeVmsa(kVmsa);
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[3]).rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuVcpuTest, VmsaAlreadyInUseIsInvalidAddress) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Create(kVmsa, kNewCa + kPage, kApicId[1]).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuVcpuTest, CaOfAnotherVmsaIsInvalidAddress) {
  MakeVmsa(kVmsa);
  MakeVmsa(kVmsa + 0x2000);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Create(kVmsa + 0x2000, kNewCa, kApicId[2]).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuVcpuTest, VmsaOnAnotherVmsasCaIsInvalidAddress) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  MakeVmsa(kNewCa);
  EXPECT_EQ(Create(kNewCa, kNewCa + kPage, kApicId[2]).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuVcpuTest, CaOnAnotherVmsaIsInvalidAddress) {
  MakeVmsa(kVmsa);
  MakeVmsa(kVmsa + 0x2000);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Create(kVmsa + 0x2000, kVmsa, kApicId[2]).rax, SVSM_ERR_INVALID_ADDRESS);
}

TEST_F(EmuVcpuTest, WrongVmplIsInvalidParameter) {
  MakeVmsa(kVmsa, 1, SVSM_EMU_EFER_SVME, kSevFeatures);
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(emu.vmsa[0].gpa, 0u);
}

TEST_F(EmuVcpuTest, SvmeClearIsInvalidParameter) {
  MakeVmsa(kVmsa, 2, 0x0d01, kSevFeatures);  // LME, LMA, NXE, SCE but no SVME
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuVcpuTest, OtherSevFeaturesIsInvalidParameter) {
  MakeVmsa(kVmsa, 2, SVSM_EMU_EFER_SVME, kSevFeatures | 0x100);
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_ERR_INVALID_PARAMETER);
}

TEST_F(EmuVcpuTest, FullTableIsInvalidRequest) {
  const uint64_t vmsas = kScratch + 0x10000, cas = vmsas + SVSM_EMU_MAX_VMSAS * kPage;
  for (unsigned i = 0; i < SVSM_EMU_MAX_VMSAS; i++) MakeVmsa(vmsas + i * kPage);
  for (unsigned i = 0; i < SVSM_EMU_MAX_VMSAS; i++)
    ASSERT_EQ(Create(vmsas + i * kPage, cas + i * kPage + kPage, kApicId[i % kNrCpus]).rax,
              SVSM_SUCCESS)
        << i;
  const uint64_t last_vmsa = cas + kPage * (SVSM_EMU_MAX_VMSAS + 1);
  const uint64_t last_ca = last_vmsa + kPage;
  MakeVmsa(last_vmsa);
  EXPECT_EQ(Create(last_vmsa, last_ca, kApicId[0]).rax, SVSM_ERR_INVALID_REQUEST);
  EXPECT_EQ(Core(SVSM_CORE_DELETE_VCPU, vmsas + 5 * kPage).rax, SVSM_SUCCESS);
  EXPECT_EQ(Create(last_vmsa, last_ca, kApicId[0]).rax, SVSM_SUCCESS);
  EXPECT_EQ(emu.vmsa[5].gpa, last_vmsa);
}

TEST_F(EmuVcpuTest, DeleteFreesTheSlot) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  Result r = Core(SVSM_CORE_DELETE_VCPU, kVmsa, 3, 4);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, kVmsa);
  EXPECT_EQ(emu.vmsa[0].gpa, 0u);
  EXPECT_EQ(emu.vmsa[0].caa, 0u);
  // Both pages are free again.
  EXPECT_EQ(Create(kVmsa, kNewCa, kApicId[2]).rax, SVSM_SUCCESS);
}

TEST_F(EmuVcpuTest, DeleteUnknownVmsaIsInvalidParameter) {
  MakeVmsa(kVmsa);
  ASSERT_EQ(Create(kVmsa, kNewCa, kApicId[1]).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_DELETE_VCPU, kNewCa).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Core(SVSM_CORE_DELETE_VCPU, 0).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(Core(SVSM_CORE_DELETE_VCPU, kVmsa).rax, SVSM_SUCCESS);
  EXPECT_EQ(Core(SVSM_CORE_DELETE_VCPU, kVmsa).rax, SVSM_ERR_INVALID_PARAMETER);
}

// ------------------------------------------------------ other core calls ----

TEST_F(EmuTest, MemoryCallsAreUnsupported) {
  EXPECT_EQ(Core(SVSM_CORE_DEPOSIT_MEM, kScratch).rax, SVSM_ERR_UNSUPPORTED_CALL);
  EXPECT_EQ(Core(SVSM_CORE_WITHDRAW_MEM, kScratch).rax, SVSM_ERR_UNSUPPORTED_CALL);
}

TEST_F(EmuTest, UnknownCoreCallIsUnsupportedCall) {
  EXPECT_EQ(Core(8).rax, SVSM_ERR_UNSUPPORTED_CALL);
  EXPECT_EQ(Core(0xffffffffu).rax, SVSM_ERR_UNSUPPORTED_CALL);
}

TEST_F(EmuTest, QueryProtocolReportsOfferedVersions) {
  cfg.protocols[SVSM_PROTOCOL_ATTEST] = {1, 3};
  Init();
  auto query = [&](uint64_t protocol, uint32_t version) {
    Result r = Core(SVSM_CORE_QUERY_PROTOCOL, protocol << 32 | version);
    EXPECT_EQ(r.rax, SVSM_SUCCESS);
    return r.rcx;
  };
  EXPECT_EQ(query(SVSM_PROTOCOL_CORE, 1), (1ull << 32) | 1);
  EXPECT_EQ(query(SVSM_PROTOCOL_CORE, 2), 0u);
  EXPECT_EQ(query(SVSM_PROTOCOL_CORE, 0), 0u);
  EXPECT_EQ(query(SVSM_PROTOCOL_ATTEST, 2), (3ull << 32) | 1);
  EXPECT_EQ(query(SVSM_PROTOCOL_ATTEST, 3), (3ull << 32) | 1);
  EXPECT_EQ(query(SVSM_PROTOCOL_ATTEST, 4), 0u);
  EXPECT_EQ(query(SVSM_PROTOCOL_VTPM, 1), (1ull << 32) | 1);
  EXPECT_EQ(query(SVSM_PROTOCOL_APIC, 1), 0u);  // not offered by default
  EXPECT_EQ(query(SVSM_NR_PROTOCOLS, 1), 0u);
  EXPECT_EQ(query(0xffffffffu, 1), 0u);
}

TEST_F(EmuTest, ConfigureVtomQueryAnswersUnsupported) {
  Result r = Core(SVSM_CORE_CONFIGURE_VTOM, 1, 0x55, 0x66);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 0u);
  EXPECT_EQ(r.rdx, 0x55u);
  EXPECT_EQ(r.r8, 0x66u);
}

// core.rs:289-294: bit 0 alone decides; COCONUT ignores bits 63:1 of a
// query (the spec wants INVALID_PARAMETER).
TEST_F(EmuTest, ConfigureVtomQueryIgnoresOtherBits) {
  EXPECT_EQ(Core(SVSM_CORE_CONFIGURE_VTOM, 3).rax, SVSM_SUCCESS);
  Result r = Core(SVSM_CORE_CONFIGURE_VTOM, 1 | (1ull << 63));
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 0u);
}

TEST_F(EmuTest, ConfigureVtomConfigureIsInvalidRequest) {
  EXPECT_EQ(Core(SVSM_CORE_CONFIGURE_VTOM, 0).rax, SVSM_ERR_INVALID_REQUEST);
  EXPECT_EQ(Core(SVSM_CORE_CONFIGURE_VTOM, 0x100002).rax, SVSM_ERR_INVALID_REQUEST);
}

// ------------------------------------------------------ APIC and UEFI MM ----

TEST_F(EmuTest, ApicProtocolWhenOffered) {
  cfg.protocols[SVSM_PROTOCOL_APIC] = {1, 1};
  Init();
  auto apic = [&](uint32_t call, uint64_t rcx) {
    return Call(0, SVSM_RAX(SVSM_PROTOCOL_APIC, call), rcx);
  };
  Result r = apic(SVSM_APIC_QUERY_FEATURES, 0x77);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 0u);
  r = apic(SVSM_APIC_CONFIGURE, 0);
  EXPECT_EQ(r.rax, SVSM_SUCCESS);
  EXPECT_EQ(r.rcx, 0u);
  EXPECT_EQ(apic(SVSM_APIC_CONFIGURE, 1).rax, SVSM_SUCCESS);
  EXPECT_EQ(apic(SVSM_APIC_CONFIGURE, 2).rax, SVSM_SUCCESS);
  EXPECT_EQ(apic(SVSM_APIC_CONFIGURE, 3).rax, SVSM_ERR_INVALID_PARAMETER);
  EXPECT_EQ(apic(SVSM_APIC_READ_REGISTER, 0).rax, SVSM_ERR_UNSUPPORTED_CALL);
  EXPECT_EQ(apic(SVSM_APIC_WRITE_REGISTER, 0).rax, SVSM_ERR_UNSUPPORTED_CALL);
  EXPECT_EQ(apic(SVSM_APIC_CONFIGURE_VECTOR, 0).rax, SVSM_ERR_UNSUPPORTED_CALL);
}

TEST_F(EmuTest, UefiMmProtocolWhenOffered) {
  cfg.protocols[SVSM_PROTOCOL_UEFI_MM] = {1, 1};
  Init();
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_UEFI_MM, SVSM_UEFI_MM_REQUEST), kScratch, 4096).rax,
            SVSM_ERR_INVALID_REQUEST);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_UEFI_MM, 0)).rax, SVSM_ERR_UNSUPPORTED_CALL);
  EXPECT_EQ(Call(0, SVSM_RAX(SVSM_PROTOCOL_UEFI_MM, 2)).rax, SVSM_ERR_UNSUPPORTED_CALL);
}

// ------------------------------------------------------------- SHA-512 ----

std::string Sha512Hex(const std::string &s) {
  return Hex(Sha512(std::vector<uint8_t>(s.begin(), s.end())));
}

TEST(EmuSha512, NistAbc) {
  EXPECT_EQ(Sha512Hex("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(EmuSha512, EmptyString) {
  EXPECT_EQ(Sha512Hex(""),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

TEST(EmuSha512, NistTwoBlock896Bits) {
  EXPECT_EQ(Sha512Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(EmuSha512, OneMillionAInOddChunks) {
  const std::vector<uint8_t> chunk(997, 'a');
  svsm_emu_sha512 ctx;
  svsm_emu_sha512_init(&ctx);
  size_t left = 1000000, step = 1;
  while (left) {
    size_t n = std::min({left, step, chunk.size()});
    svsm_emu_sha512_update(&ctx, chunk.data(), n);
    left -= n;
    step = step * 3 % 997 + 1;  // 1, 4, 13, 40, ... odd and even sizes, across blocks
  }
  std::vector<uint8_t> out(64);
  svsm_emu_sha512_final(&ctx, out.data());
  EXPECT_EQ(Hex(out),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

// Lengths around the padding boundary (111: length fits; 112: extra block).
TEST(EmuSha512, PaddingBoundaries) {
  auto pattern = [](size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(i);
    return v;
  };
  EXPECT_EQ(Hex(Sha512(pattern(111))),
            "a1a111449b198d9b1f538bad7f3fc1022b3a5b1a5e90a0bc860de8512746cbc3"
            "1599e6c834de3a3235327af0b51ff57bf7acf1974a73014d9c3953812edc7c8d");
  EXPECT_EQ(Hex(Sha512(pattern(112))),
            "c5fbd731d19d2ae1180f001be72c2c1aaba1d7b094b3748880e24593b8e117a7"
            "50e11c1bd867cc2f96dace8c8b74abd2d5c4f236be444e77d30d1916174070b9");
  EXPECT_EQ(Hex(Sha512(pattern(128))),
            "1dffd5e3adb71d45d2245939665521ae001a317a03720a45732ba1900ca3b835"
            "1fc5c9b4ca513eba6f80bc7b1d1fdad4abd13491cb824d61b08d8c0e1561b3f7");
  EXPECT_EQ(Hex(Sha512(pattern(239))),
            "cb4c7fd522756d5781ad3a4f590a1d862906b960e7720136cb3fb36b563caa1e"
            "a5689134291fa79c80ccc2b4092b41df32ebdcb36dbe79db483440228c1622a8");
}

TEST(EmuSha512, ByteAtATimeMatchesOneShot) {
  for (size_t n : {0u, 1u, 127u, 128u, 129u, 255u, 256u, 300u}) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(i * 7 + 3);
    svsm_emu_sha512 ctx;
    svsm_emu_sha512_init(&ctx);
    for (uint8_t b : v) svsm_emu_sha512_update(&ctx, &b, 1);
    std::vector<uint8_t> out(64);
    svsm_emu_sha512_final(&ctx, out.data());
    EXPECT_EQ(out, Sha512(v)) << n;
  }
}

}  // namespace
}  // namespace emu_test
