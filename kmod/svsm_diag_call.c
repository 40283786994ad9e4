// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the SVSM calling protocol, shared by both backends.
 *
 * A call follows the kernel's svsm_perform_msr_protocol() and
 * svsm_issue_call() (arch/x86/coco/sev): save the GHCB MSR, write a VMPL0
 * request, set CALL_PENDING in this CPU's Calling Area, VMGEXIT, atomically
 * read and clear CALL_PENDING, read the GHCB response, restore the GHCB MSR.
 * A module cannot use the kernel's per-CPU GHCB (__sev_get_ghcb() is not
 * exported), so it always uses the MSR protocol.
 *
 * Everything here runs on the target CPU from smp_call_function_single(),
 * i.e. with interrupts disabled, so the CPU cannot change under a call and
 * no other kernel user of the same Calling Area can run in between.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "svsm_diag.h"

/* The Calling Area page (spec table 2; the kernel's struct svsm_ca). */
struct svsm_diag_ca {
	u8 call_pending;
	u8 mem_available;
	u8 rsvd[6];
	u8 buffer[SVSM_CA_BUFFER_SIZE];
};

static const struct svsm_diag_transport *svsm_xp;
static struct svsm_diag_cpu_stats *svsm_stats;	/* nr_cpu_ids entries */

/* Outcome of one logical call (retries included). */
struct svsm_diag_outcome {
	struct svsm_diag_regs out;
	u32 status;
	u32 retries;
	int error;
};

void svsm_diag_set_transport(const struct svsm_diag_transport *xp)
{
	svsm_xp = xp;
}

int svsm_diag_stats_init(void)
{
	svsm_stats = kcalloc(nr_cpu_ids, sizeof(*svsm_stats), GFP_KERNEL);
	return svsm_stats ? 0 : -ENOMEM;
}

void svsm_diag_stats_exit(void)
{
	kfree(svsm_stats);
	svsm_stats = NULL;
}

struct svsm_diag_cpu_stats *svsm_diag_stats(unsigned int cpu)
{
	return &svsm_stats[cpu];
}

/*
 * The kernel's issue routine: CALL_PENDING = 1 with a plain store, VMGEXIT
 * (its asm has a "memory" clobber, and the indirect call is a compiler
 * barrier too), then an atomic exchange that clears the flag and returns
 * its old value. If the SVSM did not service the call, the flag is still 1.
 */
static void svsm_diag_issue(struct svsm_diag_ca *ca, struct svsm_diag_regs *regs, u8 *pending)
{
	ca->call_pending = 1;
	svsm_xp->vmgexit(regs);
	*pending = xchg(&ca->call_pending, *pending);
}

/* One exchange over the GHCB MSR protocol; @regs in, results out. */
static int svsm_diag_msr_protocol(struct svsm_diag_ca *ca, struct svsm_diag_regs *regs,
				  u32 *status)
{
	u8 pending = 0;
	u64 saved, resp;

	/* Save and restore the MSR: OVMF runtime services rely on its value. */
	saved = svsm_xp->ghcb_read();
	svsm_xp->ghcb_write(GHCB_MSR_VMPL_REQ_LEVEL(0));
	svsm_diag_issue(ca, regs, &pending);
	resp = svsm_xp->ghcb_read();
	svsm_xp->ghcb_write(saved);

	*status |= SVSM_DIAG_STATUS_ISSUED;
	if ((resp & GHCB_INFO_MASK) != GHCB_MSR_VMPL_RESP || GHCB_MSR_VMPL_RESP_VAL(resp)) {
		*status |= SVSM_DIAG_STATUS_VMPL_REFUSED;
		return -EREMOTEIO;
	}
	if (pending)
		return -ECOMM;

	*status |= SVSM_DIAG_STATUS_SERVICED;
	return 0;
}

static bool svsm_diag_result_is_error(u32 result)
{
	return result & 0x80000000U;
}

/*
 * One call through @ca on this CPU. BUSY and INCOMPLETE repeat the same
 * call, as the kernel does, but at most svsm_diag_max_retries times: the
 * kernel loops forever with interrupts off, a diagnostic tool must not.
 */
