// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulated SVSM: the hypervisor's answer to a GHCB MSR VMPL0 request and an
 * SVSM at VMPL0 serving the core, attestation and vTPM protocols (plus
 * COCONUT's APIC and UEFI MM protocols, whose checks it makes but which have
 * nothing behind them). See svsm_emu.h for the contract.
 *
 * Every handler follows COCONUT-SVSM at commit
 * f4bc4bcdc2bd0a5f4c699a07f2add62b9e4b31be (main, 2026-08-20): its checks, their
 * order, result codes and output registers. "core.rs:467" and the like name
 * files of kernel/src/ at that commit. Where the spec (AMD pub. 58019) says
 * otherwise, the comment gives the spec's answer too. The table
 * tests/conformance/coconut.tsv lists every behaviour with its source.
 *
 * Rules kept throughout:
 *  - all state changes happen under ops->lock();
 *  - guest memory is only reached through guest_map(), which refuses the
 *    SVSM's own memory, and is read and written byte by byte in little-endian
 *    order (it may be unaligned);
 *  - COCONUT writes RCX/RDX/R8 back after every call (requests.rs:129,
 *    protocols/mod.rs:43), so a register a handler did not change keeps the
 *    caller's value; R9 is never written.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "svsm_emu.h"

#define EMU_PAGE_SIZE		SVSM_EMU_PAGE_SIZE
#define EMU_PAGE_OFFSET(gpa)	((gpa) & (EMU_PAGE_SIZE - 1))
#define EMU_2M_SIZE		0x200000ULL
#define EMU_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* TPM 2.0 (TCG TPM 2.0 Library, part 2): what the emulated vTPM answers. */
#define TPM_HEADER_SIZE		10	/* tag u16, size u32, code u32 */
#define TPM_ST_RSP_COMMAND	0x00c4	/* response tag for a bad command tag */
#define TPM_ST_NO_SESSIONS	0x8001
#define TPM_ST_SESSIONS		0x8002
#define TPM_CC_STARTUP		0x144
#define TPM_CC_GET_RANDOM	0x17b
#define TPM_RC_SUCCESS		0x000
#define TPM_RC_BAD_TAG		0x01e
#define TPM_RC_INITIALIZE	0x100
#define TPM_RC_SIZE		0x095
#define TPM_RC_INSUFFICIENT	0x09a
#define TPM_RC_P_1		0x140	/* TPM_RC_P + TPM_RC_1: in parameter 1 */
#define TPM_RC_COMMAND_SIZE	0x142
#define TPM_RC_COMMAND_CODE	0x143
/* sizeof(TPMU_HA): SHA-384 is COCONUT's largest digest (TpmProfile_Common.h: no SHA-512). */
#define TPM_GET_RANDOM_MAX	48

/*
 * COCONUT's certificate buffer: 0x4000 bytes (attest.rs:56). It answers a
 * certificate request with the whole buffer (attest.rs:393, 433).
 */
#define ATTEST_MAX_CERTS_LEN	0x4000

const u8 svsm_emu_manifest_guid[16] = {	/* 63849ebb-3d92-4670-a1ff-58f9c94b87bb */
	0xbb, 0x9e, 0x84, 0x63, 0x92, 0x3d, 0x70, 0x46,
	0xa1, 0xff, 0x58, 0xf9, 0xc9, 0x4b, 0x87, 0xbb,
};

const u8 svsm_emu_vtpm_guid[16] = {	/* c476f1eb-0123-45a5-9641-b4e7dde5bfe3 */
	0xeb, 0xf1, 0x76, 0xc4, 0x23, 0x01, 0xa5, 0x45,
	0x96, 0x41, 0xb4, 0xe7, 0xdd, 0xe5, 0xbf, 0xe3,
};

/* SNP certificate table: VCEK, 63da758d-e664-4564-adc5-f4b93be8accd (GHCB spec). */
static const u8 snp_vcek_guid[16] = {
	0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
	0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd,
};

/* Stand-in for the vTPM EK public area (COCONUT's vTPM manifest). */
static const char vtpm_ekpub[] =
	"SVSM-EMU-EKPUB: stand-in for the vTPM endorsement key public area. "
	"Emulated SVSM; not a key.";

/* Data of the VCEK entry in the certificate table. */
static const char vcek_text[] =
	"SVSM-EMU: emulated VCEK placeholder. This is NOT a certificate: it was "
	"not issued by AMD and is invalid. The report it comes with is unsigned.\n";

static const char report_chip_id[] =
	"EMULATED SVSM REPORT - UNSIGNED - NOT FROM AMD HARDWARE";

/*
 * MEASUREMENT: the first 48 bytes of SHA-512("svsm_diag emulated SVSM"), a
 * fixed stand-in for a launch digest (the unit tests recompute it).
 */
static const u8 report_measurement[48] = {
	0x2a, 0xc1, 0xa3, 0xd9, 0x27, 0x54, 0xc6, 0x68,
	0xf9, 0xe3, 0x06, 0x7d, 0x36, 0xa3, 0xae, 0x48,
	0xc9, 0xba, 0x6e, 0x73, 0xa1, 0xb9, 0xab, 0xcb,
	0x44, 0xfb, 0x10, 0xa5, 0x68, 0x50, 0xbc, 0x7a,
	0xda, 0xc9, 0x4f, 0x63, 0xbd, 0xa0, 0x4c, 0x83,
	0x16, 0xf0, 0xdb, 0xea, 0x8c, 0x55, 0x54, 0xad,
};

/* ---- Byte access: guest memory is little-endian (svsm_spec.h), TPM commands big-endian. */

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void put_be32(u8 *p, u32 v)
{
	put_be16(p, (u16)(v >> 16));
	put_be16(p + 2, (u16)v);
}

static bool all_zero(const u8 *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- Address helpers. */

/* Do [a, a + alen) and [b, b + blen) intersect? Safe against wrap-around. */
static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	if (!alen || !blen)
		return false;
	return a <= b ? b - a < alen : a - b < blen;
}

static bool in_svsm_memory(const struct svsm_emu *emu, u64 gpa, u64 len)
{
	return ranges_overlap(gpa, len, emu->cfg.svsm_base, emu->cfg.svsm_size);
}

/*
 * Host pointer for guest memory [gpa, gpa + len), or NULL if it is not
 * guest memory. The SVSM's own pages never count as guest memory: the
 * emulated SVSM does not read or write them on the guest's behalf.
 */
static u8 *guest_map(struct svsm_emu *emu, u64 gpa, u64 len)
{
	if (!len || gpa > ~0ULL - (len - 1) || in_svsm_memory(emu, gpa, len))
		return NULL;
	return emu->ops->map(emu->host, gpa, len);
}

