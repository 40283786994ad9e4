/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svsm_diag internals: the transport interface, per-CPU state, and the
 * functions the source files share.
 */
#ifndef SVSM_DIAG_H
#define SVSM_DIAG_H

#include <linux/types.h>
#include <linux/cache.h>

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
 * Everything that touches hardware, behind one small interface, so that the
 * protocol code around it (svsm_diag_call.c) is the same for the real
 * SEV-SNP transport and for the emulated SVSM. Every op runs on the CPU it
 * concerns, with interrupts disabled.
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

/* Module parameters, read-only after load. */
extern bool svsm_diag_allow_unsafe_calls;
extern bool svsm_diag_allow_remap_test;

/* svsm_diag_call.c: the protocol engine and the per-CPU ioctl commands */
struct svsm_diag_cpu_stats *svsm_diag_stats(unsigned int cpu);
int svsm_diag_stats_init(void);
void svsm_diag_stats_exit(void);
void svsm_diag_engine_start(const struct svsm_diag_transport *xp, unsigned int max_retries);
int svsm_diag_do_call(struct svsm_diag_call *arg);
int svsm_diag_do_remap_test(struct svsm_diag_remap_test *arg);
int svsm_diag_do_attest(struct svsm_diag_attest *arg);
int svsm_diag_boot_remap(unsigned int cpu, u64 new_ca);
bool svsm_diag_ca_is_lost(unsigned int cpu);
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
