/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Userspace interface of svsm_diag, the SVSM diagnostic driver.
 *
 * svsm_diag issues Secure VM Service Module (SVSM) protocol calls on behalf
 * of a privileged diagnostic tool (svsmctl), on a chosen CPU and through that
 * CPU's Calling Area (CA). The protocol is AMD publication 58019, "Secure VM
 * Service Module for SEV-SNP Guests".
 *
 * Conventions shared by every command:
 *  - Every argument struct starts with __u32 size and __u32 flags. The caller
 *    sets size to sizeof() of the struct it was built with; the driver reads
 *    it like copy_struct_from_user(): a smaller struct is zero-extended, a
 *    larger one is accepted only if the bytes the driver does not know are
 *    zero (-E2BIG otherwise). size below the first published size is -EINVAL,
 *    size above 4096 is -E2BIG. On return, size holds the number of bytes the
 *    driver wrote back.
 *  - Unknown flag bits and non-zero reserved fields are rejected with -EINVAL.
 *  - User buffers are passed as __u64 addresses with explicit lengths.
 *  - The raw SVSM result code (RAX, 32 bits) is returned in-band; errno says
 *    what kind of failure it was:
 *      0           the SVSM serviced the call and returned a non-error code
 *      -EIO        the SVSM serviced the call and returned an error code
 *      -EBUSY      the SVSM kept answering BUSY or INCOMPLETE after
 *                  max_retries retries (module parameter)
 *      -ECOMM      the call was not serviced: CALL_PENDING was still set
 *      -EREMOTEIO  the hypervisor refused the request to run VMPL0
 *      -EAGAIN     every exchange was interrupted before the SVSM saw it
 *                  (an NMI rewrote the GHCB MSR; SVSM_DIAG_STATUS_INTERRUPTED);
 *                  nothing ran, the command may be repeated
 *      -ENXIO      the CPU id is out of range or the CPU is offline
 *      -EPERM      the caller lacks CAP_SYS_ADMIN, or the call changes guest
 *                  or SVSM state and the module does not allow it, or
 *                  REMAP_CA_TEST on a CPU that cannot be offlined (SNP)
 *      -EHOSTDOWN  a CA remap on a CPU whose Calling Area is lost
 *                  (SVSM_DIAG_CPU_CA_LOST): offline and online it first
 *      -ENODEV     no SVSM is available (see struct svsm_diag_info.reason)
 *      -EFAULT, -ENOMEM, -EINVAL, -E2BIG, -ENOTTY (unknown command)
 *    For -EIO, -EBUSY, -ECOMM, -EREMOTEIO and -EAGAIN the argument struct
 *    is still copied back, so the result code and status can be read.
 *
 * CALL_PENDING is authoritative, as in the kernel: cleared, the SVSM ran the
 * call and its outputs are returned even if the hypervisor's response in the
 * GHCB MSR was overwritten afterwards (SVSM_DIAG_STATUS_RESPONSE_LOST).
 */
#ifndef _UAPI_LINUX_SVSM_DIAG_H
#define _UAPI_LINUX_SVSM_DIAG_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SVSM_DIAG_ABI_VERSION		1
#define SVSM_DIAG_DEVICE_NAME		"svsm_diag"

/* Type 0xE9 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define SVSM_DIAG_IOC_TYPE		0xE9

/* Backends (struct svsm_diag_info.backend). */
#define SVSM_DIAG_BACKEND_NONE		0	/* no SVSM: see reason */
#define SVSM_DIAG_BACKEND_SNP		1	/* real SEV-SNP guest under an SVSM */
#define SVSM_DIAG_BACKEND_EMULATED	2	/* emulated SVSM, for testing */

/* Why there is no SVSM (struct svsm_diag_info.reason, backend NONE only). */
#define SVSM_DIAG_REASON_NONE		0	/* an SVSM backend is active */
#define SVSM_DIAG_REASON_NOT_SNP	1	/* SEV-SNP is not active */
#define SVSM_DIAG_REASON_VMPL0		2	/* SEV-SNP guest at VMPL0: no SVSM */
#define SVSM_DIAG_REASON_KERNEL		3	/* kernel lacks SVSM guest support (< 6.11) */
#define SVSM_DIAG_REASON_NO_CA		4	/* SVSM present but no usable Calling Area */

/* struct svsm_diag_info.valid: which fields hold data. */
#define SVSM_DIAG_INFO_SEV_STATUS	(1U << 0)	/* sev_status was read */
#define SVSM_DIAG_INFO_VMPL		(1U << 1)	/* vmpl is known */
#define SVSM_DIAG_INFO_SVSM		(1U << 2)	/* svsm_* secrets-page fields */
#define SVSM_DIAG_INFO_ADDRS_HIDDEN	(1U << 3)	/* GPAs zeroed: no CAP_SYS_ADMIN */