static void svsm_diag_call_ca(struct svsm_diag_ca *ca, const struct svsm_diag_regs *in,
			      struct svsm_diag_outcome *o)
{
	struct svsm_diag_cpu_stats *st = svsm_diag_stats(smp_processor_id());
	u32 result;

	memset(o, 0, sizeof(*o));
	st->calls++;
	for (;;) {
		o->out = *in;
		o->status = 0;
		o->error = svsm_diag_msr_protocol(ca, &o->out, &o->status);
		if (o->error) {
			st->unserviced++;
			return;
		}

		result = lower_32_bits(o->out.rax);
		st->last_result = result;
		st->last_valid = true;
		if (result != SVSM_ERR_BUSY && result != SVSM_ERR_INCOMPLETE)
			break;
		if (o->retries >= svsm_diag_max_retries) {
			o->status |= SVSM_DIAG_STATUS_RETRIES_OUT;
			o->error = -EBUSY;
			st->errors++;
			return;
		}
		o->retries++;
		st->retries++;
	}

	if (svsm_diag_result_is_error(result)) {
		o->error = -EIO;
		st->errors++;
	}
}

/* RAX of a call the SVSM never serviced is still the request, not a result. */
static u32 svsm_diag_result(const struct svsm_diag_outcome *o)
{
	return (o->status & SVSM_DIAG_STATUS_SERVICED) ? lower_32_bits(o->out.rax) : 0;
}

static bool svsm_diag_succeeded(const struct svsm_diag_outcome *o)
{
	return !o->error && svsm_diag_result(o) == SVSM_SUCCESS;
}

/* Is @ca the Calling Area the SVSM uses for this CPU? Ask it something. */
static bool svsm_diag_ca_answers(struct svsm_diag_ca *ca, struct svsm_diag_outcome *o)
{
	const struct svsm_diag_regs query = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_QUERY_PROTOCOL),
		.rcx = SVSM_RAX(SVSM_PROTOCOL_CORE, 1),
	};

	svsm_diag_call_ca(ca, &query, o);
	return svsm_diag_succeeded(o);
}

/*
 * The SVSM now uses @cur as this CPU's CA: move it back to @orig, the CA the
 * kernel knows, and prove that worked. If the kernel ran on a CA the SVSM
 * ignores, its next PVALIDATE would fail and the guest would terminate.
 */
static bool svsm_diag_restore_ca(struct svsm_diag_ca *cur, u64 orig_gpa,
				 struct svsm_diag_ca *orig, u64 cur_gpa)
{
	const struct svsm_diag_regs back = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
		.rcx = orig_gpa,
	};
	struct svsm_diag_outcome o;
	int i;

	for (i = 0; i < 5; i++) {
		svsm_diag_call_ca(cur, &back, &o);
		if (svsm_diag_succeeded(&o))
			break;
	}
	/* Whether or not the remap back succeeded, believe only the answer. */
	if (svsm_diag_ca_answers(orig, &o))
		return true;

	svsm_xp->ca_lost(cur_gpa);
	/* Worth a loud line on real hardware, but callers can repeat it. */
	pr_crit_ratelimited("CPU %d: SVSM Calling Area left at %#llx, could not restore %#llx\n",
			    smp_processor_id(), cur_gpa, orig_gpa);
	return false;
}

/*
 * Calls that change no guest or SVSM state, the only ones CALL passes on real
 * hardware by default. Not attestation: its request names the guest-physical
 * pages the SVSM writes to, and through CALL the caller would choose them;
 * SVSM_DIAG_ATTEST is the safe path, with pages the module owns.
 */
bool svsm_diag_call_is_read_only(u32 protocol, u32 call_id, u64 rcx)
{
	switch (protocol) {
	case SVSM_PROTOCOL_CORE:
		return call_id == SVSM_CORE_QUERY_PROTOCOL ||
		       (call_id == SVSM_CORE_CONFIGURE_VTOM && rcx == 1);
	case SVSM_PROTOCOL_VTPM:
		return call_id == SVSM_VTPM_QUERY;
	case SVSM_PROTOCOL_APIC:
		return call_id == SVSM_APIC_QUERY_FEATURES;
	default:
		return false;
	}
}

