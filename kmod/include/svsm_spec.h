/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Constants of the SVSM protocol (AMD pub. 58019, "Secure VM Service Module
 * for SEV-SNP Guests") and of the GHCB MSR protocol used to reach it.
 *
 * Plain C with no dependencies, shared by the kernel module, the emulated
 * SVSM and the userspace library (C and C++), so that every number, name and
 * policy has one source. The call table below feeds the module's read-only
 * policy, svsmctl's names and policy, and the man-page check.
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

/*
 * Every protocol, once: X(number, name, defined_by, description). The name
 * is what svsmctl accepts and prints.
 */
#define SVSM_PROTOCOLS(X)						\
	X(SVSM_PROTOCOL_CORE, "core", "spec",				\
	  "Core: Calling Area remap, PVALIDATE, vCPU create/delete, "	\
	  "memory deposit/withdraw, protocol query, vTOM")		\
	X(SVSM_PROTOCOL_ATTEST, "attest", "spec",			\
	  "Attestation: SNP reports at VMPL0 that cover the SVSM's services (services manifest)") \
	X(SVSM_PROTOCOL_VTPM, "vtpm", "spec",				\
	  "Virtual TPM: TPM 2.0 commands served by the SVSM")		\
	X(SVSM_PROTOCOL_APIC, "apic", "COCONUT-SVSM",			\
	  "APIC emulation for guests that use alternate injection (SEV_STATUS bit 6)") \
	X(SVSM_PROTOCOL_UEFI_MM, "uefi-mm", "COCONUT-SVSM",		\
	  "UEFI variable store (MM communicate) served to the firmware")

/*
 * What a call may change, for the read-only policy of the module and of
 * svsmctl (the only calls CALL passes on real hardware by default):
 * SVSM_CALL_READS changes nothing; SVSM_CALL_READS_IF_RCX1 only reads when
 * RCX is 1 (CONFIGURE_VTOM's query). Attestation is not read-only: its
 * request names the guest pages the SVSM writes to.
 */
#define SVSM_CALL_WRITES		0
#define SVSM_CALL_READS			1
#define SVSM_CALL_READS_IF_RCX1		2

/*
 * Every call, once: X(protocol, call, name, access, description). Adding a
 * call is one row here and a handler in the emulated SVSM.
 */
#define SVSM_CALLS(X)							\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA, "remap-ca", SVSM_CALL_WRITES, \
	  "Move this vCPU's Calling Area to another page")		\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_PVALIDATE, "pvalidate", SVSM_CALL_WRITES, \
	  "Validate or invalidate a list of guest pages")		\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_CREATE_VCPU, "create-vcpu", SVSM_CALL_WRITES, \
	  "Turn a page into a VMSA and register the vCPU's Calling Area") \
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_DELETE_VCPU, "delete-vcpu", SVSM_CALL_WRITES, \
	  "Retire a VMSA created with CREATE_VCPU")			\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_DEPOSIT_MEM, "deposit-mem", SVSM_CALL_WRITES, \
	  "Give pages to the SVSM")					\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_WITHDRAW_MEM, "withdraw-mem", SVSM_CALL_WRITES, \
	  "Take back pages the SVSM no longer needs")			\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_QUERY_PROTOCOL, "query-protocol", SVSM_CALL_READS, \
	  "Ask which versions of a protocol the SVSM supports")	\
	X(SVSM_PROTOCOL_CORE, SVSM_CORE_CONFIGURE_VTOM, "configure-vtom", SVSM_CALL_READS_IF_RCX1, \
	  "Query (RCX = 1) or set the virtual top of memory")		\
	X(SVSM_PROTOCOL_ATTEST, SVSM_ATTEST_SERVICES, "attest-services", SVSM_CALL_WRITES, \
	  "SNP report over a nonce and the manifest of all services")	\
	X(SVSM_PROTOCOL_ATTEST, SVSM_ATTEST_SINGLE_SERVICE, "attest-single-service", \
	  SVSM_CALL_WRITES,						\
	  "SNP report over a nonce and one service's manifest")	\
	X(SVSM_PROTOCOL_VTPM, SVSM_VTPM_QUERY, "query", SVSM_CALL_READS, \
	  "Bitmap of supported vTPM platform commands and features")	\
	X(SVSM_PROTOCOL_VTPM, SVSM_VTPM_CMD, "cmd", SVSM_CALL_WRITES,	\
	  "Run a vTPM platform command (TPM_SEND_COMMAND)")		\
	X(SVSM_PROTOCOL_APIC, SVSM_APIC_QUERY_FEATURES, "query-features", SVSM_CALL_READS, \
	  "APIC emulation features (none beyond the base set)")	\
	X(SVSM_PROTOCOL_APIC, SVSM_APIC_CONFIGURE, "configure", SVSM_CALL_WRITES, \
	  "Query or change APIC emulation registration")		\
	X(SVSM_PROTOCOL_APIC, SVSM_APIC_READ_REGISTER, "read-register", SVSM_CALL_WRITES, \
	  "Read an emulated APIC register")				\
	X(SVSM_PROTOCOL_APIC, SVSM_APIC_WRITE_REGISTER, "write-register", SVSM_CALL_WRITES, \
	  "Write an emulated APIC register")				\
	X(SVSM_PROTOCOL_APIC, SVSM_APIC_CONFIGURE_VECTOR, "configure-vector", SVSM_CALL_WRITES, \
	  "Allow or block injection of an interrupt vector")		\
	X(SVSM_PROTOCOL_UEFI_MM, SVSM_UEFI_MM_REQUEST, "request", SVSM_CALL_WRITES, \
	  "Run a UEFI MM communicate request (variable services)")