/* struct svsm_diag_info.features: what this module build supports. */
#define SVSM_DIAG_FEAT_GET_CPU		(1ULL << 0)
#define SVSM_DIAG_FEAT_CALL		(1ULL << 1)
#define SVSM_DIAG_FEAT_REMAP_CA_TEST	(1ULL << 2)
#define SVSM_DIAG_FEAT_ATTEST		(1ULL << 3)
#define SVSM_DIAG_FEAT_SNP_TRANSPORT	(1ULL << 4)	/* real transport built in */
#define SVSM_DIAG_FEAT_EMULATOR		(1ULL << 5)	/* emulated SVSM built in */
#define SVSM_DIAG_FEAT_FAULT_INJECTION	(1ULL << 6)	/* debugfs fault injection */

/* struct svsm_diag_info.policy: what the module parameters allow. */
#define SVSM_DIAG_POLICY_UNSAFE_CALLS	(1U << 0)	/* state-changing CALLs allowed */
#define SVSM_DIAG_POLICY_REMAP_TEST	(1U << 1)	/* REMAP_CA_TEST allowed */

/**
 * struct svsm_diag_info - what the driver and the SVSM look like
 * @size:	in: sizeof(struct svsm_diag_info); out: bytes written
 * @flags:	in: must be 0
 * @abi_version: out: SVSM_DIAG_ABI_VERSION of the driver
 * @backend:	out: SVSM_DIAG_BACKEND_*
 * @reason:	out: SVSM_DIAG_REASON_* when @backend is NONE, else 0
 * @valid:	out: SVSM_DIAG_INFO_* bits saying which fields are meaningful
 * @features:	out: SVSM_DIAG_FEAT_* bits of this module build
 * @sev_status:	out: the SEV_STATUS MSR (0xc0010131) as the kernel sees it
 * @svsm_base:	out: SVSM memory base GPA (secrets page, or emulator)
 * @svsm_size:	out: SVSM memory size in bytes
 * @svsm_caa:	out: GPA of the initial (boot CPU) Calling Area
 * @svsm_max_version: out: highest core protocol version of the SVSM
 * @vmpl:	out: VMPL the guest OS runs at
 * @nr_cpu_ids:	out: CPU ids are below this value
 * @nr_possible: out: number of possible CPUs
 * @nr_online:	out: number of online CPUs
 * @max_retries: out: BUSY/INCOMPLETE retry bound (module parameter)
 * @policy:	out: SVSM_DIAG_POLICY_* bits
 * @rsvd:	out: zero
 * @module_version: out: NUL-terminated module version string
 *
 * The physical addresses are zeroed, and SVSM_DIAG_INFO_ADDRS_HIDDEN set,
 * for callers without CAP_SYS_ADMIN.
 */
struct svsm_diag_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 backend;
	__u32 reason;
	__u32 valid;
	__u64 features;
	__u64 sev_status;
	__u64 svsm_base;
	__u64 svsm_size;
	__u64 svsm_caa;
	__u32 svsm_max_version;
	__u32 vmpl;
	__u32 nr_cpu_ids;
	__u32 nr_possible;
	__u32 nr_online;
	__u32 max_retries;
	__u32 policy;
	__u32 rsvd;
	char module_version[32];
};

/* struct svsm_diag_cpu.state bits. */
#define SVSM_DIAG_CPU_ONLINE		(1U << 0)
#define SVSM_DIAG_CPU_CA_VALID		(1U << 1)	/* ca_gpa holds data */
#define SVSM_DIAG_CPU_INITIAL_CA_VALID	(1U << 2)	/* initial_ca_gpa holds data */
#define SVSM_DIAG_CPU_LAST_VALID	(1U << 3)	/* last_result holds data */
#define SVSM_DIAG_CPU_ADDRS_HIDDEN	(1U << 4)	/* GPAs zeroed: no CAP_SYS_ADMIN */
/* The SVSM listens on a CA the kernel does not know: offline and online the CPU. */
#define SVSM_DIAG_CPU_CA_LOST		(1U << 5)