/* A page the SVSM will keep using: the host must not free it under us. */
static bool may_retain(struct svsm_emu *emu, u64 gpa)
{
	return !emu->ops->may_retain || emu->ops->may_retain(emu->host, gpa);
}

/*
 * Does [gpa, gpa + len) overlap a VMSA page or the 8-byte header of a
 * registered Calling Area? COCONUT's PERCPU_VMSAS.overlaps()
 * (cpu/percpu.rs:1408): the running CPUs' CAs, the VMSAs made by
 * CREATE_VCPU and their CAs. The running CPUs' own VMSAs are not guest
 * memory the emulator can reach, so they never match.
 */
static bool region_in_use(const struct svsm_emu *emu, u64 gpa, u64 len)
{
	unsigned int i;

	for (i = 0; i < emu->nr_cpus; i++)
		if (emu->cpu[i].caa && ranges_overlap(gpa, len, emu->cpu[i].caa, 8))
			return true;
	for (i = 0; i < SVSM_EMU_MAX_VMSAS; i++) {
		const struct svsm_emu_vmsa *v = &emu->vmsa[i];

		if (v->gpa && (ranges_overlap(gpa, len, v->gpa, EMU_PAGE_SIZE) ||
			       ranges_overlap(gpa, len, v->caa, 8)))
			return true;
	}
	return false;
}

/*
 * Host pointer for [gpa, gpa + len) if COCONUT lets the guest name it:
 * valid_phys_region() (mm/memory.rs:122) as used by guest_ptr(),
 * guest_slice() and the guest copy helpers (mm/guestmem.rs:630, 1017):
 * guest memory outside the SVSM's, and no VMSA page or CA header.
 */
static u8 *guest_region(struct svsm_emu *emu, u64 gpa, u64 len)
{
	if (region_in_use(emu, gpa, len))
		return NULL;
	return guest_map(emu, gpa, len);
}

/* ---- PVALIDATE pool bitmap. */

static bool pool_index(const struct svsm_emu *emu, u64 gpa, u32 *index)
{
	u64 page;

	if (gpa < emu->cfg.pool_gpa)
		return false;
	page = (gpa - emu->cfg.pool_gpa) / EMU_PAGE_SIZE;
	if (page >= emu->cfg.pool_pages)
		return false;
	*index = (u32)page;
	return true;
}

static bool pool_test(const struct svsm_emu *emu, u32 index)
{
	return (emu->pool_valid[index / 64] >> (index % 64)) & 1;
}

static void pool_set(struct svsm_emu *emu, u32 index, bool valid)
{
	u64 bit = 1ULL << (index % 64);

	if (valid)
		emu->pool_valid[index / 64] |= bit;
	else
		emu->pool_valid[index / 64] &= ~bit;
}

/* ---- Core protocol (0). */

typedef u32 (*emu_handler)(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs);

static u32 core_remap_ca(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 gpa = regs->rcx;
	u8 *ca;

	if (EMU_PAGE_OFFSET(gpa))
		return SVSM_ERR_INVALID_PARAMETER;		/* core.rs:467 */
	/*
	 * core.rs:475: guest_ptr() checks the 8-byte header before anything is
	 * written. A page outside guest memory, in SVSM memory, a VMSA or any
	 * registered CA (this CPU's current one too) is INVALID_ADDRESS, so the
	 * "no-op" for the current CA (core.rs:489) cannot be reached.
	 */
	if (region_in_use(emu, gpa, 8)) {
		emu->stats.remaps_refused_live++;	/* a VMSA or a CA, live now */
		return SVSM_ERR_INVALID_ADDRESS;
	}
	ca = guest_region(emu, gpa, 8);
	if (!ca)
		return SVSM_ERR_INVALID_ADDRESS;
	/* Emulator only: the host frees this page after the call. */
	if (!may_retain(emu, gpa)) {
		emu->stats.remaps_refused_live++;	/* another call's buffer, live now */
		return SVSM_ERR_INVALID_ADDRESS;
	}

	memset(ca, 0, 8);				/* core.rs:477: SvsmCaa::zeroed() */
	emu->cpu[cpu].caa = gpa;			/* core.rs:496 */
	emu->stats.remaps++;
	return SVSM_SUCCESS;
}

/* One PVALIDATE entry (core.rs:303) against the pool, whose pages the "RMP" maps 4K. */
static u32 pvalidate_one(struct svsm_emu *emu, u64 entry)
{
	u64 size = entry & SVSM_PVAL_SIZE_MASK;
	u64 gpa = entry & ~(EMU_PAGE_SIZE - 1);
	u64 len = size ? EMU_2M_SIZE : EMU_PAGE_SIZE;
	bool validate = (entry & SVSM_PVAL_VALIDATE) != 0;
	bool ignore_cf = (entry & SVSM_PVAL_IGNORE_CF) != 0;
	u32 index;
	u8 *page;

	/* core.rs:307 reserved bits, :314 page size 2 or 3, :325 2M alignment. */
	if ((entry & SVSM_PVAL_RSVD_MASK) || size > 1 || (gpa & (len - 1)))
		return SVSM_ERR_INVALID_PARAMETER;
	/* core.rs:329-335: overflow, not guest RAM, SVSM memory, VMSA or CA header. */
	if (gpa > ~0ULL - (len - 1) || in_svsm_memory(emu, gpa, len) ||
	    region_in_use(emu, gpa, len))
		return SVSM_ERR_INVALID_ADDRESS;
	/* Emulator only: PVALIDATE can change the pool's pages and no others. */
	if (!pool_index(emu, gpa, &index))
		return SVSM_ERR_INVALID_ADDRESS;
	if (size)
		return SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH;	/* the pool's RMP is 4K */

	/* PVALIDATE's FAIL_UNCHANGED; ignore-CF hides it (core.rs:348-351). */
	if (pool_test(emu, index) == validate && !ignore_cf)
		return SVSM_ERR_PVALIDATE_FAIL_UNCHANGED;

	if (validate) {
		/* COCONUT zeroes every page it validates (core.rs:376-386). */
		page = guest_map(emu, gpa, EMU_PAGE_SIZE);
		if (!page)
			return SVSM_ERR_INVALID_ADDRESS;
		memset(page, 0, EMU_PAGE_SIZE);
	}
	pool_set(emu, index, validate);
	return SVSM_SUCCESS;
}