/* Physically contiguous, page-aligned memory the SVSM may read and write. */
struct svsm_diag_gbuf {
	void *va;
	u64 gpa;
	size_t len;
};

static int svsm_diag_gbuf_alloc(struct svsm_diag_gbuf *b, size_t len)
{
	int ret;

	b->len = PAGE_ALIGN(len);
	b->va = alloc_pages_exact(b->len, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!b->va)
		return -ENOMEM;
	b->gpa = __pa(b->va);

	if (svsm_diag_backend() == SVSM_DIAG_BACKEND_EMULATED) {
		ret = svsm_diag_emu_register_buffer(b->va, b->len);
		if (ret) {
			free_pages_exact(b->va, b->len);
			b->va = NULL;
			return ret;
		}
	}
	return 0;
}

static void svsm_diag_gbuf_free(struct svsm_diag_gbuf *b)
{
	if (!b->va)
		return;
	if (svsm_diag_backend() == SVSM_DIAG_BACKEND_EMULATED)
		svsm_diag_emu_unregister_buffer(b->va);
	free_pages_exact(b->va, b->len);
	b->va = NULL;
}

static int svsm_diag_current_ca(u64 *gpa, struct svsm_diag_ca **ca)
{
	void *va;
	int ret;

	ret = svsm_xp->current_ca(gpa, &va);
	if (ret)
		return ret;
	*ca = va;
	return 0;
}

/* ---- CALL ---- */

struct svsm_diag_call_ctx {
	struct svsm_diag_call *arg;
	void *buf;		/* kernel copy of the user buffer (BUF_CA) */
	u64 buf_gpa;		/* guest pages holding it (BUF_PAGE) */
	int ret;
};

static void svsm_diag_set_reg(struct svsm_diag_regs *r, u32 reg, u64 val)
{
	switch (reg) {
	case SVSM_DIAG_REG_RCX:
		r->rcx = val;
		break;
	case SVSM_DIAG_REG_RDX:
		r->rdx = val;
		break;
	case SVSM_DIAG_REG_R8:
		r->r8 = val;
		break;
	case SVSM_DIAG_REG_R9:
		r->r9 = val;
		break;
	}
}

static void svsm_diag_call_fn(void *data)
{
	struct svsm_diag_call_ctx *ctx = data;
	struct svsm_diag_call *arg = ctx->arg;
	struct svsm_diag_regs in = {
		.rax = SVSM_RAX(arg->protocol, arg->call_id),
		.rcx = arg->rcx, .rdx = arg->rdx, .r8 = arg->r8, .r9 = arg->r9,
	};
	bool remap = arg->protocol == SVSM_PROTOCOL_CORE && arg->call_id == SVSM_CORE_REMAP_CA;
	struct svsm_diag_outcome o;
	struct svsm_diag_ca *ca, *new_ca = NULL;
	u64 ca_gpa;

	ctx->ret = svsm_diag_current_ca(&ca_gpa, &ca);
	if (ctx->ret)
		return;

	if (arg->flags & SVSM_DIAG_CALL_BUF_CA) {
		memcpy(ca->buffer, ctx->buf, arg->buf_len);
		svsm_diag_set_reg(&in, arg->buf_reg, ca_gpa + SVSM_CA_BUFFER);
	} else if (arg->flags & SVSM_DIAG_CALL_BUF_PAGE) {
		svsm_diag_set_reg(&in, arg->buf_reg, ctx->buf_gpa);
	}

	/* Never remap to a page we could not use to remap back. */
	if (remap && in.rcx != ca_gpa) {
		void *va = NULL;
		int ret = svsm_xp->ca_check(in.rcx, &va);

		if (ret && ret != -ENOENT) {
			ctx->ret = ret;
			return;
		}
		new_ca = va;
	}

	svsm_diag_call_ca(ca, &in, &o);

	if (arg->flags & SVSM_DIAG_CALL_BUF_CA)
		memcpy(ctx->buf, ca->buffer, arg->buf_len);

	/* A CALL never leaves the CPU on a CA the kernel does not know. */
	if (remap && in.rcx != ca_gpa && svsm_diag_succeeded(&o)) {
		if (WARN_ON_ONCE(!new_ca))	/* the SVSM accepted non-memory */
			svsm_xp->ca_lost(in.rcx);
		else if (svsm_diag_restore_ca(new_ca, ca_gpa, ca, in.rcx))
			o.status |= SVSM_DIAG_STATUS_CA_RESTORED;
	}

	arg->result = svsm_diag_result(&o);
	arg->rax_out = o.out.rax;
	arg->rcx_out = o.out.rcx;
	arg->rdx_out = o.out.rdx;
	arg->r8_out = o.out.r8;
	arg->r9_out = o.out.r9;
	arg->status = o.status;
	arg->retries = o.retries;
	ctx->ret = o.error;
}