/**
 * struct svsm_diag_cpu - one CPU's Calling Area and call counters
 * @size:	in: sizeof(struct svsm_diag_cpu); out: bytes written
 * @flags:	in: must be 0
 * @cpu:	in: CPU id, below nr_cpu_ids and possible (else -ENXIO)
 * @state:	out: SVSM_DIAG_CPU_* bits; offline CPUs are reported, not refused
 * @apic_id:	out: the CPU's APIC id
 * @last_result: out: raw SVSM result code of the last call on this CPU
 * @ca_gpa:	out: GPA of the Calling Area the kernel uses on this CPU now
 * @initial_ca_gpa: out: the CA the SVSM was given first for this CPU
 *		(secrets page for the boot CPU, CREATE_VCPU for the others)
 * @calls:	out: SVSM calls this module issued on this CPU
 * @retries:	out: BUSY/INCOMPLETE answers that were retried
 * @errors:	out: calls that ended in an error code
 * @unserviced:	out: calls left pending or refused by the hypervisor
 */
struct svsm_diag_cpu {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 state;
	__u32 apic_id;
	__u32 last_result;
	__u64 ca_gpa;
	__u64 initial_ca_gpa;
	__u64 calls;
	__u64 retries;
	__u64 errors;
	__u64 unserviced;
};

/* struct svsm_diag_call.flags: where to place the user buffer, if any. */
#define SVSM_DIAG_CALL_BUF_CA		(1U << 0)	/* in the CA buffer (CA + 8) */
#define SVSM_DIAG_CALL_BUF_PAGE		(1U << 1)	/* in module-owned pages */

/* struct svsm_diag_call.buf_reg: register that receives the buffer GPA. */
#define SVSM_DIAG_REG_NONE		0
#define SVSM_DIAG_REG_RCX		1
#define SVSM_DIAG_REG_RDX		2
#define SVSM_DIAG_REG_R8		3
#define SVSM_DIAG_REG_R9		4

/* Buffer limits. */
#define SVSM_DIAG_CA_BUF_MAX		4088	/* PAGE_SIZE - 8 */
#define SVSM_DIAG_PAGE_BUF_MAX		16384

/* status bits (struct svsm_diag_call, struct svsm_diag_step, attest). */
#define SVSM_DIAG_STATUS_ISSUED		(1U << 0)	/* VMGEXIT was executed */
#define SVSM_DIAG_STATUS_SERVICED	(1U << 1)	/* CALL_PENDING was cleared */
#define SVSM_DIAG_STATUS_VMPL_REFUSED	(1U << 2)	/* bad VMPL response */
#define SVSM_DIAG_STATUS_RETRIES_OUT	(1U << 3)	/* max_retries reached */
#define SVSM_DIAG_STATUS_CA_RESTORED	(1U << 4)	/* a REMAP_CA was undone */
/* An exchange never reached the SVSM (GHCB MSR rewritten by an NMI): retried. */
#define SVSM_DIAG_STATUS_INTERRUPTED	(1U << 5)
/* Serviced, but the GHCB MSR response was overwritten afterwards. */
#define SVSM_DIAG_STATUS_RESPONSE_LOST	(1U << 6)
/* The CPU took an NMI during an exchange. */
#define SVSM_DIAG_STATUS_NMI		(1U << 7)
/* Issued by the kernel's own SVSM path (attestation, vTPM). */
#define SVSM_DIAG_STATUS_VIA_KERNEL	(1U << 8)

/**
 * struct svsm_diag_call - one SVSM call on one CPU
 * @size:	in: sizeof(struct svsm_diag_call); out: bytes written
 * @flags:	in: 0, or one SVSM_DIAG_CALL_BUF_* placement for @buf_addr
 * @cpu:	in: online CPU to run the call on (else -ENXIO)
 * @protocol:	in: SVSM protocol number (RAX bits 63:32)
 * @call_id:	in: call id within the protocol (RAX bits 31:0)
 * @buf_reg:	in: SVSM_DIAG_REG_* that receives the buffer's GPA; that
 *		register's input must be 0. NONE when flags has no buffer.
 * @rcx:	in: RCX
 * @rdx:	in: RDX
 * @r8:		in: R8
 * @r9:		in: R9
 * @buf_addr:	in: user buffer, copied in before and out after the call
 * @buf_len:	in: buffer length, 1..SVSM_DIAG_CA_BUF_MAX (CA) or
 *		1..SVSM_DIAG_PAGE_BUF_MAX (PAGE)
 * @result:	out: raw SVSM result code (low 32 bits of RAX); 0 unless
 *		@status has SVSM_DIAG_STATUS_SERVICED
 * @rax_out:	out: RAX after the call
 * @rcx_out:	out: RCX after the call
 * @rdx_out:	out: RDX after the call
 * @r8_out:	out: R8 after the call
 * @r9_out:	out: R9 after the call
 * @status:	out: SVSM_DIAG_STATUS_* bits
 * @retries:	out: BUSY/INCOMPLETE answers that were retried
 *
 * The call runs on @cpu, on that CPU's current Calling Area, each exchange
 * with interrupts disabled (the caller sleeps; BUSY/INCOMPLETE retries are
 * separate exchanges). A core REMAP_CA call is undone in the same
 * interrupts-off section (SVSM_DIAG_STATUS_CA_RESTORED), so the kernel never
 * runs on a CA it does not know. On the SNP backend, calls that change guest
 * or SVSM state need the allow_unsafe_calls module parameter (-EPERM
 * otherwise), and a vTPM command (protocol 2, call 1, buffer in RCX) goes
 * through the kernel's snp_svsm_vtpm_send_command() where the kernel has it
 * (6.16+; SVSM_DIAG_STATUS_VIA_KERNEL: its result code is then not known).
 * Needs CAP_SYS_ADMIN. Return value: see the top of this file.
 */
