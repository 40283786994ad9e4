/* SPDX-License-Identifier: GPL-2.0-only */
/* svsm_diag_kernel.c: what the kernel's own SEV-SNP code offers a module. */
#ifndef SVSM_DIAG_KERNEL_H
#define SVSM_DIAG_KERNEL_H

#include <linux/types.h>

/* The attestation request in the layout of the spec's tables 11 and 13. */
struct svsm_diag_kernel_attest {
	u64 report_gpa, nonce_gpa, manifest_gpa, certs_gpa;
	u32 report_len, nonce_len, manifest_len, certs_len;
	const u8 *service_guid;		/* NULL: ATTEST_SERVICES */
	u32 manifest_version;
};

/* What the kernel's path tells of the call; the raw registers when it ran. */
struct svsm_diag_kernel_result {
	u64 rax, rcx, rdx, r8;
	bool serviced;
};

unsigned int svsm_diag_kernel_vmpl(void);
int svsm_diag_kernel_read_secrets(u8 *buf, size_t offset, size_t len);
bool svsm_diag_kernel_has_attest(void);
int svsm_diag_kernel_attest(const struct svsm_diag_kernel_attest *req,
			    struct svsm_diag_kernel_result *res);
bool svsm_diag_kernel_has_vtpm_cmd(void);
int svsm_diag_kernel_vtpm_cmd(u8 *page);

#endif /* SVSM_DIAG_KERNEL_H */