static u32 core_pvalidate(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 gpa = regs->rcx;
	u32 max_entries, done = 0, ret = SVSM_SUCCESS;
	u16 entries, next;
	u8 *list;

	(void)cpu;
	if (gpa & 7)
		return SVSM_ERR_INVALID_PARAMETER;		/* core.rs:408 */
	/* core.rs:418-421: the header must be guest memory COCONUT may touch. */
	list = guest_region(emu, gpa, SVSM_PVAL_HDR_SIZE);
	if (!list)
		return SVSM_ERR_INVALID_ADDRESS;

	entries = svsm_get_le16(list);
	next = svsm_get_le16(list + 2);
	max_entries = (u32)((EMU_PAGE_SIZE - EMU_PAGE_OFFSET(gpa) - SVSM_PVAL_HDR_SIZE) / 8);
	if (!entries || entries > max_entries || entries <= next)
		return SVSM_ERR_INVALID_PARAMETER;		/* core.rs:431 */
	list = guest_region(emu, gpa, SVSM_PVAL_HDR_SIZE + 8ULL * entries);
	if (!list)
		return SVSM_ERR_INVALID_ADDRESS;		/* core.rs:436 */

	/* next counts the entries done (core.rs:451); on error it is the failing one. */
	while (next < entries) {
		if (emu->cfg.pvalidate_batch && done == emu->cfg.pvalidate_batch) {
			ret = SVSM_ERR_INCOMPLETE;	/* emulator only: the guest calls again */
			break;
		}
		ret = pvalidate_one(emu, svsm_get_le64(list + SVSM_PVAL_HDR_SIZE + 8U * next));
		if (ret != SVSM_SUCCESS)
			break;
		next++;
		done++;
	}
	svsm_put_le16(list + 2, next);				/* core.rs:457 */
	return ret;
}

static bool apic_id_known(const struct svsm_emu *emu, u32 apic_id)
{
	unsigned int i;

	for (i = 0; i < emu->nr_cpus; i++)
		if (emu->cpu[i].present && emu->cpu[i].apic_id == apic_id)
			return true;
	return false;
}

static u32 core_create_vcpu(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 vmsa_gpa = regs->rcx, caa = regs->rdx;
	u32 apic_id = (u32)regs->r8;			/* core.rs:103: R8 bits 31:0 */
	const u8 *vmsa;
	unsigned int i;

	(void)cpu;
	if (EMU_PAGE_OFFSET(vmsa_gpa) || EMU_PAGE_OFFSET(caa))
		return SVSM_ERR_INVALID_ADDRESS;		/* core.rs:106 */
	/*
	 * core.rs:110-121: overflow, the two pages the same, or either not a
	 * page COCONUT may use (SVSM memory, a VMSA, a CA header) — all before
	 * the APIC ID is looked at (core.rs:123). GPA 0 marks a free slot in
	 * the emulator's VMSA table, so it cannot be recorded.
	 */
	vmsa = guest_region(emu, vmsa_gpa, EMU_PAGE_SIZE);
	if (!vmsa_gpa || !caa || vmsa_gpa == caa || !vmsa ||
	    !guest_region(emu, caa, EMU_PAGE_SIZE))
		return SVSM_ERR_INVALID_ADDRESS;
	if (!apic_id_known(emu, apic_id))
		return SVSM_ERR_INVALID_PARAMETER;		/* core.rs:123-125 */
	/* Emulator only: the host frees these pages after the call. */
	if (!may_retain(emu, vmsa_gpa) || !may_retain(emu, caa))
		return SVSM_ERR_INVALID_ADDRESS;

	/* core.rs:93-97, 155-161: VMPL, EFER.SVME, SEV_FEATURES. */
	if (vmsa[SVSM_EMU_VMSA_VMPL] != emu->cfg.vmpl ||
	    !(svsm_get_le64(vmsa + SVSM_EMU_VMSA_EFER) & SVSM_EMU_EFER_SVME) ||
	    svsm_get_le64(vmsa + SVSM_EMU_VMSA_SEV_FEATURES) != emu->cfg.sev_features)
		return SVSM_ERR_INVALID_PARAMETER;

	/*
	 * Only record the VMSA. COCONUT also makes it the target CPU's
	 * (core.rs:175), which takes effect at an AP-create event the emulator
	 * never sees, so no CPU's registered CA changes here.
	 */
	for (i = 0; i < SVSM_EMU_MAX_VMSAS; i++) {
		struct svsm_emu_vmsa *v = &emu->vmsa[i];

		if (!v->gpa) {
			v->gpa = vmsa_gpa;
			v->caa = caa;
			v->apic_id = apic_id;
			return SVSM_SUCCESS;
		}
	}
	return SVSM_ERR_INVALID_REQUEST;	/* emulator only: table full */
}

static u32 core_delete_vcpu(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	unsigned int i;

	(void)cpu;
	/* core.rs:183: unaligned, or not a VMSA in use. */
	for (i = 0; i < SVSM_EMU_MAX_VMSAS; i++) {
		struct svsm_emu_vmsa *v = &emu->vmsa[i];

		if (v->gpa && v->gpa == regs->rcx) {
			memset(v, 0, sizeof(*v));
			return SVSM_SUCCESS;
		}
	}
	return SVSM_ERR_INVALID_PARAMETER;
}

static u32 core_query_protocol(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 protocol = regs->rcx >> 32;
	u32 version = (u32)regs->rcx;
	const struct svsm_emu_protocol *p;

	(void)cpu;
	/* core.rs:228-285: RCX = max << 32 | min, or 0; always SUCCESS. */
	regs->rcx = 0;
	if (protocol < SVSM_NR_PROTOCOLS) {
		p = &emu->cfg.protocols[protocol];
		if (p->max_version && version >= p->min_version && version <= p->max_version)
			regs->rcx = (u64)p->max_version << 32 | p->min_version;
	}
	return SVSM_SUCCESS;
}

static u32 core_configure_vtom(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	/*
	 * core.rs:288-298: bit 0 set is a query, answered RCX = 0 (vTOM not
	 * supported) whatever bits 63:1 hold; the spec wants INVALID_PARAMETER
	 * for a query with bits 63:1 set. Anything else is INVALID_REQUEST.
	 */
	if (!(regs->rcx & 1))
		return SVSM_ERR_INVALID_REQUEST;
	regs->rcx = 0;
	return SVSM_SUCCESS;
}

/* ---- Attestation protocol (1). */

/* The services the emulated SVSM can attest; one is offered iff its protocol is. */
struct emu_service {
	const u8 *guid;
	u32 protocol;
	const char *data;	/* manifest blob */
	u32 len;
};

static const struct emu_service emu_services[] = {
	{ svsm_emu_vtpm_guid, SVSM_PROTOCOL_VTPM, vtpm_ekpub, sizeof(vtpm_ekpub) - 1 },
};

#define ATTEST_ALL_SERVICES	(-1)

static bool service_offered(const struct svsm_emu *emu, unsigned int i)
{
	return emu->cfg.protocols[emu_services[i].protocol].max_version != 0;
}