struct svsm_diag_call {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 protocol;
	__u32 call_id;
	__u32 buf_reg;
	__u64 rcx;
	__u64 rdx;
	__u64 r8;
	__u64 r9;
	__u64 buf_addr;
	__u32 buf_len;
	__u32 result;
	__u64 rax_out;
	__u64 rcx_out;
	__u64 rdx_out;
	__u64 r8_out;
	__u64 r9_out;
	__u32 status;
	__u32 retries;
};

/**
 * struct svsm_diag_step - outcome of one step of a multi-call command
 * @result:	raw SVSM result code; 0 unless @status has SVSM_DIAG_STATUS_SERVICED
 * @status:	SVSM_DIAG_STATUS_* bits
 * @error:	0 or the negative errno this step alone would have returned
 * @rsvd:	zero
 */
struct svsm_diag_step {
	__u32 result;
	__u32 status;
	__s32 error;
	__u32 rsvd;
};

/* The four steps of REMAP_CA_TEST, in order. */
#define SVSM_DIAG_REMAP_TO_TEST		0	/* REMAP_CA to the test page */
#define SVSM_DIAG_REMAP_QUERY_TEST	1	/* QUERY_PROTOCOL through it */
#define SVSM_DIAG_REMAP_BACK		2	/* REMAP_CA back to the original */
#define SVSM_DIAG_REMAP_QUERY_ORIG	3	/* QUERY_PROTOCOL through the original */
#define SVSM_DIAG_REMAP_STEPS		4

/* struct svsm_diag_remap_test.outcome bits. */
#define SVSM_DIAG_REMAP_RESTORED	(1U << 0)	/* original CA proven in use */
#define SVSM_DIAG_REMAP_RECOVERED	(1U << 1)	/* restore needed a retry path */

/**
 * struct svsm_diag_remap_test - Calling Area remap self-test on one CPU
 * @size:	in: sizeof(struct svsm_diag_remap_test); out: bytes written
 * @flags:	in: must be 0
 * @cpu:	in: online CPU to test (else -ENXIO)
 * @steps_done:	out: number of steps that were attempted
 * @orig_ca:	out: GPA of the CA in use before the test
 * @test_ca:	out: GPA of the module-owned test CA
 * @outcome:	out: SVSM_DIAG_REMAP_* bits
 * @rsvd:	out: zero
 * @step:	out: per-step results, indexed by SVSM_DIAG_REMAP_*
 *
 * With interrupts disabled on @cpu: remap the CA to a module page, prove it
 * with QUERY_PROTOCOL, remap back and prove the original CA is in use again.
 * Whenever the first remap was issued and the original CA does not answer,
 * the SVSM is moved back from the test page (SVSM_DIAG_REMAP_RECOVERED).
 * Returns 0 when every step succeeded, -EIO when a step failed but the
 * original CA is proven in use, -ECOMM/-EREMOTEIO/-EBUSY/-EAGAIN from a
 * failing step otherwise. If the original CA could not be proven in use the
 * CPU's CA is lost (SVSM_DIAG_CPU_CA_LOST in GET_CPU): the test page is kept,
 * the module cannot be unloaded, and offlining and onlining the CPU
 * recovers it. On the SNP backend it needs the allow_remap_test module
 * parameter (-EPERM otherwise) and runs only on CPUs that can be offlined
 * (-EPERM). Needs CAP_SYS_ADMIN.
 */
struct svsm_diag_remap_test {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 steps_done;
	__u64 orig_ca;
	__u64 test_ca;
	__u32 outcome;
	__u32 rsvd;
	struct svsm_diag_step step[SVSM_DIAG_REMAP_STEPS];
};