/* @arg has been validated by the caller; @cpu is checked by the IPI. */
int svsm_diag_do_call(struct svsm_diag_call *arg)
{
	struct svsm_diag_call_ctx ctx = { .arg = arg };
	void __user *ubuf = u64_to_user_ptr(arg->buf_addr);
	struct svsm_diag_gbuf gbuf = {};
	int ret;

	if (arg->flags & SVSM_DIAG_CALL_BUF_CA) {
		ctx.buf = memdup_user(ubuf, arg->buf_len);
		if (IS_ERR(ctx.buf))
			return PTR_ERR(ctx.buf);
	} else if (arg->flags & SVSM_DIAG_CALL_BUF_PAGE) {
		ret = svsm_diag_gbuf_alloc(&gbuf, arg->buf_len);
		if (ret)
			return ret;
		if (copy_from_user(gbuf.va, ubuf, arg->buf_len)) {
			ret = -EFAULT;
			goto out_free;
		}
		ctx.buf_gpa = gbuf.gpa;
	}

	ret = smp_call_function_single(arg->cpu, svsm_diag_call_fn, &ctx, 1);
	if (ret)
		goto out_free;
	ret = ctx.ret;

	/* The buffer is in/out: copy it back whenever the SVSM ran. */
	if (arg->status & SVSM_DIAG_STATUS_ISSUED) {
		void *src = ctx.buf ? ctx.buf : gbuf.va;

		if (src && copy_to_user(ubuf, src, arg->buf_len))
			ret = -EFAULT;
	}

out_free:
	kfree(ctx.buf);
	svsm_diag_gbuf_free(&gbuf);
	return ret;
}

/* ---- REMAP_CA_TEST ---- */

struct svsm_diag_remap_ctx {
	struct svsm_diag_remap_test *arg;
	struct svsm_diag_gbuf test;	/* when the backend has no test page */
	int ret;
};

/* A CA the SVSM may still be using must never be freed. */
static bool svsm_diag_remap_test_page_in_use(const struct svsm_diag_remap_test *arg)
{
	return arg->steps_done && !(arg->outcome & SVSM_DIAG_REMAP_RESTORED);
}

static void svsm_diag_record_step(struct svsm_diag_remap_test *arg, unsigned int step,
				  const struct svsm_diag_outcome *o)
{
	arg->step[step].result = svsm_diag_result(o);
	arg->step[step].status = o->status;
	arg->step[step].error = o->error ? o->error :
				(svsm_diag_result(o) == SVSM_SUCCESS ? 0 : -EIO);
	arg->steps_done++;
}

