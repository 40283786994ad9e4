// SPDX-License-Identifier: GPL-2.0-only
// Test fixture for the emulated SVSM: a fake guest memory, an emulator set
// up over it, and a helper that makes an SVSM call the way a guest does.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "svsm_emu.h"
}

namespace emu_test {

// Guest memory: [kMemBase, kMemEnd). Everything else is "not guest memory".
constexpr uint64_t kMemBase = 0x100000;
constexpr uint64_t kMemEnd = 0x300000;
constexpr uint64_t kPage = 0x1000;

// Layout inside it.
constexpr uint64_t kSvsmBase = 0x100000;  // 4 pages of SVSM memory
constexpr uint64_t kSvsmSize = 0x4000;
constexpr uint64_t kBootCa = 0x104000;
constexpr unsigned kNrCpus = 4;
constexpr std::array<uint64_t, kNrCpus> kCpuCa = {0x105000, 0x106000, 0x107000, 0x108000};
constexpr std::array<uint32_t, kNrCpus> kApicId = {0, 2, 4, 6};
constexpr uint64_t kScratch = 0x110000;  // free pages for lists, buffers, VMSAs
constexpr uint64_t kPoolGpa = 0x200000;  // 2M aligned
constexpr uint32_t kPoolPages = 16;
constexpr uint64_t kUnmapped = 0x400000;  // page-aligned, outside guest memory
constexpr uint64_t kSevFeatures = 0x21;
constexpr uint64_t kR9Sentinel = 0x9999999999999999ULL;

struct GuestMemory {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kMemEnd - kMemBase);
  int lock_depth = 0;
  int locks = 0;
  int nested_locks = 0;
  int unlocked_maps = 0;
  uint64_t transient = 0;  // a page the host frees after the call: not to be retained

  uint8_t *ptr(uint64_t gpa, uint64_t len) {
    if (gpa < kMemBase || gpa >= kMemEnd || len > kMemEnd - gpa) return nullptr;
    return bytes.data() + (gpa - kMemBase);
  }
};

inline void *FakeMap(void *host, uint64_t gpa, uint64_t len) {
  auto *mem = static_cast<GuestMemory *>(host);
  if (mem->lock_depth != 1) mem->unlocked_maps++;
  return mem->ptr(gpa, len);
}

inline bool FakeMayRetain(void *host, uint64_t gpa) {
  auto *mem = static_cast<GuestMemory *>(host);
  if (mem->lock_depth != 1) mem->unlocked_maps++;
  return (gpa & ~(kPage - 1)) != mem->transient;
}

inline unsigned long FakeLock(void *host) {
  auto *mem = static_cast<GuestMemory *>(host);
  if (mem->lock_depth++ != 0) mem->nested_locks++;
  mem->locks++;
  return 0x5a5a;
}

inline void FakeUnlock(void *host, unsigned long flags) {
  auto *mem = static_cast<GuestMemory *>(host);
  EXPECT_EQ(flags, 0x5a5aUL);
  mem->lock_depth--;
}

inline const svsm_emu_host_ops kOps = {FakeMap, FakeMayRetain, FakeLock, FakeUnlock};

inline svsm_emu_config DefaultConfig() {
  svsm_emu_config cfg{};
  cfg.vmpl = 2;
  cfg.svsm_base = kSvsmBase;
  cfg.svsm_size = kSvsmSize;
  cfg.boot_caa = kBootCa;
  cfg.sev_features = kSevFeatures;
  cfg.protocols[SVSM_PROTOCOL_CORE] = {1, 1};
  cfg.protocols[SVSM_PROTOCOL_ATTEST] = {1, 1};
  cfg.protocols[SVSM_PROTOCOL_VTPM] = {1, 1};
  cfg.pool_gpa = kPoolGpa;
  cfg.pool_pages = kPoolPages;
  return cfg;
}

// What the guest sees after a call.
struct Result {
  uint64_t rax, rcx, rdx, r8, r9;
  uint8_t pending;  // CALL_PENDING read back with the final xchg: 1 = not serviced
  uint64_t ghcb;    // GHCB MSR after VMGEXIT
};

class EmuTest : public ::testing::Test {
 protected:
  GuestMemory mem;
  svsm_emu_config cfg = DefaultConfig();
  std::array<svsm_emu_cpu, kNrCpus> cpus{};
  svsm_emu emu{};

  void SetUp() override { Init(); }

  void TearDown() override {
    EXPECT_EQ(mem.lock_depth, 0);
    EXPECT_EQ(mem.nested_locks, 0);
    EXPECT_EQ(mem.unlocked_maps, 0) << "guest memory mapped outside the lock";
  }