/**
 * struct svsm_diag_buf - a user buffer the driver fills
 * @addr:	in: user address
 * @len:	in: capacity in bytes
 * @used:	out: bytes the SVSM returned; if larger than @len the call
 *		fails with -ENOSPC and nothing is copied
 * @rsvd:	in: must be 0
 */
struct svsm_diag_buf {
	__u64 addr;
	__u32 len;
	__u32 used;
	__u32 rsvd[2];
};

/* struct svsm_diag_attest.flags */
#define SVSM_DIAG_ATTEST_SINGLE		(1U << 0)	/* ATTEST_SINGLE_SERVICE */

#define SVSM_DIAG_NONCE_SIZE		64
#define SVSM_DIAG_ATTEST_BUF_MAX	(1U << 20)
#define SVSM_DIAG_ATTEST_CERTS_MAX	16384	/* COCONUT's MAX_CERTIFICATE_SIZE */
#define SVSM_DIAG_ANY_CPU		0xffffffffU

/**
 * struct svsm_diag_attest - SVSM attestation (protocol 1)
 * @size:	in: sizeof(struct svsm_diag_attest); out: bytes written
 * @flags:	in: 0 (ATTEST_SERVICES) or SVSM_DIAG_ATTEST_SINGLE
 * @cpu:	in: CPU to issue the call on, or SVSM_DIAG_ANY_CPU
 * @manifest_version: in: service manifest version (SINGLE only, else 0)
 * @service_guid: in: service GUID in little-endian byte order (SINGLE only,
 *		else zero)
 * @nonce:	in: 64-byte nonce; REPORT_DATA = SHA-512(nonce || manifest)
 * @report:	in/out: attestation report buffer (len may be 0 to ask sizes)
 * @manifest:	in/out: services manifest buffer
 * @certs:	in/out: certificate buffer; len 0 asks for no certificates
 * @result:	out: raw SVSM result code of the last call; 0 unless serviced
 * @status:	out: SVSM_DIAG_STATUS_* bits of the last call
 * @attempts:	out: calls made (the driver grows its buffers and retries
 *		when the SVSM answers INVALID_PARAMETER with larger sizes)
 * @rsvd:	in: must be 0
 *
 * On the SNP backend the kernel's snp_issue_svsm_attest_req() issues the
 * calls where the kernel exports it (6.11+; SVSM_DIAG_STATUS_VIA_KERNEL).
 * The certificate buffer never grows past SVSM_DIAG_ATTEST_CERTS_MAX, the
 * largest COCONUT-SVSM accepts.
 *
 * Returns 0 and fills the buffers, -ENOSPC when a user buffer is too small
 * (the used fields then hold the sizes needed), or the errors at the top of
 * this file. Needs CAP_SYS_ADMIN.
 */
struct svsm_diag_attest {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 manifest_version;
	__u8 service_guid[16];
	__u8 nonce[SVSM_DIAG_NONCE_SIZE];
	struct svsm_diag_buf report;
	struct svsm_diag_buf manifest;
	struct svsm_diag_buf certs;
	__u32 result;
	__u32 status;
	__u32 attempts;
	__u32 rsvd;
};

/*
 * SVSM_DIAG_GET_INFO - describe the driver, the backend and the SVSM.
 * Return 0, or -EFAULT/-EINVAL/-E2BIG for a bad argument. Any user may call
 * it who can open the device.
 */
#define SVSM_DIAG_GET_INFO	_IOWR(SVSM_DIAG_IOC_TYPE, 0x00, struct svsm_diag_info)

/*
 * SVSM_DIAG_GET_CPU - one CPU's Calling Area and counters.
 * Return 0, -ENXIO for an impossible CPU id, -ENODEV without an SVSM.
 */
#define SVSM_DIAG_GET_CPU	_IOWR(SVSM_DIAG_IOC_TYPE, 0x01, struct svsm_diag_cpu)

/* SVSM_DIAG_CALL - issue one SVSM call. See struct svsm_diag_call. */
#define SVSM_DIAG_CALL		_IOWR(SVSM_DIAG_IOC_TYPE, 0x02, struct svsm_diag_call)

/* SVSM_DIAG_REMAP_CA_TEST - CA remap self-test. See struct svsm_diag_remap_test. */
#define SVSM_DIAG_REMAP_CA_TEST	_IOWR(SVSM_DIAG_IOC_TYPE, 0x03, struct svsm_diag_remap_test)

/* SVSM_DIAG_ATTEST - SVSM attestation. See struct svsm_diag_attest. */
#define SVSM_DIAG_ATTEST	_IOWR(SVSM_DIAG_IOC_TYPE, 0x04, struct svsm_diag_attest)

#endif /* _UAPI_LINUX_SVSM_DIAG_H */