struct svsm_call_access_row {
	unsigned int protocol;
	unsigned int call;
	int access;
};

#define SVSM_CALL_ACCESS_ROW(p, c, name, access, desc) { (p), (c), (access) },

/* Nonzero if the call changes no guest or SVSM state with this RCX. */
static inline int svsm_call_is_read_only(unsigned int protocol, unsigned int call,
					 unsigned long long rcx)
{
	static const struct svsm_call_access_row rows[] = {
		SVSM_CALLS(SVSM_CALL_ACCESS_ROW)
		{ 0, 0, -1 }	/* end */
	};
	const struct svsm_call_access_row *r;

	for (r = rows; r->access >= 0; r++) {
		if (r->protocol == protocol && r->call == call)
			return r->access == SVSM_CALL_READS ||
			       (r->access == SVSM_CALL_READS_IF_RCX1 && rcx == 1);
	}
	return 0;
}

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

/* The SVSM fields of the SNP secrets page (spec table 1), 0x140-0x15f. */
#define SNP_SECRETS_SVSM_BASE		0x140	/* u64 SVSM base GPA */
#define SNP_SECRETS_SVSM_SIZE		0x148	/* u64 SVSM size */
#define SNP_SECRETS_SVSM_CAA		0x150	/* u64 boot CPU's CA GPA */
#define SNP_SECRETS_SVSM_MAX_VERSION	0x158	/* u32 */
#define SNP_SECRETS_SVSM_GUEST_VMPL	0x15c	/* u8 */
#define SNP_SECRETS_SVSM_FIELDS_SIZE	0x20

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

/*
 * Little-endian fields in byte buffers (every SVSM and SNP layout above),
 * independent of alignment and of the host's byte order.
 */
static inline unsigned int svsm_get_le16(const unsigned char *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

static inline unsigned int svsm_get_le32(const unsigned char *p)
{
	return svsm_get_le16(p) | svsm_get_le16(p + 2) << 16;
}

static inline unsigned long long svsm_get_le64(const unsigned char *p)
{
	return svsm_get_le32(p) | (unsigned long long)svsm_get_le32(p + 4) << 32;
}

static inline void svsm_put_le16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void svsm_put_le32(unsigned char *p, unsigned int v)
{
	svsm_put_le16(p, v & 0xffff);
	svsm_put_le16(p + 2, v >> 16);
}

static inline void svsm_put_le64(unsigned char *p, unsigned long long v)
{
	svsm_put_le32(p, (unsigned int)v);
	svsm_put_le32(p + 4, (unsigned int)(v >> 32));
}

/* The SVSM fields of a secrets page. */
struct svsm_secrets_svsm {
	unsigned long long base;
	unsigned long long size;
	unsigned long long caa;
	unsigned int max_version;
	unsigned int vmpl;
};

/*
 * Parse them from @page, which holds at least the secrets page's first
 * SNP_SECRETS_SVSM_BASE + SNP_SECRETS_SVSM_FIELDS_SIZE bytes.
 */
static inline void svsm_parse_secrets(const unsigned char *page, struct svsm_secrets_svsm *s)
{
	s->base = svsm_get_le64(page + SNP_SECRETS_SVSM_BASE);
	s->size = svsm_get_le64(page + SNP_SECRETS_SVSM_SIZE);
	s->caa = svsm_get_le64(page + SNP_SECRETS_SVSM_CAA);
	s->max_version = svsm_get_le32(page + SNP_SECRETS_SVSM_MAX_VERSION);
	s->vmpl = page[SNP_SECRETS_SVSM_GUEST_VMPL];
}

#endif /* SVSM_SPEC_H */
