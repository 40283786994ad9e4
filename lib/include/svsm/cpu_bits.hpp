// SPDX-License-Identifier: GPL-2.0-only
// The SEV_STATUS MSR and CPUID Fn8000_001F, bit by bit. Pure: no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace svsm {

// ---- SEV_STATUS MSR (0xC0010131), as Linux names its bits.

struct SevStatusBit {
  unsigned bit;
  std::string_view name;  // as printed by the kernel in "SEV: Status:", e.g. "SEV-SNP", "DebugSwap"
  std::string_view macro;  // e.g. "MSR_AMD64_SNP_DEBUG_SWAP"
  std::string_view meaning;
};

// Every named bit, in bit order (reserved bits 13, 15, 19-22, 24-63 excluded).
[[nodiscard]] std::span<const SevStatusBit> sev_status_bits() noexcept;
// The named bits set in @value, in bit order.
[[nodiscard]] std::vector<SevStatusBit> decode_sev_status(uint64_t value);
// The set bits of @value that have no name (reserved as far as we know).
[[nodiscard]] uint64_t sev_status_reserved_bits(uint64_t value) noexcept;

// ---- CPUID Fn8000_001F (AMD memory encryption). In an SNP guest the values
// come from the SNP CPUID table, which the PSP filtered and Linux edited (it
// sets EAX bit 28 when an SVSM is present).

struct CpuidBit {
  unsigned bit;
  std::string_view name;  // e.g. "SEV-SNP", "SVSM"
  std::string_view meaning;
};

[[nodiscard]] std::span<const CpuidBit> cpuid_8000001f_eax_bits() noexcept;
[[nodiscard]] std::vector<CpuidBit> decode_cpuid_8000001f_eax(uint32_t eax);

struct Cpuid8000001f {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;

  [[nodiscard]] bool has(unsigned eax_bit) const noexcept {
    return eax_bit < 32 && (eax >> eax_bit & 1);
  }
  [[nodiscard]] unsigned cbit() const noexcept { return ebx & 0x3f; }  // EBX 5:0
  [[nodiscard]] unsigned phys_addr_reduction() const noexcept {
    return ebx >> 6 & 0x3f;
  }                                                                              // EBX 11:6
  [[nodiscard]] unsigned num_vmpls() const noexcept { return ebx >> 12 & 0xf; }  // EBX 15:12
  [[nodiscard]] unsigned num_encrypted_guests() const noexcept { return ecx; }   // ECX
  [[nodiscard]] unsigned min_sev_no_es_asid() const noexcept { return edx; }     // EDX
};

}  // namespace svsm
