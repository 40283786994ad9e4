/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulated SVSM: a software model of an SVSM running at VMPL0, faithful to
 * the SVSM specification and to COCONUT-SVSM where the two are silent or
 * differ in detail. Portable C with no kernel headers: it is built into the
 * svsm_diag module (emulated backend) and into the userspace unit tests.
 *
 * The host (module or test) owns all memory and provides:
 *  - map(): guest-physical to host-virtual translation for the ranges the
 *    emulated SVSM may touch. Anything else is "not guest memory".
 *  - lock()/unlock(): serialises emulator state. Calls arrive with IRQs off
 *    on the calling CPU; configuration changes arrive from process context.
 *
 * A call is made as on hardware: the guest writes the GHCB MSR of its CPU
 * with a VMPL0 request (svsm_emu_ghcb_write), sets CALL_PENDING in its CA,
 * then executes VMGEXIT (svsm_emu_vmgexit) with the SVSM registers. The
 * emulator plays the hypervisor (answers the GHCB MSR request) and the SVSM
 * (reads CALL_PENDING from the CA *registered for that CPU*, clears it, runs
 * the call and writes RAX/RCX/RDX/R8 back; R9 is never written, as in
 * COCONUT).
 */
#ifndef SVSM_EMU_H
#define SVSM_EMU_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#include "svsm_spec.h"

#define SVSM_EMU_PAGE_SIZE		4096ULL
#define SVSM_EMU_POOL_MAX_PAGES		512	/* PVALIDATE pool bitmap size */
#define SVSM_EMU_MAX_VMSAS		64	/* VMSAs made by CREATE_VCPU */

/* GUIDs in the little-endian byte order they have in guest memory. */
extern const u8 svsm_emu_manifest_guid[16];	/* 63849ebb-3d92-4670-a1ff-58f9c94b87bb */
extern const u8 svsm_emu_vtpm_guid[16];		/* c476f1eb-0123-45a5-9641-b4e7dde5bfe3 */

/* VMSA fields checked by CREATE_VCPU (AMD APM vol. 2, VMSA layout). */
#define SVSM_EMU_VMSA_VMPL		0x0ca	/* u8 */
#define SVSM_EMU_VMSA_EFER		0x0d0	/* u64 */
#define SVSM_EMU_VMSA_SEV_FEATURES	0x3b0	/* u64 */
#define SVSM_EMU_EFER_SVME		(1ULL << 12)

struct svsm_emu_regs {
	u64 rax, rcx, rdx, r8, r9;
};

struct svsm_emu_host_ops {
	/* Host pointer for guest-physical [gpa, gpa + len), or NULL. */
	void *(*map)(void *host, u64 gpa, u64 len);
	/*
	 * May the SVSM keep using the page at @gpa after the call returns, as
	 * a Calling Area or a VMSA? The host answers false for memory it frees
	 * once the call is over. Asked under the lock, so the answer cannot go
	 * stale before the SVSM acts on it. NULL: every mappable page may.
	 */
	bool (*may_retain)(void *host, u64 gpa);
	unsigned long (*lock)(void *host);
	void (*unlock)(void *host, unsigned long flags);
};

/* A protocol is offered when max_version != 0. */
struct svsm_emu_protocol {
	u32 min_version;
	u32 max_version;
};

struct svsm_emu_config {
	u8 vmpl;			/* VMPL the guest runs at, 1..3 */
	u64 svsm_base;			/* SVSM memory, page aligned */
	u64 svsm_size;
	u64 boot_caa;			/* secrets page SVSM_CAA: firmware CA of CPU 0 */
	u64 sev_features;		/* SEV_FEATURES every VMSA must carry */
	struct svsm_emu_protocol protocols[SVSM_NR_PROTOCOLS];
	u64 pool_gpa;			/* pages PVALIDATE may change, page aligned */
	u32 pool_pages;			/* <= SVSM_EMU_POOL_MAX_PAGES */
	u32 pvalidate_batch;		/* entries per call before INCOMPLETE; 0 = all */
	bool certs;			/* return a certificate table in attestation */
};

