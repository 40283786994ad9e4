// SPDX-License-Identifier: GPL-2.0-only
// Sources: Linux (arch/x86/include/asm/msr-index.h, the "SEV: Status:" names),
// AMD APM vol. 2 and 3 (CPUID Fn8000_001F).
#include "svsm/cpu_bits.hpp"

namespace svsm {

namespace {

constexpr SevStatusBit kSevStatusBits[] = {
    {0, "SEV", "MSR_AMD64_SEV_ENABLED", "Memory encryption (SEV) is active for this guest."},
    {1, "SEV-ES", "MSR_AMD64_SEV_ES_ENABLED",
     "Encrypted State: the guest's register state is encrypted and hidden from the hypervisor."},
    {2, "SEV-SNP", "MSR_AMD64_SEV_SNP_ENABLED",
     "Secure Nested Paging: memory integrity through the RMP, VMPLs and attestation reports."},
    {3, "vTom", "MSR_AMD64_SNP_VTOM",
     "Virtual top of memory: guest memory above vTOM is shared (unencrypted) without C-bit "
     "handling."},
    {4, "ReflectVC", "MSR_AMD64_SNP_REFLECT_VC",
     "#VC exceptions are reflected out of the guest instead of being delivered to it (paravisor "
     "setups)."},
    {5, "RI", "MSR_AMD64_SNP_RESTRICTED_INJ",
     "Restricted injection: the hypervisor can inject only #HV, so interrupts arrive through a "
     "doorbell page."},
    {6, "AI", "MSR_AMD64_SNP_ALT_INJ",
     "Alternate injection: interrupts are injected by a more privileged VMPL (e.g. COCONUT-SVSM's "
     "APIC "
     "emulation), not the hypervisor."},
    {7, "DebugSwap", "MSR_AMD64_SNP_DEBUG_SWAP",
     "Debug registers are swapped on world switch, so the guest can use hardware debug registers."},
    {8, "NoHostIBS", "MSR_AMD64_SNP_PREVENT_HOST_IBS",
     "The host cannot use Instruction-Based Sampling (IBS) while the guest runs."},
    {9, "BTBIsol", "MSR_AMD64_SNP_BTB_ISOLATION",
     "Branch target buffer isolation: branch predictions are not shared with the host."},
    {10, "VmplSSS", "MSR_AMD64_SNP_VMPL_SSS", "Supervisor shadow stacks are enforced per VMPL."},
    {11, "SecureTSC", "MSR_AMD64_SNP_SECURE_TSC",
     "Secure TSC: the guest's TSC is scaled and offset under firmware control, not the "
     "hypervisor's."},
    {12, "VMGExitParam", "MSR_AMD64_SNP_VMGEXIT_PARAM", "VMGEXIT takes a parameter in RAX."},
    {14, "IBSVirt", "MSR_AMD64_SNP_IBS_VIRT", "IBS virtualization: the guest can use IBS itself."},
    {16, "VMSARegProt", "MSR_AMD64_SNP_VMSA_REG_PROT",
     "VMSA register protection: the hypervisor cannot change protected VMSA state."},
    {17, "SMTProt", "MSR_AMD64_SNP_SMT_PROT",
     "SMT protection: the sibling hardware thread is idle while the guest runs."},
    {18, "SecureAVIC", "MSR_AMD64_SNP_SECURE_AVIC",
     "Secure AVIC: hardware-protected local APIC virtualization for the guest."},
    {23, "IBPBOnEntry", "MSR_AMD64_SNP_IBPB_ON_ENTRY",
     "An indirect branch prediction barrier (IBPB) is issued on every entry into the guest."},
};

constexpr uint64_t sev_status_known_mask() noexcept {
  uint64_t m = 0;
  for (const auto &b : kSevStatusBits) m |= uint64_t{1} << b.bit;
  return m;
}

constexpr CpuidBit kCpuidEaxBits[] = {
    {0, "SME", "Secure Memory Encryption supported"},
    {1, "SEV", "Secure Encrypted Virtualization supported"},
    {2, "VM_PAGE_FLUSH", "VM Page Flush MSR supported"},
    {3, "SEV-ES", "SEV Encrypted State supported"},
    {4, "SEV-SNP", "SEV Secure Nested Paging supported"},
    {5, "VMPL", "VMPLs supported"},
    {9, "V_TSC_AUX", "Virtual TSC_AUX supported"},
    {10, "SME_COHERENT", "Cache coherency across encryption domains enforced by hardware"},
    {14, "DEBUG_SWAP", "Full debug state swap supported for SEV-ES and SEV-SNP guests"},
    {21, "RMPREAD", "RMPREAD instruction supported"},
    {23, "SEGMENTED_RMP", "Segmented RMP supported"},
    {27, "ALLOWED_SEV_FEATURES", "The hypervisor can restrict the SEV features a guest may enable"},
    {28, "SVSM", "SVSM present (set by the Linux guest in its CPUID table)"},
    {30, "HV_INUSE_WR_ALLOWED", "Writes to in-use hypervisor-owned pages allowed"},
    {31, "IBPB_ON_ENTRY", "IBPB on entry to a guest supported"},
};

}  // namespace

std::span<const SevStatusBit> sev_status_bits() noexcept {
  return kSevStatusBits;
}

std::vector<SevStatusBit> decode_sev_status(uint64_t value) {
  std::vector<SevStatusBit> out;
  for (const auto &b : kSevStatusBits)
    if (value >> b.bit & 1) out.push_back(b);
  return out;
}

uint64_t sev_status_reserved_bits(uint64_t value) noexcept {
  return value & ~sev_status_known_mask();
}

std::span<const CpuidBit> cpuid_8000001f_eax_bits() noexcept {
  return kCpuidEaxBits;
}

std::vector<CpuidBit> decode_cpuid_8000001f_eax(uint32_t eax) {
  std::vector<CpuidBit> out;
  for (const auto &b : kCpuidEaxBits)
    if (eax >> b.bit & 1) out.push_back(b);
  return out;
}

}  // namespace svsm
