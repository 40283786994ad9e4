// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the real SEV-SNP transport.
 *
 * Only the primitives that touch hardware live here: the GHCB MSR, the
 * VMGEXIT and the Calling Area MSR. They are used only after the probe has
 * found an SEV-SNP guest running under an SVSM: VMGEXIT faults anywhere else.
 */
#include <linux/cc_platform.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "svsm_diag.h"

/* The SVSM fields of the SNP secrets page (spec table 1), 0x140-0x15f. */
#define SECRETS_SVSM_FIELDS		0x140
#define SECRETS_SVSM_FIELDS_SIZE	0x20

/*
 * Parse the SVSM fields of a secrets page, for both backends: the emulator
 * fills a page the way an SVSM would. @f points at offset 0x140.
 */
void svsm_diag_parse_secrets(const u8 *f, struct svsm_diag_svsm_info *info)
{
	memcpy(&info->base, f + 0x00, sizeof(info->base));
	memcpy(&info->size, f + 0x08, sizeof(info->size));
	memcpy(&info->caa, f + 0x10, sizeof(info->caa));
	memcpy(&info->max_version, f + 0x18, sizeof(info->max_version));
	info->vmpl = f[0x1c];
}

#if SVSM_DIAG_SNP_TRANSPORT

static u64 snp_ghcb_read(void)
{
	return svsm_diag_native_rdmsr(GHCB_MSR);
}

static void snp_ghcb_write(u64 val)
{
	svsm_diag_native_wrmsr(GHCB_MSR, val);
}

/*
 * VMGEXIT is "rep; vmmcall". The SVSM's registers are bound to the ones the
 * calling convention names, exactly as the kernel's svsm_issue_call() does;
 * the "memory" clobber orders the CALL_PENDING store and the SVSM's writes.
 */
static void snp_vmgexit(struct svsm_diag_regs *r)
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

/* A CA page is ordinary private RAM: reach it through the direct map. */
static void *snp_ca_va(u64 gpa)
{
	if (!PAGE_ALIGNED(gpa) || !pfn_valid(PHYS_PFN(gpa)))
		return NULL;
	return __va(gpa);
}

/*
 * CALL may not move a CPU's CA on real hardware, even with allow_unsafe_calls:
 * the SVSM zeroes the first bytes of the target before it checks it, so any
 * page of RAM, another CPU's CA included, could be damaged. REMAP_CA_TEST
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

static void snp_ca_lost(u64 gpa)
{
	/* Nothing can tell the kernel; svsm_diag_restore_ca() has logged it. */
}

const struct svsm_diag_transport svsm_diag_snp_transport = {
	.name = "snp",
	.ghcb_read = snp_ghcb_read,
	.ghcb_write = snp_ghcb_write,
	.vmgexit = snp_vmgexit,
	.current_ca = snp_current_ca,
	.ca_check = snp_ca_check,
	.ca_lost = snp_ca_lost,
	.test_ca = NULL,	/* a fresh private page per test */
};

/* The SVSM fields of the secrets page; never the VMPCKs next to them. */
static int snp_read_secrets(struct svsm_diag_svsm_info *info)
{
	u8 fields[SECRETS_SVSM_FIELDS_SIZE];
	void __iomem *page;
	u64 gpa;
	int ret;

	ret = svsm_diag_kernel_secrets_gpa(&gpa);
	if (ret)
		return ret;
	/* Mapped the way the sev-guest driver maps it. */
	page = ioremap_encrypted(gpa, PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	memcpy_fromio(fields, page + SECRETS_SVSM_FIELDS, sizeof(fields));
	iounmap(page);
	svsm_diag_parse_secrets(fields, info);
	return 0;
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

/* The CA the kernel uses on @cpu now, read on that CPU. */
int svsm_diag_snp_cpu_ca(unsigned int cpu, u64 *gpa)
{
	struct snp_cpu_ca_ctx ctx = {};
	int ret;

	ret = smp_call_function_single(cpu, snp_cpu_ca_fn, &ctx, 1);
	if (ret)
		return ret;
	*gpa = ctx.gpa;
	return ctx.ret;
}

/*
 * SEV-SNP active, at a VMPL above 0 (so an SVSM is present: the kernel
 * terminates otherwise), and this CPU's CA readable. Only then may VMGEXIT
 * be executed.
 */
int svsm_diag_snp_probe(struct svsm_diag_svsm_info *info, u32 *reason)
{
	unsigned int vmpl;
	u64 gpa;
	int ret;

	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		*reason = SVSM_DIAG_REASON_NOT_SNP;
		return -ENODEV;
	}
	vmpl = svsm_diag_kernel_vmpl();
	if (!vmpl) {
		info->vmpl = 0;
		*reason = SVSM_DIAG_REASON_VMPL0;
		return -ENODEV;
	}
	ret = snp_read_secrets(info);
	/* The kernel's own view of its VMPL wins over the page's copy. */
	info->vmpl = vmpl;
	if (ret || !info->size || svsm_diag_rdmsr_safe(SVSM_CAA_MSR, &gpa) || !snp_ca_va(gpa)) {
		*reason = SVSM_DIAG_REASON_NO_CA;
		return -ENODEV;
	}
	*reason = SVSM_DIAG_REASON_NONE;
	return 0;
}

#else /* !SVSM_DIAG_SNP_TRANSPORT */

/* No SVSM guest support in this kernel: say which of the reasons applies. */
int svsm_diag_snp_probe(struct svsm_diag_svsm_info *info, u32 *reason)
{
	*reason = cc_platform_has(CC_ATTR_GUEST_SEV_SNP) ? SVSM_DIAG_REASON_KERNEL :
							   SVSM_DIAG_REASON_NOT_SNP;
	return -ENODEV;
}

int svsm_diag_snp_cpu_ca(unsigned int cpu, u64 *gpa)
{
	return -ENODEV;
}

#endif /* SVSM_DIAG_SNP_TRANSPORT */