static int find_service(const struct svsm_emu *emu, const u8 *guid)
{
	unsigned int i;

	for (i = 0; i < EMU_ARRAY_LEN(emu_services); i++)
		if (service_offered(emu, i) && !memcmp(emu_services[i].guid, guid, 16))
			return (int)i;
	return -1;
}

/*
 * Output to a guest buffer (@dst NULL: nowhere). With @sha set, the bytes
 * are also hashed, as COCONUT hashes the manifest it copies (attest.rs:550).
 */
struct emu_sink {
	u8 *dst;
	u32 pos;
	struct svsm_emu_sha512 *sha;
};

static void sink_put(struct emu_sink *s, const void *data, u32 len)
{
	if (s->dst)
		memcpy(s->dst + s->pos, data, len);
	if (s->sha)
		svsm_emu_sha512_update(s->sha, data, len);
	s->pos += len;
}

/* One 24-byte GUID table entry {GUID, u32, u32} (also the manifest header). */
static void sink_guid_entry(struct emu_sink *s, const u8 *guid, u32 a, u32 b)
{
	u8 e[SVSM_GUID_ENTRY_SIZE];

	memcpy(e, guid, 16);
	svsm_put_le32(e + 16, a);
	svsm_put_le32(e + 20, b);
	sink_put(s, e, SVSM_GUID_ENTRY_SIZE);
}

/*
 * The services manifest: for one service its data alone; for all services
 * COCONUT's GuidTable (attest.rs:254-272): header {manifest GUID, u32 total
 * length, u32 count}, one entry {GUID, u32 offset from the table start, u32
 * length} per service, then the data. Returns its size; with @s NULL only
 * the size is computed.
 */
static u32 manifest_emit(const struct svsm_emu *emu, int service, struct emu_sink *s)
{
	u32 count = 0, size, offset;
	unsigned int i;

	if (service != ATTEST_ALL_SERVICES) {
		if (s)
			sink_put(s, emu_services[service].data, emu_services[service].len);
		return emu_services[service].len;
	}

	for (i = 0; i < EMU_ARRAY_LEN(emu_services); i++)
		if (service_offered(emu, i))
			count++;
	size = (count + 1) * SVSM_GUID_ENTRY_SIZE;
	offset = size;
	for (i = 0; i < EMU_ARRAY_LEN(emu_services); i++)
		if (service_offered(emu, i))
			size += emu_services[i].len;
	if (!s)
		return size;

	sink_guid_entry(s, svsm_emu_manifest_guid, size, count);
	for (i = 0; i < EMU_ARRAY_LEN(emu_services); i++) {
		if (!service_offered(emu, i))
			continue;
		sink_guid_entry(s, emu_services[i].guid, offset, emu_services[i].len);
		offset += emu_services[i].len;
	}
	for (i = 0; i < EMU_ARRAY_LEN(emu_services); i++)
		if (service_offered(emu, i))
			sink_put(s, emu_services[i].data, emu_services[i].len);
	return size;
}

/*
 * SNP certificate table: the VCEK entry, an all-zero terminator, the data,
 * then zeroes to the end of COCONUT's 16 KiB buffer, which it returns whole.
 */
static void certs_emit(u8 *dst)
{
	static const u8 zero_guid[16];
	struct emu_sink s = { .dst = dst };

	memset(dst, 0, ATTEST_MAX_CERTS_LEN);
	sink_guid_entry(&s, snp_vcek_guid, 2 * SVSM_GUID_ENTRY_SIZE, (u32)sizeof(vcek_text) - 1);
	sink_guid_entry(&s, zero_guid, 0, 0);
	sink_put(&s, vcek_text, (u32)sizeof(vcek_text) - 1);
}

/* The attestation operation structure (spec tables 11 and 13), checked. */
struct attest_op {
	u64 report_gpa, manifest_gpa, certs_gpa;
	u32 report_len, manifest_len, certs_len;
	const u8 *nonce;
	int service;		/* index in emu_services, or ATTEST_ALL_SERVICES */
};

/* Reserved bytes of the operation structure: {offset, length}. */
static const u8 attest_op_rsvd[][2] = {
	{ 0x0c, 4 }, { 0x1a, 6 }, { 0x2c, 4 }, { 0x3c, 4 },
	{ 0x54, 4 },	/* single service only */
};

/* The checks COCONUT makes before it asks the PSP for a report. */
static u32 attest_parse(struct svsm_emu *emu, u64 gpa, bool single, struct attest_op *op)
{
	unsigned int nr_rsvd = single ? 5 : 4, i;
	u64 nonce_gpa;
	const u8 *p;

	/* attest.rs:88, 298: an unreadable structure is INVALID_PARAMETER. */
	p = guest_region(emu, gpa,
			 single ? SVSM_ATTEST_SINGLE_OP_SIZE : SVSM_ATTEST_SERVICES_OP_SIZE);
	if (!p)
		return SVSM_ERR_INVALID_PARAMETER;
	/* attest.rs:79, 289: reserved bytes, then (single) manifest version 0 (:331). */
	for (i = 0; i < nr_rsvd; i++)
		if (!all_zero(p + attest_op_rsvd[i][0], attest_op_rsvd[i][1]))
			return SVSM_ERR_INVALID_PARAMETER;
	if (single && svsm_get_le32(p + SVSM_ATTEST_OP_MANIFEST_VER) != 0)
		return SVSM_ERR_INVALID_PARAMETER;

	op->report_gpa = svsm_get_le64(p + SVSM_ATTEST_OP_REPORT_GPA);
	op->report_len = svsm_get_le32(p + SVSM_ATTEST_OP_REPORT_LEN);
	op->manifest_gpa = svsm_get_le64(p + SVSM_ATTEST_OP_MANIFEST_GPA);
	op->manifest_len = svsm_get_le32(p + SVSM_ATTEST_OP_MANIFEST_LEN);
	op->certs_gpa = svsm_get_le64(p + SVSM_ATTEST_OP_CERTS_GPA);
	op->certs_len = svsm_get_le32(p + SVSM_ATTEST_OP_CERTS_LEN);
	op->service = ATTEST_ALL_SERVICES;

	/* attest.rs:565-572: the service GUID comes before the nonce. */
	if (single) {
		op->service = find_service(emu, p + SVSM_ATTEST_OP_SERVICE_GUID);
		if (op->service < 0)
			return SVSM_ERR_UNSUPPORTED_PROTOCOL;
	}

	/* attest.rs:108-112: 64 bytes, not crossing a page, readable. */
	nonce_gpa = svsm_get_le64(p + SVSM_ATTEST_OP_NONCE_GPA);
	if (svsm_get_le16(p + SVSM_ATTEST_OP_NONCE_LEN) != SVSM_ATTEST_NONCE_SIZE ||
	    EMU_PAGE_OFFSET(nonce_gpa) > EMU_PAGE_SIZE - SVSM_ATTEST_NONCE_SIZE)
		return SVSM_ERR_INVALID_PARAMETER;
	op->nonce = guest_region(emu, nonce_gpa, SVSM_ATTEST_NONCE_SIZE);
	if (!op->nonce)
		return SVSM_ERR_INVALID_PARAMETER;
	return SVSM_SUCCESS;
}

