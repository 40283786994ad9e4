/* SPDX-License-Identifier: GPL-2.0-only */
/* svsm_diag_kernel.c: what the kernel's own SEV-SNP code tells a module. */
#ifndef SVSM_DIAG_KERNEL_H
#define SVSM_DIAG_KERNEL_H

#include <linux/types.h>

unsigned int svsm_diag_kernel_vmpl(void);
int svsm_diag_kernel_secrets_gpa(u64 *gpa);

#endif /* SVSM_DIAG_KERNEL_H */
