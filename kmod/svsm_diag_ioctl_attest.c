// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM_DIAG_ATTEST, an attestation report (all services or one)
 * into the caller's buffers, through the kernel's own path where it has one.
 */
#include <linux/cpu.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "svsm_diag.h"

#define SVSM_DIAG_ATTEST_ATTEMPTS	4	/* the first call and 3 retries, as Linux */

struct svsm_diag_attest_ctx {
	struct svsm_diag_job job;
	struct svsm_diag_attest *arg;
	struct svsm_diag_gbuf report, manifest, certs, nonce;
	u64 op_gpa;		/* RCX in: a size answer overwrites it */
};

static size_t svsm_diag_attest_op_size(const struct svsm_diag_attest *arg)
{
	return arg->flags & SVSM_DIAG_ATTEST_SINGLE ? SVSM_ATTEST_SINGLE_OP_SIZE :
						      SVSM_ATTEST_SERVICES_OP_SIZE;
}

/* As Linux: the operation structure and the nonce go in the CA buffer. */
static void svsm_diag_attest_fill(struct svsm_diag_job *job, struct svsm_diag_ca *ca, u64 ca_gpa)
{
	struct svsm_diag_attest_ctx *ctx = container_of(job, struct svsm_diag_attest_ctx, job);
	struct svsm_diag_attest *arg = ctx->arg;
	u8 *op = ca->buffer, *nonce = op + SVSM_ATTEST_SINGLE_OP_SIZE;

	memset(op, 0, SVSM_ATTEST_SINGLE_OP_SIZE);
	memcpy(nonce, arg->nonce, SVSM_ATTEST_NONCE_SIZE);
	svsm_put_le64(op + SVSM_ATTEST_OP_REPORT_GPA, ctx->report.gpa);
	svsm_put_le32(op + SVSM_ATTEST_OP_REPORT_LEN, ctx->report.len);
	svsm_put_le64(op + SVSM_ATTEST_OP_NONCE_GPA,
		      ca_gpa + SVSM_CA_BUFFER + SVSM_ATTEST_SINGLE_OP_SIZE);
	svsm_put_le16(op + SVSM_ATTEST_OP_NONCE_LEN, SVSM_ATTEST_NONCE_SIZE);
	svsm_put_le64(op + SVSM_ATTEST_OP_MANIFEST_GPA, ctx->manifest.gpa);
	svsm_put_le32(op + SVSM_ATTEST_OP_MANIFEST_LEN, ctx->manifest.len);
	if (ctx->certs.va) {
		svsm_put_le64(op + SVSM_ATTEST_OP_CERTS_GPA, ctx->certs.gpa);
		svsm_put_le32(op + SVSM_ATTEST_OP_CERTS_LEN, ctx->certs.len);
	}
	if (arg->flags & SVSM_DIAG_ATTEST_SINGLE) {
		memcpy(op + SVSM_ATTEST_OP_SERVICE_GUID, arg->service_guid, 16);
		svsm_put_le32(op + SVSM_ATTEST_OP_MANIFEST_VER, arg->manifest_version);
	}

	job->in.rax = SVSM_RAX(SVSM_PROTOCOL_ATTEST, arg->flags & SVSM_DIAG_ATTEST_SINGLE ?
				SVSM_ATTEST_SINGLE_SERVICE : SVSM_ATTEST_SERVICES);
	job->in.rcx = ca_gpa + SVSM_CA_BUFFER;
	ctx->op_gpa = job->in.rcx;
	/* As Linux: -1 in RDX and R8 tells returned sizes from untouched registers. */
	job->in.rdx = ~0ULL;
	job->in.r8 = ~0ULL;
}

static void svsm_diag_attest_drain(struct svsm_diag_job *job, struct svsm_diag_ca *ca)
{
	struct svsm_diag_attest_ctx *ctx = container_of(job, struct svsm_diag_attest_ctx, job);

	memset(ca->buffer, 0, svsm_diag_attest_op_size(ctx->arg) + SVSM_ATTEST_NONCE_SIZE);
}

/*
 * The kernel's snp_issue_svsm_attest_req() (real SVSM, 6.11+): the same
 * request, issued over the kernel's NMI-safe GHCB path on this CPU's CA.
 */
static int svsm_diag_attest_kernel_fn(void *data)
{
	struct svsm_diag_attest_ctx *ctx = data;
	struct svsm_diag_attest *arg = ctx->arg;
	struct svsm_diag_outcome *o = &ctx->job.o;
	struct svsm_diag_kernel_attest req = {
		.report_gpa = ctx->report.gpa, .report_len = ctx->report.len,
		.nonce_gpa = ctx->nonce.gpa, .nonce_len = SVSM_ATTEST_NONCE_SIZE,
		.manifest_gpa = ctx->manifest.gpa, .manifest_len = ctx->manifest.len,
		.certs_gpa = ctx->certs.gpa, .certs_len = ctx->certs.va ? ctx->certs.len : 0,
		.service_guid = arg->flags & SVSM_DIAG_ATTEST_SINGLE ? arg->service_guid : NULL,
		.manifest_version = arg->manifest_version,
	};
	struct svsm_diag_kernel_result res;
	int ret;

	memset(o, 0, sizeof(*o));
	memcpy(ctx->nonce.va, arg->nonce, SVSM_ATTEST_NONCE_SIZE);
	ret = svsm_diag_kernel_attest(&req, &res);
	o->status = SVSM_DIAG_STATUS_VIA_KERNEL | SVSM_DIAG_STATUS_ISSUED;
	o->out = (struct svsm_diag_regs) { .rax = res.rax, .rcx = res.rcx, .rdx = res.rdx,
					   .r8 = res.r8 };
	ctx->op_gpa = ~0ULL;	/* the kernel passes its own CA's address */
	if (!res.serviced) {
		o->error = -ECOMM;
		return o->error;
	}
	o->status |= SVSM_DIAG_STATUS_SERVICED;
	if (!ret)
		return 0;
	o->error = lower_32_bits(res.rax) & 0x80000000U ? -EIO : ret;
	return o->error;
}

