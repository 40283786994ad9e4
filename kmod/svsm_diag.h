/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svsm_diag internals: the transport interface, per-CPU state, and the
 * functions the source files share.
 */
#ifndef SVSM_DIAG_H
#define SVSM_DIAG_H

#include <linux/types.h>
#include <linux/cache.h>
#include <linux/string.h>

#include "compat.h"
#include "svsm_diag_kernel.h"
#include "svsm_spec.h"
#include <linux/svsm_diag.h>

struct dentry;

struct svsm_diag_regs {
	u64 rax, rcx, rdx, r8, r9;
};

/* The Calling Area page (spec table 2; the kernel's struct svsm_ca). */
struct svsm_diag_ca {
	u8 call_pending;
	u8 mem_available;
	u8 rsvd[6];
	u8 buffer[SVSM_CA_BUFFER_SIZE];
};

/*
 * Everything that differs between the real SEV-SNP transport and the
 * emulated SVSM, behind one small interface, so that the protocol engine
 * (svsm_diag_engine.c) and the commands are the same for both. exchange,
 * nmis_taken, current_ca, ca_check and test_ca run on the CPU they concern
 * with interrupts disabled; the others in process context.
 */
struct svsm_diag_transport {
	const char *name;
	/*
	 * One exchange with the SVSM: save the GHCB MSR, write the VMPL0
	 * request, set CALL_PENDING in @ca, VMGEXIT with @regs, atomically read
	 * and clear CALL_PENDING, read the MSR's response into @resp, restore
	 * the MSR. Returns the old CALL_PENDING (1: the SVSM never saw the
	 * call). Nothing in between may write the GHCB MSR: the real one is a
	 * noinstr function with no call, tracepoint or indirect branch inside.
	 */
	u8 (*exchange)(struct svsm_diag_ca *ca, struct svsm_diag_regs *regs, u64 *resp);
	/* NMIs this CPU has taken so far (the kernel's count, or the emulator's). */
	unsigned int (*nmis_taken)(void);
	/* The Calling Area the kernel uses on this CPU: GPA and kernel address. */
	int (*current_ca)(u64 *gpa, void **va);
	/*
	 * May the SVSM be pointed at @gpa as a new CA? 0 and its kernel address
	 * if the module can use it to remap back; -ENOENT if the SVSM itself
	 * refuses every such page, atomically (emulator only); -EPERM if the
	 * module must refuse the remap.
	 */
	int (*ca_check)(u64 gpa, void **va);
	/*
	 * This CPU's page for REMAP_CA_TEST, owned by the backend for good; or
	 * NULL, and the test uses a page of its own.
	 */
	int (*test_ca)(u64 *gpa, void **va);
	/*
	 * May REMAP_CA_TEST run on @cpu? Only where a CA lost anyway can be
	 * recovered, i.e. on a CPU that can be offlined and onlined again.
	 */
	bool (*remap_test_allowed)(unsigned int cpu);
	/*
	 * @cpu's Calling Area now and the first one it had, where known: the
	 * SVSM_DIAG_CPU_CA_VALID and SVSM_DIAG_CPU_INITIAL_CA_VALID bits for
	 * what was found. Process context, any CPU.
	 */
	u32 (*cpu_ca)(unsigned int cpu, u64 *ca, u64 *initial);
	/*
	 * Let the SVSM reach guest pages a call names (@va, @len bytes) until
	 * unshare(); NULL where it reaches all guest memory (real hardware).
	 */
	int (*share)(void *va, size_t len);
	void (*unshare)(void *va);
	/*
	 * The kernel itself talks to this SVSM, so its exported paths
	 * (attestation, vTPM) may serve the commands they cover.
	 */
	bool kernel_svsm;
};

/* Per-CPU counters, written only on their own CPU with interrupts off. */
struct svsm_diag_cpu_stats {
	u64 calls;
	u64 retries;
	u64 errors;
	u64 unserviced;
	u64 interrupted;	/* exchanges an NMI or a #VC kept from the SVSM */
	u32 last_result;
	bool last_valid;
};