/*
 * Fill the report: an SNP ATTESTATION_REPORT as the PSP would return it for
 * an SVSM request at VMPL0 (COCONUT), but unsigned (SIG_ALGO 0, zero
 * signature) and marked as emulated in CHIP_ID. @sha holds
 * SHA-512(nonce || manifest), which becomes REPORT_DATA.
 */
static void report_emit(u8 *report, struct svsm_emu_sha512 *sha)
{
	memset(report, 0, SNP_REPORT_SIZE);
	svsm_put_le32(report + SNP_REPORT_VERSION, 2);
	svsm_put_le64(report + SNP_REPORT_POLICY, 0x30000);	/* SMT allowed, reserved bit 17 */
	svsm_emu_sha512_final(sha, report + SNP_REPORT_REPORT_DATA);
	memcpy(report + SNP_REPORT_MEASUREMENT, report_measurement, sizeof(report_measurement));
	memcpy(report + SNP_REPORT_CHIP_ID, report_chip_id, sizeof(report_chip_id) - 1);
}

/* attest.rs:118-186: a buffer's address; an overflowing range is INVALID_ADDRESS. */
static u32 attest_region(u64 gpa, u32 len)
{
	if (EMU_PAGE_OFFSET(gpa))
		return SVSM_ERR_INVALID_PARAMETER;
	if (len && gpa > ~0ULL - (len - 1))
		return SVSM_ERR_INVALID_ADDRESS;
	return SVSM_SUCCESS;
}

static u32 attest(struct svsm_emu *emu, struct svsm_emu_regs *regs, bool single)
{
	struct svsm_emu_sha512 sha;
	struct emu_sink sink = { .sha = &sha };
	struct attest_op op;
	u32 ret, msize, csize;
	u8 *report, *manifest, *certs;

	ret = attest_parse(emu, regs->rcx, single, &op);
	if (ret != SVSM_SUCCESS)
		return ret;

	/* REPORT_DATA = SHA-512(nonce || manifest) (attest.rs:513, 550). */
	svsm_emu_sha512_init(&sha);
	svsm_emu_sha512_update(&sha, op.nonce, SVSM_ATTEST_NONCE_SIZE);
	msize = manifest_emit(emu, op.service, &sink);

	/* attest.rs:417-419: manifest, report, then certificate region (length first). */
	ret = attest_region(op.manifest_gpa, op.manifest_len);
	if (ret == SVSM_SUCCESS)
		ret = attest_region(op.report_gpa, op.report_len);
	if (ret == SVSM_SUCCESS && op.certs_len) {
		if (op.certs_len > ATTEST_MAX_CERTS_LEN)
			ret = SVSM_ERR_INVALID_PARAMETER;
		else
			ret = attest_region(op.certs_gpa, op.certs_len);
	}
	if (ret != SVSM_SUCCESS)
		return ret;

	/*
	 * attest.rs:425-434: certificates only when asked for and the host has
	 * some; then their size is the whole buffer. The sizes are written
	 * before anything else can fail, so every later error carries them.
	 */
	csize = emu->cfg.certs && op.certs_len ? ATTEST_MAX_CERTS_LEN : 0;
	regs->rcx = msize;
	regs->rdx = csize;
	regs->r8 = SNP_REPORT_SIZE;
	/* attest.rs:438-447; the spec too: a buffer too small, with the sizes needed. */
	if (msize > op.manifest_len || SNP_REPORT_SIZE > op.report_len ||
	    csize > op.certs_len)
		return SVSM_ERR_INVALID_PARAMETER;

	/* attest.rs:451-455: report, manifest, certificates, each checked as written. */
	report = guest_region(emu, op.report_gpa, SNP_REPORT_SIZE);
	if (!report)
		return SVSM_ERR_INVALID_ADDRESS;
	report_emit(report, &sha);
	manifest = guest_region(emu, op.manifest_gpa, msize);
	if (!manifest)
		return SVSM_ERR_INVALID_ADDRESS;
	sink.dst = manifest;
	sink.pos = 0;
	sink.sha = NULL;
	manifest_emit(emu, op.service, &sink);
	if (csize) {
		certs = guest_region(emu, op.certs_gpa, csize);
		if (!certs)
			return SVSM_ERR_INVALID_ADDRESS;
		certs_emit(certs);
	}
	return SVSM_SUCCESS;
}

static u32 attest_services(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)cpu;
	return attest(emu, regs, false);
}

static u32 attest_single_service(struct svsm_emu *emu, unsigned int cpu,
				 struct svsm_emu_regs *regs)
{
	(void)cpu;
	return attest(emu, regs, true);
}

/* ---- vTPM protocol (2). */

static u32 vtpm_query(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	regs->rcx = 1ULL << SVSM_VTPM_SEND_COMMAND;	/* vtpm.rs:53-62, tcgtpm/mod.rs:98 */
	regs->rdx = 0;					/* features (vtpm.rs:163) */
	return SVSM_SUCCESS;
}

/* Deterministic and obviously not random: a multiplicative hash of a counter. */
static u8 tpm_random_byte(struct svsm_emu *emu)
{
	return (u8)((++emu->tpm_counter * 2654435761U) >> 24);
}

/*
 * Run the TPM 2.0 command @cmd (@len bytes, maybe 0) and write the response
 * to @rsp, which may overlap the command: everything needed is read first.
 * Returns the response size. The checks and their order are the TCG
 * reference TPM's (COCONUT's libtcgtpm: ExecuteCommand() in ExecCommand.c,
 * CommandDispatcher() in CommandDispatcher.c). Its vTPM has been started by
 * the firmware, so TPM2_Startup answers TPM_RC_INITIALIZE. Of the commands
 * only TPM2_GetRandom runs; any other is answered TPM_RC_COMMAND_CODE, as
 * the reference TPM answers a command it does not implement.
 */