static void svsm_diag_attest_free(struct svsm_diag_attest_ctx *ctx)
{
	svsm_diag_gbuf_free(&ctx->report);
	svsm_diag_gbuf_free(&ctx->manifest);
	svsm_diag_gbuf_free(&ctx->certs);
	svsm_diag_gbuf_free(&ctx->nonce);
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
	if (!ret)
		ret = svsm_diag_gbuf_alloc(&ctx->nonce, SVSM_ATTEST_NONCE_SIZE);
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

static int svsm_diag_attest_run(struct svsm_diag_attest_ctx *ctx, bool via_kernel)
{
	u32 cpu = ctx->arg->cpu;
	int ret;

	if (cpu == SVSM_DIAG_ANY_CPU)
		cpu = raw_smp_processor_id();	/* a hint: any online CPU will do */
	if (via_kernel)
		return svsm_diag_on_cpu(cpu, svsm_diag_attest_kernel_fn, ctx);
	ret = svsm_diag_run_job(cpu, &ctx->job);
	return ret ? ret : ctx->job.o.error;
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
	struct svsm_diag_attest_ctx ctx = {
		.arg = arg,
		.job = { .fill = svsm_diag_attest_fill, .drain = svsm_diag_attest_drain },
	};
	bool via_kernel = svsm_diag_xp()->kernel_svsm && svsm_diag_kernel_has_attest();
	size_t rep_len = PAGE_SIZE, man_len = PAGE_SIZE;
	size_t cert_len = arg->certs.len ? SVSM_DIAG_ATTEST_CERTS_MAX : 0;
	const struct svsm_diag_regs *out = &ctx.job.o.out;
	int ret, attempt;

	for (attempt = 0; attempt < SVSM_DIAG_ATTEST_ATTEMPTS; attempt++) {
		bool grew;

		ret = svsm_diag_attest_alloc(&ctx, rep_len, man_len, cert_len);
		if (ret)
			return ret;
		arg->attempts++;
		ret = svsm_diag_attest_run(&ctx, via_kernel);
		arg->result = svsm_diag_result(&ctx.job.o);
		arg->status = ctx.job.o.status;
		if (ret != -EIO || arg->result != SVSM_ERR_INVALID_PARAMETER)
			break;

		grew = svsm_diag_attest_grow(&man_len, out->rcx, ctx.op_gpa);
		grew = svsm_diag_attest_grow(&rep_len, out->r8, ~0ULL) || grew;
		if (cert_len)
			grew = svsm_diag_attest_grow(&cert_len, out->rdx, ~0ULL) || grew;
		svsm_diag_attest_free(&ctx);
		if (!grew)
			return ret;
		/* COCONUT refuses larger certificate buffers without saying so. */
		if (rep_len > SVSM_DIAG_ATTEST_BUF_MAX || man_len > SVSM_DIAG_ATTEST_BUF_MAX ||
		    cert_len > SVSM_DIAG_ATTEST_CERTS_MAX)
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

static bool svsm_diag_buf_ok(const struct svsm_diag_buf *b)
{
	return !b->used && !b->rsvd[0] && !b->rsvd[1] && (b->addr || !b->len);
}

static int svsm_diag_attest_check(const void *data)
{
	const struct svsm_diag_attest *arg = data;
	bool single = arg->flags & SVSM_DIAG_ATTEST_SINGLE;

	if (arg->flags & ~SVSM_DIAG_ATTEST_SINGLE)
		return -EINVAL;
	if (!single && (arg->manifest_version ||
			!svsm_diag_zero(arg->service_guid, sizeof(arg->service_guid))))
		return -EINVAL;
	if (!svsm_diag_buf_ok(&arg->report) || !svsm_diag_buf_ok(&arg->manifest) ||
	    !svsm_diag_buf_ok(&arg->certs))
		return -EINVAL;
	if (!svsm_diag_zero_from(arg, sizeof(*arg), offsetof(struct svsm_diag_attest, result)))
		return -EINVAL;
	if (arg->report.len > SVSM_DIAG_ATTEST_BUF_MAX ||
	    arg->manifest.len > SVSM_DIAG_ATTEST_BUF_MAX ||
	    arg->certs.len > SVSM_DIAG_ATTEST_BUF_MAX)
		return -E2BIG;
	return 0;
}

static int svsm_diag_attest_ioctl_run(const struct svsm_diag_dev *dev, void *data, bool *asked)
{
	struct svsm_diag_attest *arg = data;
	int ret;

	ret = svsm_diag_do_attest(arg);
	*asked = arg->attempts;
	return ret;
}

const struct svsm_diag_ioctl svsm_diag_ioctl_attest = {
	.cmd = SVSM_DIAG_ATTEST,
	.name = "ATTEST",
	.size = sizeof(struct svsm_diag_attest),
	.rules = SVSM_DIAG_IOCTL_ADMIN | SVSM_DIAG_IOCTL_SVSM | SVSM_DIAG_IOCTL_CPU_ONLINE |
		 SVSM_DIAG_IOCTL_ANY_CPU,
	.check = svsm_diag_attest_check,
	.run = svsm_diag_attest_ioctl_run,
};
