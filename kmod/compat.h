/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Differences between the kernels svsm_diag builds for, in one place. The
 * SVSM_DIAG_HAVE_* macros come from header probes in Kbuild, not from
 * version numbers, because distribution kernels backport.
 */
#ifndef SVSM_DIAG_COMPAT_H
#define SVSM_DIAG_COMPAT_H

#include <linux/version.h>
#include <asm/msr.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "svsm_diag needs Linux 6.1 or newer"
#endif

/* 6.16 renamed the 64-bit MSR accessors (rdmsrl -> rdmsrq and friends). */
#ifdef SVSM_DIAG_HAVE_RDMSRQ
#define svsm_diag_rdmsr_safe(msr, p)	rdmsrq_safe(msr, p)
#else
#define svsm_diag_rdmsr_safe(msr, p)	rdmsrl_safe(msr, p)
#endif

/* NMIs this CPU has taken (the count /proc/interrupts shows as NMI). */
#ifdef SVSM_DIAG_HAVE_IRQ_COUNT_NMI
#define svsm_diag_nmis_taken()	this_cpu_read(irq_stat.counts[IRQ_COUNT_NMI])
#else
#define svsm_diag_nmis_taken()	this_cpu_read(irq_stat.__nmi_count)
#endif

/*
 * The kernel's SVSM guest support (snp_vmpl, per-CPU Calling Areas readable
 * through MSR 0xc001f000) arrived in 6.11. Without it the real transport is
 * compiled out: such a kernel only boots at VMPL0, so there is no SVSM.
 * The other SVSM_DIAG_HAVE_* probes are used in svsm_diag_kernel.c.
 */
#if defined(SVSM_DIAG_HAVE_SNP_VMPL) && defined(CONFIG_AMD_MEM_ENCRYPT)
#define SVSM_DIAG_SNP_TRANSPORT 1
#else
#define SVSM_DIAG_SNP_TRANSPORT 0
#endif

/*
 * configfs-tsm report providers: 6.7 to 6.12 register a struct tsm_ops with
 * tsm_register() (drivers/virt/coco/tsm.ko); later kernels renamed them
 * struct tsm_report_ops and tsm_report_register()
 * (drivers/virt/coco/guest/tsm_report.ko) and gave tsm_register() to device
 * TSMs. The probe for the newer names comes first.
 */
#if defined(SVSM_DIAG_HAVE_TSM_REPORT_REGISTER) && IS_ENABLED(CONFIG_TSM_REPORTS)
#define SVSM_DIAG_TSM 1
#define SVSM_DIAG_TSM_OPS		tsm_report_ops
#define SVSM_DIAG_TSM_REGISTER		tsm_report_register
#define SVSM_DIAG_TSM_UNREGISTER	tsm_report_unregister
#elif defined(SVSM_DIAG_HAVE_TSM_OPS_REGISTER) && IS_ENABLED(CONFIG_TSM_REPORTS)
#define SVSM_DIAG_TSM 1
#define SVSM_DIAG_TSM_OPS		tsm_ops
#define SVSM_DIAG_TSM_REGISTER		tsm_register
#define SVSM_DIAG_TSM_UNREGISTER	tsm_unregister
#else
#define SVSM_DIAG_TSM 0
#endif

#endif /* SVSM_DIAG_COMPAT_H */
