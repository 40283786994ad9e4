// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulated SVSM: the hypervisor's answer to a GHCB MSR VMPL0 request and an
 * SVSM at VMPL0 serving the core, attestation and vTPM protocols (plus
 * COCONUT's APIC and UEFI MM protocols, answered as an SVSM without those
 * features would). See svsm_emu.h for the contract.
 *
 * Where the spec (AMD pub. 58019) and COCONUT-SVSM differ, the comments say
 * which one a behaviour follows.
 *
 * Rules kept throughout:
 *  - all state changes happen under ops->lock();
 *  - guest memory is only reached through guest_map(), which refuses the
 *    SVSM's own memory, and is read and written byte by byte in little-endian
 *    order (it may be unaligned);
 *  - handlers write RCX/RDX/R8 only on success (attestation's "buffer too
 *    small" answer is the one exception) and never R9, as in COCONUT.
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
#define EMU_NO_CPU		(~0U)

/* SNP secrets page: the SVSM fields (spec table 1). */
#define SECRETS_SVSM_BASE		0x140
#define SECRETS_SVSM_SIZE		0x148
#define SECRETS_SVSM_CAA		0x150
#define SECRETS_SVSM_MAX_VERSION	0x158
#define SECRETS_SVSM_GUEST_VMPL		0x15c

/* TPM 2.0 (TCG TPM 2.0 Library, part 2): what the emulated vTPM answers. */
#define TPM_HEADER_SIZE		10	/* tag u16, size u32, code u32 */
#define TPM_ST_NO_SESSIONS	0x8001
#define TPM_CC_STARTUP		0x144
#define TPM_CC_GET_RANDOM	0x17b
#define TPM_RC_SUCCESS		0x000
#define TPM_RC_COMMAND_SIZE	0x142
#define TPM_RC_COMMAND_CODE	0x143
#define TPM_GET_RANDOM_MAX	32	/* bytes per TPM2_GetRandom answer */

/* COCONUT caps the certificate buffer at 0x4000 bytes (Linux's SEV_FW_BLOB_MAX_SIZE). */
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

/* ---- Byte access: guest memory is little-endian, TPM commands big-endian. */

static u16 get_le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | (u64)get_le32(p + 4) << 32;
}

static void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, (u16)v);
	put_le16(p + 2, (u16)(v >> 16));
}

static void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

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

