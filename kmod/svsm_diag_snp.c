// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the real SEV-SNP transport.
 *
 * Only the primitives that touch hardware live here: the exchange with the
 * SVSM (GHCB MSR, CALL_PENDING, VMGEXIT) and the Calling Area MSR. They are
 * used only after the probe has found an SEV-SNP guest running under an
 * SVSM: VMGEXIT faults anywhere else. docs/transport.md sets the exchange
 * beside the kernel's own.
 */
#include <linux/cc_platform.h>
#include <linux/compiler.h>
#include <linux/cpu.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/hardirq.h>

#include "svsm_diag.h"

#if SVSM_DIAG_SNP_TRANSPORT

/* The boot CPU's first CA, from the secrets page (0 if it was not read). */
static u64 snp_boot_caa;

/*
 * The GHCB MSR is never intercepted (it is how a guest talks to the
 * hypervisor), so plain rdmsr/wrmsr: no exception table, no tracepoint,
 * nothing that could be instrumented between the request and the VMGEXIT.
 */
static __always_inline u64 snp_ghcb_msr_read(void)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (GHCB_MSR) : "memory");
	return (u64)hi << 32 | lo;
}

static __always_inline void snp_ghcb_msr_write(u64 val)
{
	asm volatile("wrmsr" : : "c" (GHCB_MSR), "a" ((u32)val), "d" ((u32)(val >> 32))
		     : "memory");
}

/*
 * VMGEXIT is "rep; vmmcall". The SVSM's registers are bound to the ones the
 * calling convention names, exactly as the kernel's svsm_issue_call() does;
 * the "memory" clobber orders the CALL_PENDING store and the SVSM's writes.
 */
static __always_inline void snp_vmgexit(struct svsm_diag_regs *r)
{
	register unsigned long rax asm("rax") = r->rax;
	register unsigned long rcx asm("rcx") = r->rcx;
	register unsigned long rdx asm("rdx") = r->rdx;
	register unsigned long r8 asm("r8") = r->r8;
	register unsigned long r9 asm("r9") = r->r9;

	asm volatile("rep; vmmcall\n\t"
		     : "+r" (rax), "+r" (rcx), "+r" (rdx), "+r" (r8), "+r" (r9)
		     : : "memory");

	r->rax = rax;
	r->rcx = rcx;
	r->rdx = rdx;
	r->r8 = r8;
	r->r9 = r9;
}

/*
 * The kernel's svsm_perform_msr_protocol() and svsm_issue_call() as one
 * uninstrumented sequence (a module cannot use the per-CPU GHCB: the
 * kernel's __sev_get_ghcb() is not exported). The window from the MSR
 * write to the restore holds no call, no tracepoint and no indirect
 * branch, so no #VC can be raised in it by our own code; an NMI still can
 * (its handler writes the GHCB page's address into the MSR), which is why
 * the caller checks CALL_PENDING first and counts NMIs around it.
 * tests/kmod/check_exchange.py proves the window in the built module.
 */
static noinstr u8 snp_exchange(struct svsm_diag_ca *ca, struct svsm_diag_regs *regs, u64 *resp)
{
	u8 pending = 0;
	u64 saved;

	/* Save and restore the MSR: OVMF runtime services rely on its value. */
	saved = snp_ghcb_msr_read();
	snp_ghcb_msr_write(GHCB_MSR_VMPL_REQ_LEVEL(0));
	WRITE_ONCE(ca->call_pending, 1);
	snp_vmgexit(regs);
	/* Atomically read and clear: the host may enter the SVSM at any time. */
	asm volatile("xchgb %0, %1" : "+q" (pending), "+m" (ca->call_pending) : : "memory");
	*resp = snp_ghcb_msr_read();
	snp_ghcb_msr_write(saved);
	return pending;
}

static unsigned int snp_nmi_count(void)
{
	return svsm_diag_nmis_taken();
}

/* A CA page is ordinary private RAM: reach it through the direct map. */
static void *snp_ca_va(u64 gpa)
{
	if (!PAGE_ALIGNED(gpa) || !pfn_valid(PHYS_PFN(gpa)))
		return NULL;
	return __va(gpa);
}

/*
 * CALL may not move a CPU's CA on real hardware, even with allow_unsafe_calls:
 * the SVSM would then listen on a page the kernel does not know, and the
 * page could be any RAM, another CPU's CA included. REMAP_CA_TEST
 * (allow_remap_test) exercises REMAP_CA with a page of the module's own.
 */
static int snp_ca_check(u64 gpa, void **va)
{
	*va = NULL;
	return -EPERM;
}

/*
 * The kernel's per-CPU CA is not exported, but since 6.11 reading MSR
 * 0xc001f000 raises #VC and the kernel answers with this CPU's CA
 * (__vc_handle_msr_caa). It was allocated from memblock, so the direct map
 * covers it.
 */