struct svsm_emu_cpu {
	u32 apic_id;
	bool present;			/* has a VMSA, i.e. can make calls */
	u64 caa;			/* registered Calling Area GPA, 0 = none */
	u64 ghcb_msr;			/* emulated GHCB MSR */
	u64 calls;			/* calls serviced on this CPU */
	u64 spurious;			/* VMPL0 entries with CALL_PENDING clear */
	u32 nmis;			/* emulated NMIs taken on this CPU */
};

struct svsm_emu_vmsa {
	u64 gpa;			/* 0 = free slot */
	u64 caa;
	u32 apic_id;
};

enum svsm_emu_fault {
	SVSM_EMU_FAULT_NONE,
	SVSM_EMU_FAULT_BUSY,		/* service the call, answer BUSY, do nothing */
	SVSM_EMU_FAULT_INCOMPLETE,	/* service the call, answer INCOMPLETE, do nothing */
	SVSM_EMU_FAULT_RESULT,		/* service the call, answer fault_code, do nothing */
	SVSM_EMU_FAULT_UNSERVICED,	/* hypervisor says OK but never runs the SVSM */
	SVSM_EMU_FAULT_VMPL_REFUSE,	/* hypervisor refuses: VMPL response value 1 */
	/*
	 * An NMI on the guest CPU during an exchange. Its handler does what
	 * Linux's sev_es_nmi_complete() does: the GHCB MSR then holds the GHCB
	 * page's address. Before the VMGEXIT, the hypervisor sees no VMPL0
	 * request (nothing runs, CALL_PENDING stays set); after it, the call
	 * has run and its response in the MSR is gone.
	 */
	SVSM_EMU_FAULT_NMI_BEFORE,
	SVSM_EMU_FAULT_NMI_AFTER,
	SVSM_EMU_NR_FAULTS,
};

struct svsm_emu_stats {
	u64 vmgexits;			/* every svsm_emu_vmgexit() */
	u64 serviced;			/* calls whose CALL_PENDING the SVSM cleared */
	u64 spurious;			/* VMPL0 entries with CALL_PENDING clear */
	u64 bad_requests;		/* VMGEXIT without a VMPL0 request in the GHCB MSR */
	u64 faults;			/* injected faults delivered */
	u64 remaps;			/* successful REMAP_CA calls */
	u64 remaps_refused_live;	/* REMAP_CA refused: target live (a buffer, a CA) */
};

struct svsm_emu {
	const struct svsm_emu_host_ops *ops;
	void *host;
	struct svsm_emu_config cfg;
	unsigned int nr_cpus;
	struct svsm_emu_cpu *cpu;	/* nr_cpus entries, owned by the host */
	struct svsm_emu_vmsa vmsa[SVSM_EMU_MAX_VMSAS];
	u64 pool_valid[SVSM_EMU_POOL_MAX_PAGES / 64];	/* bit set = validated */
	enum svsm_emu_fault fault;
	u32 fault_count;		/* faults still to deliver */
	u32 fault_skip;			/* calls to let through before the first */
	u32 fault_code;			/* for SVSM_EMU_FAULT_RESULT */
	u32 tpm_counter;		/* deterministic TPM2_GetRandom output */
	struct svsm_emu_stats stats;
};

/*
 * Set up @emu. @cpus is an array of @nr_cpus zeroed entries owned by the
 * host. Every pool page starts validated. Returns 0, or -1 for a bad config
 * (vmpl not 1..3, unaligned addresses, pool too large, protocol with
 * min > max, core protocol not offered).
 */
int svsm_emu_init(struct svsm_emu *emu, const struct svsm_emu_host_ops *ops, void *host,
		  const struct svsm_emu_config *cfg, struct svsm_emu_cpu *cpus,
		  unsigned int nr_cpus);

/*
 * Register @cpu as the firmware and kernel did at boot: a running VMSA with
 * @apic_id whose Calling Area is @caa. CPU 0 is normally registered with
 * cfg.boot_caa and then moved with REMAP_CA, as Linux does.
 */