/* What the backend knows about the SVSM (secrets page or emulator). */
struct svsm_diag_svsm_info {
	u64 base;
	u64 size;
	u64 caa;
	u32 max_version;
	u32 vmpl;
	bool secrets;		/* base..max_version were read */
};

/* What the module found at load and its policy: read-only afterwards. */
struct svsm_diag_dev {
	u32 backend;		/* SVSM_DIAG_BACKEND_* */
	u32 reason;		/* SVSM_DIAG_REASON_* without an SVSM */
	u32 policy;		/* SVSM_DIAG_POLICY_*: what real hardware allows */
	u64 sev_status;
	bool sev_status_valid;
	unsigned int max_retries;
	struct svsm_diag_svsm_info info;
};

/*
 * One ioctl command: its argument, who may issue it, on which CPU, and the
 * file that validates and runs it (svsm_diag_ioctl_*.c). svsm_diag_main.c
 * holds the table, indexed by _IOC_NR, and the one dispatcher.
 */
#define SVSM_DIAG_IOCTL_ADMIN		0x01	/* CAP_SYS_ADMIN, unless open_to_all */
#define SVSM_DIAG_IOCTL_SVSM		0x02	/* -ENODEV without an SVSM */
#define SVSM_DIAG_IOCTL_CPU_POSSIBLE	0x04	/* cpu: a possible CPU, else -ENXIO */
#define SVSM_DIAG_IOCTL_CPU_ONLINE	0x08	/* cpu: an online CPU, else -ENXIO */
#define SVSM_DIAG_IOCTL_ANY_CPU		0x10	/* cpu: SVSM_DIAG_ANY_CPU too */

struct svsm_diag_ioctl {
	unsigned int cmd;
	const char *name;	/* the uapi macro without SVSM_DIAG_ */
	size_t size;		/* the struct, at its first published size */
	u32 rules;		/* SVSM_DIAG_IOCTL_* */
	/* The argument alone: -EINVAL or -E2BIG for what no caller may send. */
	int (*check)(const void *arg);
	/* With SVSM_DIAG_IOCTL_ADMIN: may a caller without it issue @arg? */
	bool (*open_to_all)(const void *arg);
	/*
	 * The work, after every rule held. *asked once the SVSM has been
	 * asked anything: the struct then goes back even on error, so the
	 * caller has the result code along with the errno.
	 */
	int (*run)(const struct svsm_diag_dev *dev, void *arg, bool *asked);
};

/* Every command struct with a cpu starts with size, flags and cpu. */
struct svsm_diag_head {
	__u32 size;
	__u32 flags;
	__u32 cpu;
};

/* Output-only fields must come in as zero: nothing the caller sets is ignored. */
static inline bool svsm_diag_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* Are the bytes of the @size-byte struct at @base from @offset on all zero? */
static inline bool svsm_diag_zero_from(const void *base, size_t size, size_t offset)
{
	return svsm_diag_zero((const u8 *)base + offset, size - offset);
}

/* svsm_diag_ioctl_*.c: one file per command */
extern const struct svsm_diag_ioctl svsm_diag_ioctl_info;
extern const struct svsm_diag_ioctl svsm_diag_ioctl_cpu;
extern const struct svsm_diag_ioctl svsm_diag_ioctl_call;
extern const struct svsm_diag_ioctl svsm_diag_ioctl_remap;
extern const struct svsm_diag_ioctl svsm_diag_ioctl_attest;
/* ATTEST's work, also the configfs-tsm provider's (svsm_diag_tsm.c) */
int svsm_diag_do_attest(struct svsm_diag_attest *arg);

/* Outcome of one logical call (retries included). */
struct svsm_diag_outcome {
	struct svsm_diag_regs out;
	u32 status;
	u32 retries;
	u32 exchanges;
	u32 interruptions;
	int error;
};