static int snp_current_ca(u64 *gpa, void **va)
{
	u64 pa;

	if (svsm_diag_rdmsr_safe(SVSM_CAA_MSR, &pa))
		return -ENODEV;
	*va = snp_ca_va(pa);
	if (!*va)
		return -ENODEV;
	*gpa = pa;
	return 0;
}

/*
 * A CA lost anyway (the SVSM listening on the test page) is recovered only
 * when the kernel brings the CPU up again: CREATE_VCPU then registers the
 * kernel's CA. So the test runs only where that is possible.
 */
static bool snp_remap_test_allowed(unsigned int cpu)
{
	return cpu_is_hotpluggable(cpu);
}

struct snp_cpu_ca_ctx {
	u64 gpa;
	int ret;
};

static void snp_cpu_ca_fn(void *data)
{
	struct snp_cpu_ca_ctx *ctx = data;

	ctx->ret = svsm_diag_rdmsr_safe(SVSM_CAA_MSR, &ctx->gpa) ? -ENODEV : 0;
}

/*
 * The CA the kernel uses on @cpu now, read on that CPU. Only the boot CPU's
 * first CA is on record (the secrets page).
 */
static u32 snp_cpu_ca(unsigned int cpu, u64 *ca, u64 *initial)
{
	struct snp_cpu_ca_ctx ctx = {};
	u32 valid = 0;

	if (!smp_call_function_single(cpu, snp_cpu_ca_fn, &ctx, 1) && !ctx.ret) {
		*ca = ctx.gpa;
		valid |= SVSM_DIAG_CPU_CA_VALID;
	}
	if (cpu == 0) {
		*initial = snp_boot_caa;
		valid |= SVSM_DIAG_CPU_INITIAL_CA_VALID;
	}
	return valid;
}

/*
 * The SVSM reaches all guest memory, so buffers need no sharing; the kernel
 * runs under this SVSM, so its own attestation and vTPM paths serve too.
 */
const struct svsm_diag_transport svsm_diag_snp_transport = {
	.name = "snp",
	.exchange = snp_exchange,
	.nmis_taken = snp_nmi_count,
	.current_ca = snp_current_ca,
	.ca_check = snp_ca_check,
	.test_ca = NULL,	/* a fresh private page per test */
	.remap_test_allowed = snp_remap_test_allowed,
	.cpu_ca = snp_cpu_ca,
	.share = NULL,
	.unshare = NULL,
	.kernel_svsm = true,
};

/*
 * SEV-SNP active, at a VMPL above 0 (so an SVSM is present: since 6.11 the
 * kernel terminates at boot otherwise), and this CPU's CA readable. Only
 * then may VMGEXIT be executed. The secrets page's SVSM fields are read
 * where the kernel offers a way (compat.h); without them snp_vmpl alone
 * establishes the SVSM and its VMPL.
 */
int svsm_diag_snp_probe(struct svsm_diag_svsm_info *info, u32 *reason)
{
	/* The secrets page up to its SVSM fields; only those are read. */
	u8 page[SNP_SECRETS_SVSM_BASE + SNP_SECRETS_SVSM_FIELDS_SIZE] = {};
	unsigned int vmpl;
	u64 gpa;

	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		*reason = SVSM_DIAG_REASON_NOT_SNP;
		return -ENODEV;
	}
	vmpl = svsm_diag_kernel_vmpl();
	info->vmpl = vmpl;
	if (!vmpl) {
		*reason = SVSM_DIAG_REASON_VMPL0;
		return -ENODEV;
	}
	if (!svsm_diag_kernel_read_secrets(page + SNP_SECRETS_SVSM_BASE, SNP_SECRETS_SVSM_BASE,
					   SNP_SECRETS_SVSM_FIELDS_SIZE)) {
		svsm_diag_info_from_secrets(page, info);
		snp_boot_caa = info->caa;
	}
	/* The kernel's own view of its VMPL wins over the page's copy. */
	info->vmpl = vmpl;
	if (svsm_diag_rdmsr_safe(SVSM_CAA_MSR, &gpa) || !snp_ca_va(gpa)) {
		*reason = SVSM_DIAG_REASON_NO_CA;
		return -ENODEV;
	}
	*reason = SVSM_DIAG_REASON_NONE;
	return 0;
}

#else /* !SVSM_DIAG_SNP_TRANSPORT */

/*
 * No SVSM guest support in this kernel (before 6.11). Such a kernel's
 * decompressor terminates the guest unless RMPADJUST proves VMPL0, so a
 * running SEV-SNP guest is at VMPL0: there is no SVSM to talk to.
 */
int svsm_diag_snp_probe(struct svsm_diag_svsm_info *info, u32 *reason)
{
	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		*reason = SVSM_DIAG_REASON_NOT_SNP;
		return -ENODEV;
	}
	info->vmpl = 0;
	*reason = SVSM_DIAG_REASON_VMPL0;
	return -ENODEV;
}

#endif /* SVSM_DIAG_SNP_TRANSPORT */