static u32 tpm_execute(struct svsm_emu *emu, const u8 *cmd, u32 len, u8 *rsp)
{
	u32 rc = TPM_RC_SUCCESS, size = TPM_HEADER_SIZE, code = 0;
	u16 tag = 0, requested = 0, i;

	if (len >= 2)
		tag = get_be16(cmd);
	if (len >= TPM_HEADER_SIZE)
		code = get_be32(cmd + 6);

	if (len < 2)
		rc = TPM_RC_INSUFFICIENT;		/* no tag */
	else if (tag != TPM_ST_NO_SESSIONS && tag != TPM_ST_SESSIONS)
		rc = TPM_RC_BAD_TAG;
	else if (len < 6)
		rc = TPM_RC_INSUFFICIENT;		/* no commandSize */
	else if (get_be32(cmd + 2) != len)
		rc = TPM_RC_COMMAND_SIZE;		/* commandSize must be the bytes sent */
	else if (len < TPM_HEADER_SIZE)
		rc = TPM_RC_INSUFFICIENT;		/* no commandCode */
	else if (code != TPM_CC_STARTUP && code != TPM_CC_GET_RANDOM)
		rc = TPM_RC_COMMAND_CODE;
	else if (code == TPM_CC_STARTUP)
		rc = TPM_RC_INITIALIZE;			/* already started */
	else if (tag == TPM_ST_SESSIONS)
		rc = TPM_RC_COMMAND_CODE;		/* emulator: sessions not modelled */
	else if (len < TPM_HEADER_SIZE + 2)
		rc = TPM_RC_INSUFFICIENT + TPM_RC_P_1;	/* no bytesRequested */
	else if (len > TPM_HEADER_SIZE + 2)
		rc = TPM_RC_SIZE;			/* bytes left over */
	else
		requested = get_be16(cmd + TPM_HEADER_SIZE);

	if (rc == TPM_RC_SUCCESS) {
		if (requested > TPM_GET_RANDOM_MAX)
			requested = TPM_GET_RANDOM_MAX;
		put_be16(rsp + TPM_HEADER_SIZE, requested);	/* TPM2B_DIGEST */
		for (i = 0; i < requested; i++)
			rsp[TPM_HEADER_SIZE + 2 + i] = tpm_random_byte(emu);
		size += 2 + requested;
	}
	put_be16(rsp, rc == TPM_RC_BAD_TAG ? TPM_ST_RSP_COMMAND : TPM_ST_NO_SESSIONS);
	put_be32(rsp + 2, size);
	put_be32(rsp + 6, rc);
	return size;
}

static u32 vtpm_cmd(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 gpa = regs->rcx;
	u32 len;
	u8 *buf;

	(void)cpu;
	if (!gpa)
		return SVSM_ERR_INVALID_PARAMETER;		/* vtpm.rs:188 */
	/* vtpm.rs:198: the platform command is read alone; unreadable is INVALID_PARAMETER. */
	buf = guest_region(emu, gpa, 4);
	if (!buf)
		return SVSM_ERR_INVALID_PARAMETER;
	/* vtpm.rs:37-51, 200: a command COCONUT does not know is INVALID_PARAMETER. */
	if (svsm_get_le32(buf + SVSM_VTPM_REQ_CMD) != SVSM_VTPM_SEND_COMMAND)
		return SVSM_ERR_INVALID_PARAMETER;
	/* vtpm.rs:208-209: no alignment needed, but a whole page is read. */
	buf = guest_region(emu, gpa, SVSM_VTPM_BUFFER_SIZE);
	if (!buf)
		return SVSM_ERR_INVALID_ADDRESS;
	/* vtpm.rs:102-108: locality 0, inbuf_size <= 4087 (an empty command is sent). */
	len = svsm_get_le32(buf + SVSM_VTPM_REQ_INBUF_SIZE);
	if (buf[SVSM_VTPM_REQ_LOCALITY] != 0 || len > SVSM_VTPM_BUFFER_SIZE - SVSM_VTPM_REQ_INBUF)
		return SVSM_ERR_INVALID_PARAMETER;

	len = tpm_execute(emu, buf + SVSM_VTPM_REQ_INBUF, len, buf + SVSM_VTPM_RESP_OUTBUF);
	svsm_put_le32(buf + SVSM_VTPM_RESP_OUTBUF_SIZE, len);	/* vtpm.rs:148-156 */
	return SVSM_SUCCESS;
}

/*
 * ---- APIC protocol (3, COCONUT): offered when the CPU uses APIC emulation
 * (apic.rs:106). No features; registration is only acknowledged. The
 * emulator has no APIC to emulate, so READ_REGISTER, WRITE_REGISTER and
 * CONFIGURE_VECTOR answer UNSUPPORTED_CALL (COCONUT runs them, apic.rs:71-103).
 */

static u32 apic_query_features(struct svsm_emu *emu, unsigned int cpu,
			       struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	regs->rcx = 0;					/* apic.rs:33 */
	return SVSM_SUCCESS;
}

static u32 apic_configure(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	/* apic.rs:37-69: no output register is written. */
	switch (regs->rcx) {
	case 0:				/* query registration state */
	case 1:				/* deregister */
	case 2:				/* register */
		return SVSM_SUCCESS;
	default:
		return SVSM_ERR_INVALID_PARAMETER;	/* apic.rs:58-60 */
	}
}

/* ---- UEFI MM protocol (4, COCONUT). */

#define UEFI_MM_HEADER_SIZE	24		/* MmCoreHeader: GUID, u64 message size */
#define UEFI_MM_BUFFER_LIMIT	0x40000		/* uefivars.rs:43 */

static u32 uefi_mm_request(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 gpa = regs->rcx, size = regs->rdx;
	const u8 *hdr;

	(void)cpu;
	/* uefivars.rs:47-65, in this order. */
	if (!gpa)
		return SVSM_ERR_INVALID_PARAMETER;
	if (!guest_region(emu, gpa, 1) || EMU_PAGE_OFFSET(gpa))
		return SVSM_ERR_INVALID_ADDRESS;
	if (size < UEFI_MM_HEADER_SIZE || size > UEFI_MM_BUFFER_LIMIT)
		return SVSM_ERR_INVALID_PARAMETER;
	hdr = guest_region(emu, gpa, UEFI_MM_HEADER_SIZE);	/* uefivars.rs:77 */
	if (!hdr)
		return SVSM_ERR_INVALID_ADDRESS;
	if (svsm_get_le64(hdr + 16) > size - UEFI_MM_HEADER_SIZE)
		return SVSM_ERR_INVALID_PARAMETER;		/* uefivars.rs:80 */
	/* Emulator only: no variable store to hand the request to (uefivars.rs:85). */
	return SVSM_ERR_INVALID_REQUEST;
}

/* ---- Dispatch. */

struct emu_protocol {
	const emu_handler *calls;
	u32 nr_calls;
	u32 unknown_call;	/* answer for a call without a handler */
};

