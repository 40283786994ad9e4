/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Constants of the SVSM protocol (AMD pub. 58019, "Secure VM Service Module
 * for SEV-SNP Guests") and of the GHCB MSR protocol used to reach it.
 *
 * Plain macros with no dependencies, shared by the kernel module, the
 * emulated SVSM and the userspace library, so that every number has one
 * source.
 */
#ifndef SVSM_SPEC_H
#define SVSM_SPEC_H

/* RAX on entry: protocol in bits 63:32, call id in bits 31:0. */
#define SVSM_RAX(protocol, call)	(((unsigned long long)(protocol) << 32) | (call))

/* Protocols. 3 and 4 are COCONUT-SVSM extensions, not in spec rev 1.00. */
#define SVSM_PROTOCOL_CORE		0
#define SVSM_PROTOCOL_ATTEST		1
#define SVSM_PROTOCOL_VTPM		2
#define SVSM_PROTOCOL_APIC		3
#define SVSM_PROTOCOL_UEFI_MM		4
#define SVSM_NR_PROTOCOLS		5

/* Core protocol calls. */
#define SVSM_CORE_REMAP_CA		0
#define SVSM_CORE_PVALIDATE		1
#define SVSM_CORE_CREATE_VCPU		2
#define SVSM_CORE_DELETE_VCPU		3
#define SVSM_CORE_DEPOSIT_MEM		4
#define SVSM_CORE_WITHDRAW_MEM		5
#define SVSM_CORE_QUERY_PROTOCOL	6
#define SVSM_CORE_CONFIGURE_VTOM	7

/* Attestation protocol calls. */
#define SVSM_ATTEST_SERVICES		0
#define SVSM_ATTEST_SINGLE_SERVICE	1

/* vTPM protocol calls and platform commands. */
#define SVSM_VTPM_QUERY			0
#define SVSM_VTPM_CMD			1
#define SVSM_VTPM_SEND_COMMAND		8	/* TPM_SEND_COMMAND platform command */

/* APIC protocol calls (COCONUT). */
#define SVSM_APIC_QUERY_FEATURES	0
#define SVSM_APIC_CONFIGURE		1
#define SVSM_APIC_READ_REGISTER		2
#define SVSM_APIC_WRITE_REGISTER	3
#define SVSM_APIC_CONFIGURE_VECTOR	4

/* UEFI MM protocol calls (COCONUT draft). */
#define SVSM_UEFI_MM_REQUEST		1

/* Result codes (32 bits; the upper half of RAX is ignored). */
#define SVSM_SUCCESS			0x00000000U
#define SVSM_ERR_INCOMPLETE		0x80000000U
#define SVSM_ERR_UNSUPPORTED_PROTOCOL	0x80000001U
#define SVSM_ERR_UNSUPPORTED_CALL	0x80000002U
#define SVSM_ERR_INVALID_ADDRESS	0x80000003U
#define SVSM_ERR_INVALID_FORMAT		0x80000004U
#define SVSM_ERR_INVALID_PARAMETER	0x80000005U
#define SVSM_ERR_INVALID_REQUEST	0x80000006U
#define SVSM_ERR_BUSY			0x80000007U
#define SVSM_ERR_PROTOCOL_BASE		0x80001000U	/* protocol-specific errors */
/* Core: PVALIDATE/RMPADJUST failures are PROTOCOL_BASE + the instruction's code. */
#define SVSM_ERR_PVALIDATE_FAIL_INPUT		0x80001001U
#define SVSM_ERR_PVALIDATE_FAIL_PERMISSION	0x80001002U
#define SVSM_ERR_PVALIDATE_FAIL_INUSE		0x80001003U
#define SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH	0x80001006U
#define SVSM_ERR_PVALIDATE_FAIL_UNCHANGED	0x80001010U
#define SVSM_ERR_PVALIDATE_FAIL_OTHER		0x80001011U
/* 0x40000000-0x7fffffff: the SVSM needs memory; bits 29:0 = 4K pages. */
#define SVSM_RESULT_MEMORY_MIN		0x40000000U
#define SVSM_RESULT_MEMORY_MAX		0x7fffffffU

/* Layouts in guest memory. */
#define SVSM_CA_CALL_PENDING		0x000	/* u8 */
#define SVSM_CA_MEM_AVAILABLE		0x001	/* u8 */
#define SVSM_CA_BUFFER			0x008	/* rest of the page */
#define SVSM_CA_BUFFER_SIZE		(4096 - 8)

/* PVALIDATE list: u16 entries, u16 next, u32 reserved, then u64 entries. */
#define SVSM_PVAL_HDR_SIZE		8
#define SVSM_PVAL_SIZE_MASK		0x3ULL		/* 0 = 4K, 1 = 2M */
#define SVSM_PVAL_VALIDATE		(1ULL << 2)
#define SVSM_PVAL_IGNORE_CF		(1ULL << 3)
#define SVSM_PVAL_RSVD_MASK		0xff0ULL
#define SVSM_PVAL_MAX_ENTRIES		((4096 - 8 - SVSM_PVAL_HDR_SIZE) / 8)	/* 510 in a CA */

/* Attestation operation structure (spec tables 11 and 13). */
#define SVSM_ATTEST_OP_REPORT_GPA	0x00
#define SVSM_ATTEST_OP_REPORT_LEN	0x08
#define SVSM_ATTEST_OP_NONCE_GPA	0x10
#define SVSM_ATTEST_OP_NONCE_LEN	0x18	/* u16 */
#define SVSM_ATTEST_OP_MANIFEST_GPA	0x20
#define SVSM_ATTEST_OP_MANIFEST_LEN	0x28
#define SVSM_ATTEST_OP_CERTS_GPA	0x30
#define SVSM_ATTEST_OP_CERTS_LEN	0x38
#define SVSM_ATTEST_OP_SERVICE_GUID	0x40	/* single service only */
#define SVSM_ATTEST_OP_MANIFEST_VER	0x50
#define SVSM_ATTEST_SERVICES_OP_SIZE	0x40
#define SVSM_ATTEST_SINGLE_OP_SIZE	0x58
#define SVSM_ATTEST_NONCE_SIZE		64

/* SNP attestation report (SEV-SNP firmware ABI, table "ATTESTATION_REPORT"). */
#define SNP_REPORT_SIZE			0x4a0
#define SNP_REPORT_VERSION		0x000	/* u32 */
#define SNP_REPORT_GUEST_SVN		0x004	/* u32 */
#define SNP_REPORT_POLICY		0x008	/* u64 */
#define SNP_REPORT_VMPL			0x030	/* u32 */
#define SNP_REPORT_SIG_ALGO		0x034	/* u32, 1 = ECDSA P-384 with SHA-384 */
#define SNP_REPORT_REPORT_DATA		0x050	/* 64 bytes */
#define SNP_REPORT_MEASUREMENT		0x090	/* 48 bytes */
#define SNP_REPORT_HOST_DATA		0x0c0	/* 32 bytes */
#define SNP_REPORT_REPORT_ID		0x140	/* 32 bytes */
#define SNP_REPORT_CHIP_ID		0x1a0	/* 64 bytes */
#define SNP_REPORT_SIGNATURE		0x2a0	/* 512 bytes */

/* GUID table (services manifest and SNP certificate table). */
#define SVSM_GUID_ENTRY_SIZE		24	/* 16-byte GUID, u32 offset, u32 length */

/* GHCB MSR protocol: request that the hypervisor runs VMPL0. */
#define GHCB_MSR			0xc0010130U
#define SEV_STATUS_MSR			0xc0010131U
#define SVSM_CAA_MSR			0xc001f000U	/* read: this CPU's CA (6.11+ #VC) */
#define GHCB_INFO_MASK			0xfffULL
#define GHCB_MSR_VMPL_REQ		0x016ULL
#define GHCB_MSR_VMPL_RESP		0x017ULL
/* Written without the kernel's 6.11-6.14 operator-precedence bug. */
#define GHCB_MSR_VMPL_REQ_LEVEL(v)	\
	((((unsigned long long)(v) & 0xffULL) << 32) | GHCB_MSR_VMPL_REQ)
#define GHCB_MSR_VMPL_RESP_VAL(v)	((unsigned long long)(v) >> 32)

/* vTPM TPM_SEND_COMMAND request and response layout (spec tables 15-17). */
#define SVSM_VTPM_REQ_CMD		0	/* u32 platform command */
#define SVSM_VTPM_REQ_LOCALITY		4	/* u8 */
#define SVSM_VTPM_REQ_INBUF_SIZE	5	/* u32 */
#define SVSM_VTPM_REQ_INBUF		9
#define SVSM_VTPM_RESP_OUTBUF_SIZE	0	/* u32 */
#define SVSM_VTPM_RESP_OUTBUF		4
#define SVSM_VTPM_BUFFER_SIZE		4096

#endif /* SVSM_SPEC_H */