static bool same_page(u64 a, u64 b)
{
	return (a & ~(EMU_PAGE_SIZE - 1)) == (b & ~(EMU_PAGE_SIZE - 1));
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
 * Is the page at @gpa already in use as a Calling Area registered for a CPU
 * other than @skip_cpu, as a VMSA, or as the CA of a VMSA made by
 * CREATE_VCPU?
 */
static bool page_in_use(const struct svsm_emu *emu, u64 gpa, unsigned int skip_cpu)
{
	unsigned int i;

	for (i = 0; i < emu->nr_cpus; i++)
		if (i != skip_cpu && emu->cpu[i].caa && same_page(emu->cpu[i].caa, gpa))
			return true;
	for (i = 0; i < SVSM_EMU_MAX_VMSAS; i++) {
		const struct svsm_emu_vmsa *v = &emu->vmsa[i];

		if (v->gpa && (same_page(v->gpa, gpa) || same_page(v->caa, gpa)))
			return true;
	}
	return false;
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
	struct svsm_emu_cpu *c = &emu->cpu[cpu];
	u64 gpa = regs->rcx;
	u8 *ca;

	if (EMU_PAGE_OFFSET(gpa))
		return SVSM_ERR_INVALID_PARAMETER;
	/* Spec wording; COCONUT answers INVALID_PARAMETER for SVSM memory. */
	ca = guest_map(emu, gpa, EMU_PAGE_SIZE);
	if (!ca)
		return SVSM_ERR_INVALID_ADDRESS;
	if (!may_retain(emu, gpa)) {
		emu->stats.remaps_refused_live++;	/* another call's buffer, live now */
		return SVSM_ERR_INVALID_ADDRESS;
	}

	/*
	 * COCONUT writes a zeroed SvsmCaa (8 bytes) to the new page *before*
	 * it checks that the page is not in use, so a refused remap onto
	 * another CPU's CA still wipes that CPU's CALL_PENDING. This hazard is
	 * reproduced on purpose.
	 */
	memset(ca, 0, SVSM_CA_BUFFER);

	if (same_page(gpa, c->caa))
		return SVSM_SUCCESS;		/* COCONUT: a no-op */
	if (page_in_use(emu, gpa, cpu)) {
		emu->stats.remaps_refused_live++;
		return SVSM_ERR_INVALID_ADDRESS;
	}

	c->caa = gpa;
	emu->stats.remaps++;
	return SVSM_SUCCESS;
}

/* One PVALIDATE entry against the pool, whose pages the "RMP" maps 4K. */
static u32 pvalidate_one(struct svsm_emu *emu, u64 entry)
{
	u64 size = entry & SVSM_PVAL_SIZE_MASK;
	u64 gpa = entry & ~(EMU_PAGE_SIZE - 1);
	u64 len = size ? EMU_2M_SIZE : EMU_PAGE_SIZE;
	bool validate = (entry & SVSM_PVAL_VALIDATE) != 0;
	bool ignore_cf = (entry & SVSM_PVAL_IGNORE_CF) != 0;
	u32 index;
	u8 *page;

	if (size > 1 || (entry & SVSM_PVAL_RSVD_MASK) || (gpa & (len - 1)))
		return SVSM_ERR_INVALID_PARAMETER;
	if (in_svsm_memory(emu, gpa, len) || !pool_index(emu, gpa, &index))
		return SVSM_ERR_INVALID_ADDRESS;
	if (size)
		return SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH;	/* Linux retries as 4K */

	/* PVALIDATE sets CF when the state does not change; ignore-CF hides it. */
	if (pool_test(emu, index) == validate && !ignore_cf)
		return SVSM_ERR_PVALIDATE_FAIL_UNCHANGED;

	if (validate) {
		/* COCONUT zeroes every page it validates (also with ignore-CF). */
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
	/* An 8-byte aligned header cannot cross a page; max_entries bounds the rest. */
	if (gpa & 7)
		return SVSM_ERR_INVALID_PARAMETER;
	list = guest_map(emu, gpa, SVSM_PVAL_HDR_SIZE);
	if (!list)
		return SVSM_ERR_INVALID_PARAMETER;

	entries = get_le16(list);
	next = get_le16(list + 2);
	max_entries = (u32)((EMU_PAGE_SIZE - EMU_PAGE_OFFSET(gpa) - SVSM_PVAL_HDR_SIZE) / 8);
	if (!entries || entries > max_entries || entries <= next)
		return SVSM_ERR_INVALID_PARAMETER;
	list = guest_map(emu, gpa, SVSM_PVAL_HDR_SIZE + 8ULL * entries);
	if (!list)
		return SVSM_ERR_INVALID_PARAMETER;

	/* On return next counts the entries done (spec); on error it is the failing one. */
	while (next < entries) {
		if (emu->cfg.pvalidate_batch && done == emu->cfg.pvalidate_batch) {
			ret = SVSM_ERR_INCOMPLETE;	/* the guest calls again */
			break;
		}
		ret = pvalidate_one(emu, get_le64(list + SVSM_PVAL_HDR_SIZE + 8U * next));
		if (ret != SVSM_SUCCESS)
			break;
		next++;
		done++;
	}
	put_le16(list + 2, next);
	return ret;
}

static bool vcpu_page_ok(struct svsm_emu *emu, u64 gpa)
{
	/* GPA 0 marks a free slot in the VMSA table, so it cannot be recorded. */
	return gpa && !EMU_PAGE_OFFSET(gpa) && guest_map(emu, gpa, EMU_PAGE_SIZE) &&
	       may_retain(emu, gpa);
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
	u32 apic_id = (u32)regs->r8;
	const u8 *vmsa;
	unsigned int i;

	(void)cpu;
	if (!vcpu_page_ok(emu, vmsa_gpa) || !vcpu_page_ok(emu, caa) || vmsa_gpa == caa)
		return SVSM_ERR_INVALID_ADDRESS;
	if (!apic_id_known(emu, apic_id))
		return SVSM_ERR_INVALID_PARAMETER;
	if (page_in_use(emu, vmsa_gpa, EMU_NO_CPU) || page_in_use(emu, caa, EMU_NO_CPU))
		return SVSM_ERR_INVALID_ADDRESS;

	/* VMSA checks as COCONUT makes them (VMPL, EFER.SVME, SEV_FEATURES). */
	vmsa = guest_map(emu, vmsa_gpa, EMU_PAGE_SIZE);
	if (!vmsa)
		return SVSM_ERR_INVALID_ADDRESS;
	if (vmsa[SVSM_EMU_VMSA_VMPL] != emu->cfg.vmpl ||
	    !(get_le64(vmsa + SVSM_EMU_VMSA_EFER) & SVSM_EMU_EFER_SVME) ||
	    get_le64(vmsa + SVSM_EMU_VMSA_SEV_FEATURES) != emu->cfg.sev_features)
		return SVSM_ERR_INVALID_PARAMETER;

	/*
	 * Only record the VMSA. No CPU's registered CA changes: the new VMSA
	 * would run after an AP-create event, which the emulator never sees.
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
	return SVSM_ERR_INVALID_REQUEST;
}

static u32 core_delete_vcpu(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	unsigned int i;

	(void)cpu;
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
	regs->rcx = 0;	/* not offered at that version: 0, still SUCCESS (spec) */
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
	if (!(regs->rcx & 1))
		return SVSM_ERR_INVALID_REQUEST;	/* COCONUT cannot configure vTOM */
	if (regs->rcx >> 1)
		return SVSM_ERR_INVALID_PARAMETER;	/* spec: a query has bits 63:1 clear */
	regs->rcx = 0;					/* COCONUT: vTOM unsupported */
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
 * Output to a guest buffer. With @sha set, the bytes are hashed as they
 * were written to the guest.
 */
struct emu_sink {
	u8 *dst;
	u32 pos;
	struct svsm_emu_sha512 *sha;
};

static u8 *sink_reserve(struct emu_sink *s, u32 len)
{
	u8 *p = s->dst + s->pos;

	s->pos += len;
	return p;
}

static void sink_written(struct emu_sink *s, const u8 *p, u32 len)
{
	if (s->sha)
		svsm_emu_sha512_update(s->sha, p, len);
}

static void sink_put(struct emu_sink *s, const void *data, u32 len)
{
	u8 *p = sink_reserve(s, len);

	memcpy(p, data, len);
	sink_written(s, p, len);
}

/* One 24-byte GUID table entry {GUID, u32, u32} (also the manifest header). */
static void sink_guid_entry(struct emu_sink *s, const u8 *guid, u32 a, u32 b)
{
	u8 *p = sink_reserve(s, SVSM_GUID_ENTRY_SIZE);

	memcpy(p, guid, 16);
	put_le32(p + 16, a);
	put_le32(p + 20, b);
	sink_written(s, p, SVSM_GUID_ENTRY_SIZE);
}

/*
 * The services manifest: for one service its data alone; for all services
 * COCONUT's GuidTable: header {manifest GUID, u32 total length, u32 count},
 * one entry {GUID, u32 offset from the table start, u32 length} per
 * service, then the data. With @s NULL only the size is computed.
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

/* SNP certificate table: the VCEK entry, an all-zero terminator, the data. */
#define CERTS_SIZE	(2 * SVSM_GUID_ENTRY_SIZE + (u32)sizeof(vcek_text) - 1)

static void certs_emit(struct emu_sink *s)
{
	static const u8 zero_guid[16];

	sink_guid_entry(s, snp_vcek_guid, 2 * SVSM_GUID_ENTRY_SIZE, (u32)sizeof(vcek_text) - 1);
	sink_guid_entry(s, zero_guid, 0, 0);
	sink_put(s, vcek_text, (u32)sizeof(vcek_text) - 1);
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

static u32 attest_parse(struct svsm_emu *emu, u64 gpa, bool single, struct attest_op *op)
{
	unsigned int nr_rsvd = single ? 5 : 4, i;
	u64 nonce_gpa;
	const u8 *p;

	p = guest_map(emu, gpa, single ? SVSM_ATTEST_SINGLE_OP_SIZE : SVSM_ATTEST_SERVICES_OP_SIZE);
	if (!p)
		return SVSM_ERR_INVALID_PARAMETER;
	for (i = 0; i < nr_rsvd; i++)
		if (!all_zero(p + attest_op_rsvd[i][0], attest_op_rsvd[i][1]))
			return SVSM_ERR_INVALID_PARAMETER;

	op->report_gpa = get_le64(p + SVSM_ATTEST_OP_REPORT_GPA);
	op->report_len = get_le32(p + SVSM_ATTEST_OP_REPORT_LEN);
	op->manifest_gpa = get_le64(p + SVSM_ATTEST_OP_MANIFEST_GPA);
	op->manifest_len = get_le32(p + SVSM_ATTEST_OP_MANIFEST_LEN);
	op->certs_gpa = get_le64(p + SVSM_ATTEST_OP_CERTS_GPA);
	op->certs_len = get_le32(p + SVSM_ATTEST_OP_CERTS_LEN);
	op->service = ATTEST_ALL_SERVICES;

	/* COCONUT: the nonce is 64 bytes (REPORT_DATA) and must not cross a page. */
	nonce_gpa = get_le64(p + SVSM_ATTEST_OP_NONCE_GPA);
	if (get_le16(p + SVSM_ATTEST_OP_NONCE_LEN) != SVSM_ATTEST_NONCE_SIZE ||
	    EMU_PAGE_OFFSET(nonce_gpa) > EMU_PAGE_SIZE - SVSM_ATTEST_NONCE_SIZE)
		return SVSM_ERR_INVALID_PARAMETER;
	op->nonce = guest_map(emu, nonce_gpa, SVSM_ATTEST_NONCE_SIZE);
	if (!op->nonce)
		return SVSM_ERR_INVALID_PARAMETER;

	if (EMU_PAGE_OFFSET(op->report_gpa) || EMU_PAGE_OFFSET(op->manifest_gpa))
		return SVSM_ERR_INVALID_PARAMETER;
	if (op->certs_len &&
	    (EMU_PAGE_OFFSET(op->certs_gpa) || op->certs_len > ATTEST_MAX_CERTS_LEN))
		return SVSM_ERR_INVALID_PARAMETER;

	if (single) {
		if (get_le32(p + SVSM_ATTEST_OP_MANIFEST_VER) != 0)
			return SVSM_ERR_INVALID_PARAMETER;	/* COCONUT knows version 0 only */
		op->service = find_service(emu, p + SVSM_ATTEST_OP_SERVICE_GUID);
		if (op->service < 0)
			return SVSM_ERR_UNSUPPORTED_PROTOCOL;	/* COCONUT's choice */
	}
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
	put_le32(report + SNP_REPORT_VERSION, 2);
	put_le64(report + SNP_REPORT_POLICY, 0x30000);	/* SMT allowed, reserved bit 17 */
	svsm_emu_sha512_final(sha, report + SNP_REPORT_REPORT_DATA);
	memcpy(report + SNP_REPORT_MEASUREMENT, report_measurement, sizeof(report_measurement));
	memcpy(report + SNP_REPORT_CHIP_ID, report_chip_id, sizeof(report_chip_id) - 1);
}

/* Write manifest, report and certificates; REPORT_DATA covers nonce and manifest. */
static void attest_emit(const struct svsm_emu *emu, const struct attest_op *op, u8 *report,
			u8 *manifest, u8 *certs)
{
	struct svsm_emu_sha512 sha;
	struct emu_sink sink = { .dst = manifest, .sha = &sha };

	/* REPORT_DATA = SHA-512(nonce || manifest) (spec, COCONUT). */
	svsm_emu_sha512_init(&sha);
	svsm_emu_sha512_update(&sha, op->nonce, SVSM_ATTEST_NONCE_SIZE);
	manifest_emit(emu, op->service, &sink);
	report_emit(report, &sha);
	if (certs) {
		sink.dst = certs;
		sink.pos = 0;
		sink.sha = NULL;
		certs_emit(&sink);
	}
}

static u32 attest(struct svsm_emu *emu, struct svsm_emu_regs *regs, bool single)
{
	struct attest_op op;
	u32 ret, msize, csize;
	u8 *report, *manifest, *certs = NULL;

	ret = attest_parse(emu, regs->rcx, single, &op);
	if (ret != SVSM_SUCCESS)
		return ret;

	msize = manifest_emit(emu, op.service, NULL);
	csize = emu->cfg.certs && op.certs_len ? CERTS_SIZE : 0;

	/* Spec: a buffer too small gets INVALID_PARAMETER and the sizes needed. */
	if (op.report_len < SNP_REPORT_SIZE || op.manifest_len < msize ||
	    (op.certs_len && op.certs_len < csize)) {
		regs->rcx = msize;
		regs->rdx = csize;
		regs->r8 = SNP_REPORT_SIZE;
		return SVSM_ERR_INVALID_PARAMETER;
	}

	report = guest_map(emu, op.report_gpa, SNP_REPORT_SIZE);
	manifest = guest_map(emu, op.manifest_gpa, msize);
	if (csize)
		certs = guest_map(emu, op.certs_gpa, csize);
	if (!report || !manifest || (csize && !certs))
		return SVSM_ERR_INVALID_ADDRESS;

	attest_emit(emu, &op, report, manifest, certs);
	regs->rcx = msize;
	regs->rdx = csize;
	regs->r8 = SNP_REPORT_SIZE;
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
	regs->rcx = 1ULL << SVSM_VTPM_SEND_COMMAND;	/* platform commands */
	regs->rdx = 0;					/* features */
	return SVSM_SUCCESS;
}

/* Deterministic and obviously not random: a multiplicative hash of a counter. */
static u8 tpm_random_byte(struct svsm_emu *emu)
{
	return (u8)((++emu->tpm_counter * 2654435761U) >> 24);
}

/*
 * Run the TPM 2.0 command @cmd (@len bytes) and write the response to @rsp,
 * which may overlap the command: everything needed is read first. Returns
 * the response size.
 */
static u32 tpm_execute(struct svsm_emu *emu, const u8 *cmd, u32 len, u8 *rsp)
{
	u32 code = get_be32(cmd + 6), rc = TPM_RC_SUCCESS, size = TPM_HEADER_SIZE;
	u16 requested = 0, i;

	if (get_be32(cmd + 2) != len)
		rc = TPM_RC_COMMAND_SIZE;	/* header size must match the buffer */
	else if (code == TPM_CC_GET_RANDOM && len < TPM_HEADER_SIZE + 2)
		rc = TPM_RC_COMMAND_SIZE;	/* no bytesRequested */
	else if (code == TPM_CC_GET_RANDOM)
		requested = get_be16(cmd + TPM_HEADER_SIZE);
	else if (code != TPM_CC_STARTUP)
		rc = TPM_RC_COMMAND_CODE;

	if (rc == TPM_RC_SUCCESS && code == TPM_CC_GET_RANDOM) {
		if (requested > TPM_GET_RANDOM_MAX)
			requested = TPM_GET_RANDOM_MAX;
		put_be16(rsp + TPM_HEADER_SIZE, requested);	/* TPM2B_DIGEST */
		for (i = 0; i < requested; i++)
			rsp[TPM_HEADER_SIZE + 2 + i] = tpm_random_byte(emu);
		size += 2 + requested;
	}
	put_be16(rsp, TPM_ST_NO_SESSIONS);
	put_be32(rsp + 2, size);
	put_be32(rsp + 6, rc);
	return size;
}

static u32 vtpm_cmd(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	u32 len;
	u8 *buf;

	(void)cpu;
	/* COCONUT does not require alignment but always reads a whole page. */
	buf = guest_map(emu, regs->rcx, SVSM_VTPM_BUFFER_SIZE);
	if (!buf)
		return SVSM_ERR_INVALID_ADDRESS;
	if (get_le32(buf + SVSM_VTPM_REQ_CMD) != SVSM_VTPM_SEND_COMMAND)
		return SVSM_ERR_UNSUPPORTED_CALL;
	if (buf[SVSM_VTPM_REQ_LOCALITY] != 0)
		return SVSM_ERR_INVALID_PARAMETER;
	len = get_le32(buf + SVSM_VTPM_REQ_INBUF_SIZE);
	if (len < TPM_HEADER_SIZE || len > SVSM_VTPM_BUFFER_SIZE - SVSM_VTPM_REQ_INBUF)
		return SVSM_ERR_INVALID_PARAMETER;

	len = tpm_execute(emu, buf + SVSM_VTPM_REQ_INBUF, len, buf + SVSM_VTPM_RESP_OUTBUF);
	put_le32(buf + SVSM_VTPM_RESP_OUTBUF_SIZE, len);
	return SVSM_SUCCESS;
}

/* ---- APIC protocol (3, COCONUT): no features, registration only acknowledged. */

static u32 apic_query_features(struct svsm_emu *emu, unsigned int cpu,
			       struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	regs->rcx = 0;
	return SVSM_SUCCESS;
}

static u32 apic_configure(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	switch (regs->rcx) {
	case 0:				/* query registration state */
		regs->rcx = 0;
		return SVSM_SUCCESS;
	case 1:				/* deregister */
	case 2:				/* register */
		return SVSM_SUCCESS;
	default:
		return SVSM_ERR_INVALID_PARAMETER;
	}
}

/* ---- UEFI MM protocol (4, COCONUT draft). */

static u32 uefi_mm_request(struct svsm_emu *emu, unsigned int cpu, struct svsm_emu_regs *regs)
{
	(void)emu;
	(void)cpu;
	(void)regs;
	return SVSM_ERR_INVALID_REQUEST;	/* no variable store is emulated */
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
	put_le64(page + SECRETS_SVSM_BASE, emu->cfg.svsm_base);
	put_le64(page + SECRETS_SVSM_SIZE, emu->cfg.svsm_size);
	put_le64(page + SECRETS_SVSM_CAA, emu->cfg.boot_caa);
	put_le32(page + SECRETS_SVSM_MAX_VERSION,
		 emu->cfg.protocols[SVSM_PROTOCOL_CORE].max_version);
	page[SECRETS_SVSM_GUEST_VMPL] = emu->cfg.vmpl;
}