static void svsm_diag_remap_test_fn(void *data)
{
	struct svsm_diag_remap_ctx *ctx = data;
	struct svsm_diag_remap_test *arg = ctx->arg;
	struct svsm_diag_regs in = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
	};
	struct svsm_diag_ca *orig, *test = ctx->test.va;
	u64 orig_gpa, test_gpa = ctx->test.gpa;
	struct svsm_diag_outcome o;
	void *va;
	int i;

	ctx->ret = svsm_diag_current_ca(&orig_gpa, &orig);
	if (!ctx->ret && svsm_xp->test_ca) {
		ctx->ret = svsm_xp->test_ca(&test_gpa, &va);
		test = va;
	}
	if (ctx->ret)
		return;
	in.rcx = test_gpa;
	arg->orig_ca = orig_gpa;
	arg->test_ca = test_gpa;

	svsm_diag_call_ca(orig, &in, &o);
	svsm_diag_record_step(arg, SVSM_DIAG_REMAP_TO_TEST, &o);
	if (svsm_diag_succeeded(&o)) {
		svsm_diag_ca_answers(test, &o);
		svsm_diag_record_step(arg, SVSM_DIAG_REMAP_QUERY_TEST, &o);

		in.rcx = orig_gpa;
		svsm_diag_call_ca(test, &in, &o);
		svsm_diag_record_step(arg, SVSM_DIAG_REMAP_BACK, &o);
		if (!svsm_diag_succeeded(&o) &&
		    svsm_diag_restore_ca(test, orig_gpa, orig, test_gpa))
			arg->outcome |= SVSM_DIAG_REMAP_RECOVERED;
	}

	if (svsm_diag_ca_answers(orig, &o))
		arg->outcome |= SVSM_DIAG_REMAP_RESTORED;
	svsm_diag_record_step(arg, SVSM_DIAG_REMAP_QUERY_ORIG, &o);

	ctx->ret = 0;
	for (i = 0; i < SVSM_DIAG_REMAP_STEPS; i++) {
		if (arg->step[i].error) {
			ctx->ret = arg->step[i].error;
			break;
		}
	}
	if (ctx->ret && (arg->outcome & SVSM_DIAG_REMAP_RESTORED))
		ctx->ret = -EIO;
}

int svsm_diag_do_remap_test(struct svsm_diag_remap_test *arg)
{
	struct svsm_diag_remap_ctx ctx = { .arg = arg };
	int ret;

	if (!svsm_xp->test_ca) {
		ret = svsm_diag_gbuf_alloc(&ctx.test, PAGE_SIZE);
		if (ret)
			return ret;
	}
	ret = smp_call_function_single(arg->cpu, svsm_diag_remap_test_fn, &ctx, 1);
	if (!ret)
		ret = ctx.ret;
	if (ctx.test.va && !svsm_diag_remap_test_page_in_use(arg))
		svsm_diag_gbuf_free(&ctx.test);
	return ret;
}

/* Used at load by the emulated backend: move a CPU off its firmware CA. */
struct svsm_diag_boot_ctx {
	u64 new_ca;
	int ret;
};

static void svsm_diag_boot_remap_fn(void *data)
{
	struct svsm_diag_boot_ctx *ctx = data;
	const struct svsm_diag_regs in = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
		.rcx = ctx->new_ca,
	};
	struct svsm_diag_outcome o;
	struct svsm_diag_ca *ca;
	u64 gpa;

	ctx->ret = svsm_diag_current_ca(&gpa, &ca);
	if (ctx->ret)
		return;
	svsm_diag_call_ca(ca, &in, &o);
	ctx->ret = svsm_diag_succeeded(&o) ? 0 : (o.error ? o.error : -EIO);
}

int svsm_diag_boot_remap(unsigned int cpu, u64 new_ca)
{
	struct svsm_diag_boot_ctx ctx = { .new_ca = new_ca };
	int ret;

	ret = smp_call_function_single(cpu, svsm_diag_boot_remap_fn, &ctx, 1);
	return ret ? ret : ctx.ret;
}

/* ---- ATTEST ---- */

#define SVSM_DIAG_ATTEST_ATTEMPTS	4	/* the first call and 3 retries, as Linux */

struct svsm_diag_attest_ctx {
	struct svsm_diag_attest *arg;
	struct svsm_diag_gbuf report, manifest, certs;
	struct svsm_diag_outcome o;
	u64 op_gpa;		/* RCX in: a size answer overwrites it */
	int ret;
};