/*
 * A logical call whose CA buffer use is described by @fill (before each
 * exchange: write the buffer, complete the registers) and @drain (after
 * it), both inside the exchange's interrupts-off section. Runs on the
 * target CPU with interrupts on; BUSY/INCOMPLETE retries re-enable them.
 */
struct svsm_diag_job {
	struct svsm_diag_regs in;
	void (*fill)(struct svsm_diag_job *job, struct svsm_diag_ca *ca, u64 ca_gpa);
	void (*drain)(struct svsm_diag_job *job, struct svsm_diag_ca *ca);
	struct svsm_diag_outcome o;
};

/* Physically contiguous, page-aligned memory the SVSM may read and write. */
struct svsm_diag_gbuf {
	void *va;
	u64 gpa;
	size_t len;
};

/* svsm_diag_engine.c: the protocol engine */
void svsm_diag_engine_start(const struct svsm_diag_transport *xp, unsigned int max_retries);
const struct svsm_diag_transport *svsm_diag_xp(void);
struct svsm_diag_cpu_stats *svsm_diag_stats(unsigned int cpu);
int svsm_diag_stats_init(void);
void svsm_diag_stats_exit(void);
void svsm_diag_call_ca(struct svsm_diag_ca *ca, const struct svsm_diag_regs *in,
		       struct svsm_diag_outcome *o);
u32 svsm_diag_result(const struct svsm_diag_outcome *o);
bool svsm_diag_succeeded(const struct svsm_diag_outcome *o);
int svsm_diag_current_ca(u64 *gpa, struct svsm_diag_ca **ca);
bool svsm_diag_ca_answers(struct svsm_diag_ca *ca, struct svsm_diag_outcome *o);
bool svsm_diag_ca_in_use(struct svsm_diag_ca *ca, struct svsm_diag_outcome *o);
bool svsm_diag_restore_ca(struct svsm_diag_ca *cur, struct svsm_diag_ca *orig,
			  u64 orig_gpa, struct svsm_diag_outcome *o);
int svsm_diag_run_job(unsigned int cpu, struct svsm_diag_job *job);
int svsm_diag_on_cpu(unsigned int cpu, int (*fn)(void *), void *data);
int svsm_diag_gbuf_alloc(struct svsm_diag_gbuf *b, size_t len);
void svsm_diag_gbuf_free(struct svsm_diag_gbuf *b);
int svsm_diag_boot_remap(unsigned int cpu, u64 new_ca);
bool svsm_diag_ca_is_lost(unsigned int cpu);
void svsm_diag_mark_lost(u64 lost_gpa, u64 kernel_gpa, void *page, size_t len);
int svsm_diag_ca_lost_init(void);
void svsm_diag_ca_lost_exit(void);

/* svsm_diag_snp.c: the real SEV-SNP transport */
int svsm_diag_snp_probe(struct svsm_diag_svsm_info *info, u32 *reason);
extern const struct svsm_diag_transport svsm_diag_snp_transport;

/* svsm_diag_emu.c: the emulated SVSM backend */
int svsm_diag_emu_init(u64 *boot_ca);
int svsm_diag_emu_start(bool boot_remapped, struct dentry *debugfs,
			struct svsm_diag_svsm_info *info);
void svsm_diag_emu_exit(void);
extern const struct svsm_diag_transport svsm_diag_emu_transport;

/* svsm_diag_tsm.c: the emulated SVSM as configfs-tsm report provider */
void svsm_diag_tsm_init(unsigned int vmpl);
void svsm_diag_tsm_exit(void);

/* The SVSM fields of a secrets page, as svsm_spec.h parses them. */
static inline void svsm_diag_info_from_secrets(const u8 *page, struct svsm_diag_svsm_info *info)
{
	struct svsm_secrets_svsm f;

	svsm_parse_secrets(page, &f);
	info->base = f.base;
	info->size = f.size;
	info->caa = f.caa;
	info->max_version = f.max_version;
	info->vmpl = f.vmpl;
	info->secrets = true;
}

#endif /* SVSM_DIAG_H */