static const emu_handler core_calls[] = {
	[SVSM_CORE_REMAP_CA] = core_remap_ca,
	[SVSM_CORE_PVALIDATE] = core_pvalidate,
	[SVSM_CORE_CREATE_VCPU] = core_create_vcpu,
	[SVSM_CORE_DELETE_VCPU] = core_delete_vcpu,
	[SVSM_CORE_DEPOSIT_MEM] = NULL,		/* UNSUPPORTED_CALL, as COCONUT */
	[SVSM_CORE_WITHDRAW_MEM] = NULL,	/* UNSUPPORTED_CALL, as COCONUT */
	[SVSM_CORE_QUERY_PROTOCOL] = core_query_protocol,
	[SVSM_CORE_CONFIGURE_VTOM] = core_configure_vtom,
};

static const emu_handler attest_calls[] = {
	[SVSM_ATTEST_SERVICES] = attest_services,
	[SVSM_ATTEST_SINGLE_SERVICE] = attest_single_service,
};

static const emu_handler vtpm_calls[] = {
	[SVSM_VTPM_QUERY] = vtpm_query,
	[SVSM_VTPM_CMD] = vtpm_cmd,
};

static const emu_handler apic_calls[] = {
	[SVSM_APIC_QUERY_FEATURES] = apic_query_features,
	[SVSM_APIC_CONFIGURE] = apic_configure,
};

static const emu_handler uefi_mm_calls[] = {
	[SVSM_UEFI_MM_REQUEST] = uefi_mm_request,
};

static const struct emu_protocol emu_protocols[SVSM_NR_PROTOCOLS] = {
	[SVSM_PROTOCOL_CORE] = {
		core_calls, EMU_ARRAY_LEN(core_calls), SVSM_ERR_UNSUPPORTED_CALL },
	/* COCONUT answers an unknown attestation call with UNSUPPORTED_PROTOCOL. */
	[SVSM_PROTOCOL_ATTEST] = {
		attest_calls, EMU_ARRAY_LEN(attest_calls), SVSM_ERR_UNSUPPORTED_PROTOCOL },
	[SVSM_PROTOCOL_VTPM] = {
		vtpm_calls, EMU_ARRAY_LEN(vtpm_calls), SVSM_ERR_UNSUPPORTED_CALL },
	[SVSM_PROTOCOL_APIC] = {
		apic_calls, EMU_ARRAY_LEN(apic_calls), SVSM_ERR_UNSUPPORTED_CALL },
	[SVSM_PROTOCOL_UEFI_MM] = {
		uefi_mm_calls, EMU_ARRAY_LEN(uefi_mm_calls), SVSM_ERR_UNSUPPORTED_CALL },
};

static u32 dispatch(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u64 protocol = regs->rax >> 32;
	u32 call = (u32)regs->rax;
	const struct emu_protocol *p;

	if (protocol >= SVSM_NR_PROTOCOLS || !emu->cfg.protocols[protocol].max_version)
		return SVSM_ERR_UNSUPPORTED_PROTOCOL;
	p = &emu_protocols[protocol];
	if (call >= p->nr_calls || !p->calls[call])
		return p->unknown_call;
	return p->calls[call](emu, cpu, regs);
}

/* ---- VMGEXIT: the hypervisor's part, then the SVSM's. */

/*
 * Is @fault due on this call? Asked once per call at the point where that
 * kind of fault strikes, so the calls it lets through first are counted
 * exactly.
 */
static bool fault_due(struct svsm_emu *emu, enum svsm_emu_fault fault)
{
	if (emu->fault != fault || !emu->fault_count)
		return false;
	if (emu->fault_skip) {
		emu->fault_skip--;
		return false;
	}
	return true;
}

static void fault_delivered(struct svsm_emu *emu)
{
	emu->stats.faults++;
	if (--emu->fault_count == 0)
		emu->fault = SVSM_EMU_FAULT_NONE;
}

/* Injected faults answered by the SVSM in place of running the call. */
static bool svsm_fault(struct svsm_emu *emu, struct svsm_emu_regs *regs)
{
	u32 code;

	if (fault_due(emu, SVSM_EMU_FAULT_BUSY))
		code = SVSM_ERR_BUSY;
	else if (fault_due(emu, SVSM_EMU_FAULT_INCOMPLETE))
		code = SVSM_ERR_INCOMPLETE;
	else if (fault_due(emu, SVSM_EMU_FAULT_RESULT))
		code = emu->fault_code;
	else
		return false;
	regs->rax = code;
	fault_delivered(emu);
	return true;
}

/* VMPL0 entry: service the call if this CPU's registered CA has one pending. */
static void svsm_entry(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	struct svsm_emu_cpu *c = &emu->cpu[cpu];
	u8 *ca = NULL;
	u8 pending;

	if (c->present && c->caa)
		ca = guest_map(emu, c->caa, EMU_PAGE_SIZE);
	if (!ca || !ca[SVSM_CA_CALL_PENDING]) {
		/* COCONUT returns to the guest without touching its registers. */
		emu->stats.spurious++;
		c->spurious++;
		return;
	}

	/* Cleared before the call runs, as COCONUT's SvsmCaa::serviced(). */
	pending = ca[SVSM_CA_CALL_PENDING];
	ca[SVSM_CA_CALL_PENDING] = 0;
	emu->stats.serviced++;
	c->calls++;

	if (pending != 1) {
		/* Spec; COCONUT takes any non-zero value as a request. */
		regs->rax = SVSM_ERR_INVALID_FORMAT;
		return;
	}
	if (svsm_fault(emu, regs))
		return;
	regs->rax = dispatch(emu, cpu, regs);
}

static bool is_vmpl0_request(u64 msr)
{
	return (msr & GHCB_INFO_MASK) == GHCB_MSR_VMPL_REQ && ((msr >> 32) & 0xff) == 0;
}

void svsm_emu_vmgexit(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	unsigned long flags = emu->ops->lock(emu->host);
	struct svsm_emu_cpu *c;

	emu->stats.vmgexits++;
	if (cpu >= emu->nr_cpus || !is_vmpl0_request(emu->cpu[cpu].ghcb_msr)) {
		emu->stats.bad_requests++;
		goto out;
	}
	c = &emu->cpu[cpu];

	if (fault_due(emu, SVSM_EMU_FAULT_VMPL_REFUSE)) {
		c->ghcb_msr = GHCB_MSR_VMPL_RESP | 1ULL << 32;
		fault_delivered(emu);
		goto out;
	}
	c->ghcb_msr = GHCB_MSR_VMPL_RESP;
	if (fault_due(emu, SVSM_EMU_FAULT_UNSERVICED)) {
		fault_delivered(emu);
		goto out;
	}
	svsm_entry(emu, cpu, regs);
out:
	emu->ops->unlock(emu->host, flags);
}