static void svsm_diag_put_u16(u8 *p, u16 v)
{
	memcpy(p, &v, sizeof(v));
}

static void svsm_diag_put_u32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

static void svsm_diag_put_u64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

static void svsm_diag_attest_fn(void *data)
{
	struct svsm_diag_attest_ctx *ctx = data;
	struct svsm_diag_attest *arg = ctx->arg;
	bool single = arg->flags & SVSM_DIAG_ATTEST_SINGLE;
	size_t op_size = single ? SVSM_ATTEST_SINGLE_OP_SIZE : SVSM_ATTEST_SERVICES_OP_SIZE;
	struct svsm_diag_regs in = {};
	struct svsm_diag_ca *ca;
	u8 *op, *nonce;
	u64 ca_gpa;

	ctx->ret = svsm_diag_current_ca(&ca_gpa, &ca);
	if (ctx->ret)
		return;

	/* As Linux: the operation structure and the nonce go in the CA buffer. */
	op = ca->buffer;
	nonce = op + SVSM_ATTEST_SINGLE_OP_SIZE;
	memset(op, 0, SVSM_ATTEST_SINGLE_OP_SIZE);
	memcpy(nonce, arg->nonce, SVSM_ATTEST_NONCE_SIZE);
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_REPORT_GPA, ctx->report.gpa);
	svsm_diag_put_u32(op + SVSM_ATTEST_OP_REPORT_LEN, ctx->report.len);
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_NONCE_GPA, ca_gpa + SVSM_CA_BUFFER + SVSM_ATTEST_SINGLE_OP_SIZE);
	svsm_diag_put_u16(op + SVSM_ATTEST_OP_NONCE_LEN, SVSM_ATTEST_NONCE_SIZE);
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_MANIFEST_GPA, ctx->manifest.gpa);
	svsm_diag_put_u32(op + SVSM_ATTEST_OP_MANIFEST_LEN, ctx->manifest.len);
	if (ctx->certs.va) {
		svsm_diag_put_u64(op + SVSM_ATTEST_OP_CERTS_GPA, ctx->certs.gpa);
		svsm_diag_put_u32(op + SVSM_ATTEST_OP_CERTS_LEN, ctx->certs.len);
	}
	if (single) {
		memcpy(op + SVSM_ATTEST_OP_SERVICE_GUID, arg->service_guid, 16);
		svsm_diag_put_u32(op + SVSM_ATTEST_OP_MANIFEST_VER, arg->manifest_version);
	}

	in.rax = SVSM_RAX(SVSM_PROTOCOL_ATTEST, single ? SVSM_ATTEST_SINGLE_SERVICE :
							  SVSM_ATTEST_SERVICES);
	in.rcx = ca_gpa + SVSM_CA_BUFFER;
	ctx->op_gpa = in.rcx;
	/* As Linux: -1 in RDX and R8 tells returned sizes from untouched registers. */
	in.rdx = ~0ULL;
	in.r8 = ~0ULL;
	svsm_diag_call_ca(ca, &in, &ctx->o);
	memset(op, 0, op_size + SVSM_ATTEST_NONCE_SIZE);
	ctx->ret = ctx->o.error;
}

static void svsm_diag_attest_free(struct svsm_diag_attest_ctx *ctx)
{
	svsm_diag_gbuf_free(&ctx->report);
	svsm_diag_gbuf_free(&ctx->manifest);
	svsm_diag_gbuf_free(&ctx->certs);
}

static int svsm_diag_attest_alloc(struct svsm_diag_attest_ctx *ctx, size_t report,
				  size_t manifest, size_t certs)
{
	int ret;

	ret = svsm_diag_gbuf_alloc(&ctx->report, report);
	if (!ret)
		ret = svsm_diag_gbuf_alloc(&ctx->manifest, manifest);
	if (!ret && certs)
		ret = svsm_diag_gbuf_alloc(&ctx->certs, certs);
	if (ret)
		svsm_diag_attest_free(ctx);
	return ret;
}