void svsm_emu_register_cpu(struct svsm_emu *emu, unsigned int cpu, u32 apic_id, u64 caa);

/* The emulated GHCB MSR of @cpu. */
void svsm_emu_ghcb_write(struct svsm_emu *emu, unsigned int cpu, u64 val);
u64 svsm_emu_ghcb_read(struct svsm_emu *emu, unsigned int cpu);

/* GPA of @cpu's emulated GHCB page: what an NMI leaves in the GHCB MSR. */
#define SVSM_EMU_GHCB_GPA(cpu)		(0xfee00000ULL - ((u64)(cpu) + 1) * SVSM_EMU_PAGE_SIZE)

/* Where in an exchange an NMI can strike. */
enum svsm_emu_nmi_point {
	SVSM_EMU_NMI_BEFORE_VMGEXIT,	/* between the MSR write and the VMGEXIT */
	SVSM_EMU_NMI_AFTER_VMGEXIT,	/* between the VMGEXIT and the MSR read */
};

/*
 * The guest side of an exchange on @cpu reaches @point: deliver an injected
 * NMI fault due there (the GHCB MSR then holds SVSM_EMU_GHCB_GPA(cpu), and
 * the CPU's NMI count grows). Each exchange passes both points once, so
 * "after M" counts exchanges. Returns true if an NMI was delivered.
 */
bool svsm_emu_nmi(struct svsm_emu *emu, unsigned int cpu, enum svsm_emu_nmi_point point);
u32 svsm_emu_nmi_count(struct svsm_emu *emu, unsigned int cpu);

/*
 * VMGEXIT on @cpu. If the GHCB MSR holds a VMPL0 request, answer it
 * (GHCB_MSR_VMPL_RESP) and, unless a fault says otherwise, run the SVSM:
 * when CALL_PENDING is set in @cpu's registered CA, clear it, handle the
 * call in @regs and write the results to @regs. Anything else is counted
 * (stats.spurious, stats.bad_requests) and leaves @regs alone.
 */
void svsm_emu_vmgexit(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs);

/*
 * Deliver @fault to @count calls, after letting @skip calls through first
 * (count 0 or fault NONE clears). Only calls a fault of that kind could hit
 * are counted: VMPL0 requests for VMPL_REFUSE and UNSERVICED, exchanges
 * (svsm_emu_nmi()) for the NMI faults, calls with CALL_PENDING set for the
 * others.
 */
void svsm_emu_inject(struct svsm_emu *emu, enum svsm_emu_fault fault, u32 count, u32 code,
		     u32 skip);

/* Copies taken under the lock. */
void svsm_emu_get_stats(struct svsm_emu *emu, struct svsm_emu_stats *stats);
u64 svsm_emu_registered_caa(struct svsm_emu *emu, unsigned int cpu);
bool svsm_emu_pool_page_valid(struct svsm_emu *emu, u32 index);

/*
 * Fill the SVSM fields of a 4096-byte SNP secrets page (offsets 0x140-0x15f:
 * SVSM_BASE, SVSM_SIZE, SVSM_CAA, SVSM_MAX_VERSION, SVSM_GUEST_VMPL). The
 * rest of the page, VMPCKs included, is zeroed.
 */
void svsm_emu_fill_secrets(const struct svsm_emu *emu, u8 *page);

/* SHA-512 (FIPS 180-4), used for REPORT_DATA = SHA-512(nonce || manifest). */
struct svsm_emu_sha512 {
	u64 state[8];
	u64 count;			/* bytes hashed */
	u8 buf[128];
};

void svsm_emu_sha512_init(struct svsm_emu_sha512 *ctx);
void svsm_emu_sha512_update(struct svsm_emu_sha512 *ctx, const void *data, size_t len);
void svsm_emu_sha512_final(struct svsm_emu_sha512 *ctx, u8 digest[64]);

#endif /* SVSM_EMU_H */