bool svsm_emu_nmi(struct svsm_emu *emu, unsigned int cpu, enum svsm_emu_nmi_point point)
{
	enum svsm_emu_fault fault = point == SVSM_EMU_NMI_BEFORE_VMGEXIT ?
				    SVSM_EMU_FAULT_NMI_BEFORE : SVSM_EMU_FAULT_NMI_AFTER;
	unsigned long flags = emu->ops->lock(emu->host);
	bool due = cpu < emu->nr_cpus && fault_due(emu, fault);

	if (due) {
		emu->cpu[cpu].ghcb_msr = SVSM_EMU_GHCB_GPA(cpu);
		emu->cpu[cpu].nmis++;
		fault_delivered(emu);
	}
	emu->ops->unlock(emu->host, flags);
	return due;
}

u32 svsm_emu_nmi_count(struct svsm_emu *emu, unsigned int cpu)
{
	unsigned long flags = emu->ops->lock(emu->host);
	u32 n = cpu < emu->nr_cpus ? emu->cpu[cpu].nmis : 0;

	emu->ops->unlock(emu->host, flags);
	return n;
}

/* ---- Set-up and inspection. */

static bool config_valid(const struct svsm_emu_config *cfg)
{
	u64 pool_size = (u64)cfg->pool_pages * EMU_PAGE_SIZE;
	unsigned int i;

	if (cfg->vmpl < 1 || cfg->vmpl > 3)
		return false;
	if (EMU_PAGE_OFFSET(cfg->svsm_base | cfg->svsm_size | cfg->boot_caa | cfg->pool_gpa))
		return false;
	if (cfg->svsm_size && cfg->svsm_base > ~0ULL - (cfg->svsm_size - 1))
		return false;
	if (cfg->pool_pages > SVSM_EMU_POOL_MAX_PAGES ||
	    (pool_size && cfg->pool_gpa > ~0ULL - (pool_size - 1)))
		return false;
	for (i = 0; i < SVSM_NR_PROTOCOLS; i++) {
		const struct svsm_emu_protocol *p = &cfg->protocols[i];

		if (p->max_version && (p->min_version < 1 || p->min_version > p->max_version))
			return false;
	}
	return cfg->protocols[SVSM_PROTOCOL_CORE].max_version != 0;
}

int svsm_emu_init(struct svsm_emu *emu, const struct svsm_emu_host_ops *ops, void *host,
		  const struct svsm_emu_config *cfg, struct svsm_emu_cpu *cpus,
		  unsigned int nr_cpus)
{
	u32 i;

	if (!emu || !ops || !ops->map || !ops->lock || !ops->unlock || !cfg ||
	    (nr_cpus && !cpus) || !config_valid(cfg))
		return -1;

	memset(emu, 0, sizeof(*emu));
	emu->ops = ops;
	emu->host = host;
	emu->cfg = *cfg;
	emu->cpu = cpus;
	emu->nr_cpus = nr_cpus;
	if (nr_cpus)
		memset(cpus, 0, nr_cpus * sizeof(*cpus));
	for (i = 0; i < cfg->pool_pages; i++)
		pool_set(emu, i, true);
	return 0;
}

void svsm_emu_register_cpu(struct svsm_emu *emu, unsigned int cpu, u32 apic_id, u64 caa)
{
	unsigned long flags = emu->ops->lock(emu->host);

	if (cpu < emu->nr_cpus) {
		emu->cpu[cpu].present = true;
		emu->cpu[cpu].apic_id = apic_id;
		emu->cpu[cpu].caa = caa;
	}
	emu->ops->unlock(emu->host, flags);
}

void svsm_emu_ghcb_write(struct svsm_emu *emu, unsigned int cpu, u64 val)
{
	unsigned long flags = emu->ops->lock(emu->host);

	if (cpu < emu->nr_cpus)
		emu->cpu[cpu].ghcb_msr = val;
	emu->ops->unlock(emu->host, flags);
}

u64 svsm_emu_ghcb_read(struct svsm_emu *emu, unsigned int cpu)
{
	unsigned long flags = emu->ops->lock(emu->host);
	u64 val = cpu < emu->nr_cpus ? emu->cpu[cpu].ghcb_msr : 0;

	emu->ops->unlock(emu->host, flags);
	return val;
}

void svsm_emu_inject(struct svsm_emu *emu, enum svsm_emu_fault fault, u32 count, u32 code,
		     u32 skip)
{
	unsigned long flags = emu->ops->lock(emu->host);

	if (fault == SVSM_EMU_FAULT_NONE || (unsigned int)fault >= SVSM_EMU_NR_FAULTS || !count) {
		emu->fault = SVSM_EMU_FAULT_NONE;
		emu->fault_count = 0;
		emu->fault_skip = 0;
	} else {
		emu->fault = fault;
		emu->fault_count = count;
		emu->fault_skip = skip;
	}
	emu->fault_code = code;
	emu->ops->unlock(emu->host, flags);
}

void svsm_emu_get_stats(struct svsm_emu *emu, struct svsm_emu_stats *stats)
{
	unsigned long flags = emu->ops->lock(emu->host);

	*stats = emu->stats;
	emu->ops->unlock(emu->host, flags);
}

u64 svsm_emu_registered_caa(struct svsm_emu *emu, unsigned int cpu)
{
	unsigned long flags = emu->ops->lock(emu->host);
	u64 caa = cpu < emu->nr_cpus ? emu->cpu[cpu].caa : 0;

	emu->ops->unlock(emu->host, flags);
	return caa;
}

bool svsm_emu_pool_page_valid(struct svsm_emu *emu, u32 index)
{
	unsigned long flags = emu->ops->lock(emu->host);
	bool valid = index < emu->cfg.pool_pages && pool_test(emu, index);

	emu->ops->unlock(emu->host, flags);
	return valid;
}

/* cfg is fixed after svsm_emu_init(), so no lock is needed. */
void svsm_emu_fill_secrets(const struct svsm_emu *emu, u8 *page)
{
	memset(page, 0, EMU_PAGE_SIZE);
	svsm_put_le64(page + SNP_SECRETS_SVSM_BASE, emu->cfg.svsm_base);
	svsm_put_le64(page + SNP_SECRETS_SVSM_SIZE, emu->cfg.svsm_size);
	svsm_put_le64(page + SNP_SECRETS_SVSM_CAA, emu->cfg.boot_caa);
	svsm_put_le32(page + SNP_SECRETS_SVSM_MAX_VERSION,
		      emu->cfg.protocols[SVSM_PROTOCOL_CORE].max_version);
	page[SNP_SECRETS_SVSM_GUEST_VMPL] = emu->cfg.vmpl;
}