  // (Re)initialise with cfg and register the first nr_registered CPUs.
  void Init(unsigned nr_registered = kNrCpus) {
    ASSERT_EQ(svsm_emu_init(&emu, &kOps, &mem, &cfg, cpus.data(), kNrCpus), 0);
    for (unsigned i = 0; i < nr_registered; i++)
      svsm_emu_register_cpu(&emu, i, kApicId[i], kCpuCa[i]);
  }

  uint8_t *At(uint64_t gpa, uint64_t len = 1) {
    uint8_t *p = mem.ptr(gpa, len);
    EXPECT_NE(p, nullptr) << std::hex << gpa;
    return p;
  }

  void Put8(uint64_t gpa, uint8_t v) { *At(gpa) = v; }
  void Put16(uint64_t gpa, uint16_t v) { PutLe(gpa, v, 2); }
  void Put32(uint64_t gpa, uint32_t v) { PutLe(gpa, v, 4); }
  void Put64(uint64_t gpa, uint64_t v) { PutLe(gpa, v, 8); }
  uint8_t Get8(uint64_t gpa) { return *At(gpa); }
  uint16_t Get16(uint64_t gpa) { return static_cast<uint16_t>(GetLe(gpa, 2)); }
  uint32_t Get32(uint64_t gpa) { return static_cast<uint32_t>(GetLe(gpa, 4)); }
  uint64_t Get64(uint64_t gpa) { return GetLe(gpa, 8); }

  void PutLe(uint64_t gpa, uint64_t v, unsigned n) {
    uint8_t *p = At(gpa, n);
    for (unsigned i = 0; i < n; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
  }
  uint64_t GetLe(uint64_t gpa, unsigned n) {
    const uint8_t *p = At(gpa, n);
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
  }
  void Fill(uint64_t gpa, uint64_t len, uint8_t v) { std::memset(At(gpa, len), v, len); }
  std::vector<uint8_t> Bytes(uint64_t gpa, uint64_t len) {
    const uint8_t *p = At(gpa, len);
    return std::vector<uint8_t>(p, p + len);
  }
  bool AllEqual(uint64_t gpa, uint64_t len, uint8_t v) {
    const uint8_t *p = At(gpa, len);
    for (uint64_t i = 0; i < len; i++)
      if (p[i] != v) return false;
    return true;
  }

  // A call as Linux's svsm_issue_call() over the GHCB MSR protocol makes it:
  // VMPL0 request in the GHCB MSR, CALL_PENDING = 1 in the guest's CA,
  // VMGEXIT, then read the MSR and xchg CALL_PENDING back to 0.
  // ca = 0: the CA registered for cpu (what the guest believes is its CA).
  Result Call(unsigned cpu, uint64_t rax, uint64_t rcx = 0, uint64_t rdx = 0, uint64_t r8 = 0,
              uint64_t ca = 0) {
    if (ca == 0) ca = svsm_emu_registered_caa(&emu, cpu);
    svsm_emu_ghcb_write(&emu, cpu, GHCB_MSR_VMPL_REQ_LEVEL(0));
    Put8(ca, 1);
    svsm_emu_regs regs{rax, rcx, rdx, r8, kR9Sentinel};
    svsm_emu_vmgexit(&emu, cpu, &regs);
    Result r{regs.rax, regs.rcx, regs.rdx, regs.r8, regs.r9, 0, 0};
    r.ghcb = svsm_emu_ghcb_read(&emu, cpu);
    r.pending = std::exchange(*At(ca), uint8_t{0});
    EXPECT_EQ(regs.r9, kR9Sentinel) << "R9 must never be written";
    return r;
  }

  Result Core(uint32_t call, uint64_t rcx = 0, uint64_t rdx = 0, uint64_t r8 = 0,
              unsigned cpu = 0) {
    return Call(cpu, SVSM_RAX(SVSM_PROTOCOL_CORE, call), rcx, rdx, r8);
  }

  svsm_emu_stats Stats() {
    svsm_emu_stats s{};
    svsm_emu_get_stats(&emu, &s);
    return s;
  }
};

// SHA-512 of a byte string, through the emulator's implementation.
inline std::vector<uint8_t> Sha512(const std::vector<uint8_t> &data) {
  svsm_emu_sha512 ctx;
  std::vector<uint8_t> out(64);
  svsm_emu_sha512_init(&ctx);
  svsm_emu_sha512_update(&ctx, data.data(), data.size());
  svsm_emu_sha512_final(&ctx, out.data());
  return out;
}

inline std::string Hex(const std::vector<uint8_t> &v) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

}  // namespace emu_test