/* Grow @cur to the size the SVSM asked for in @reg, if it did. */
static bool svsm_diag_attest_grow(size_t *cur, u64 reg, u64 untouched)
{
	if (reg == untouched || reg <= *cur)
		return false;
	*cur = PAGE_ALIGN(reg);
	return true;
}

static int svsm_diag_attest_run(struct svsm_diag_attest_ctx *ctx)
{
	u32 cpu = ctx->arg->cpu;
	int ret;

	if (cpu == SVSM_DIAG_ANY_CPU)
		ret = smp_call_function_any(cpu_online_mask, svsm_diag_attest_fn, ctx, 1);
	else
		ret = smp_call_function_single(cpu, svsm_diag_attest_fn, ctx, 1);
	return ret ? ret : ctx->ret;
}

static int svsm_diag_attest_copy_out(const struct svsm_diag_buf *ubuf,
				     const struct svsm_diag_gbuf *g)
{
	if (!ubuf->used)
		return 0;
	return copy_to_user(u64_to_user_ptr(ubuf->addr), g->va, ubuf->used) ? -EFAULT : 0;
}

/*
 * Attestation with buffers that grow when the SVSM answers INVALID_PARAMETER
 * with the sizes it needs (the kernel's sev_svsm_report_new() does the same),
 * then copied to the caller's buffers if they are large enough.
 */
int svsm_diag_do_attest(struct svsm_diag_attest *arg)
{
	struct svsm_diag_attest_ctx ctx = { .arg = arg };
	size_t rep_len = PAGE_SIZE, man_len = PAGE_SIZE;
	size_t cert_len = arg->certs.len ? SZ_16K : 0;
	const struct svsm_diag_regs *out = &ctx.o.out;
	int ret, attempt;

	for (attempt = 0; attempt < SVSM_DIAG_ATTEST_ATTEMPTS; attempt++) {
		bool grew;

		ret = svsm_diag_attest_alloc(&ctx, rep_len, man_len, cert_len);
		if (ret)
			return ret;
		arg->attempts++;
		ret = svsm_diag_attest_run(&ctx);
		arg->result = svsm_diag_result(&ctx.o);
		arg->status = ctx.o.status;
		if (ret != -EIO || arg->result != SVSM_ERR_INVALID_PARAMETER)
			break;

		grew = svsm_diag_attest_grow(&man_len, out->rcx, ctx.op_gpa);
		grew = svsm_diag_attest_grow(&rep_len, out->r8, ~0ULL) || grew;
		if (cert_len)
			grew = svsm_diag_attest_grow(&cert_len, out->rdx, ~0ULL) || grew;
		svsm_diag_attest_free(&ctx);
		if (!grew)
			return ret;
		if (rep_len > SVSM_DIAG_ATTEST_BUF_MAX || man_len > SVSM_DIAG_ATTEST_BUF_MAX ||
		    cert_len > SVSM_DIAG_ATTEST_BUF_MAX)
			return -E2BIG;
	}
	if (ret)
		goto out_free;

	/* Never trust a size beyond the buffer the SVSM was given. */
	if (out->r8 > ctx.report.len || out->rcx > ctx.manifest.len ||
	    (out->rdx && out->rdx > (ctx.certs.va ? ctx.certs.len : 0))) {
		ret = -EPROTO;
		goto out_free;
	}
	arg->report.used = out->r8;
	arg->manifest.used = out->rcx;
	arg->certs.used = out->rdx;
	if (arg->report.used > arg->report.len || arg->manifest.used > arg->manifest.len ||
	    arg->certs.used > arg->certs.len) {
		ret = -ENOSPC;
		goto out_free;
	}

	ret = svsm_diag_attest_copy_out(&arg->report, &ctx.report);
	if (!ret)
		ret = svsm_diag_attest_copy_out(&arg->manifest, &ctx.manifest);
	if (!ret)
		ret = svsm_diag_attest_copy_out(&arg->certs, &ctx.certs);

out_free:
	svsm_diag_attest_free(&ctx);
	return ret;
}
