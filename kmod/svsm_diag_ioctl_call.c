// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM_DIAG_CALL, one SVSM call on a chosen CPU with the caller's
 * registers and optional buffer (in the CA or in guest pages).
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

struct svsm_diag_call_ctx {
	struct svsm_diag_job job;
	struct svsm_diag_call *arg;
	void *buf;		/* kernel copy of the user buffer (BUF_CA) */
	struct svsm_diag_gbuf gbuf;	/* guest pages holding it (BUF_PAGE) */
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

static void svsm_diag_call_fill(struct svsm_diag_job *job, struct svsm_diag_ca *ca, u64 ca_gpa)
{
	struct svsm_diag_call_ctx *ctx = container_of(job, struct svsm_diag_call_ctx, job);
	const struct svsm_diag_call *arg = ctx->arg;

	if (arg->flags & SVSM_DIAG_CALL_BUF_CA) {
		memcpy(ca->buffer, ctx->buf, arg->buf_len);
		svsm_diag_set_reg(&job->in, arg->buf_reg, ca_gpa + SVSM_CA_BUFFER);
	} else if (arg->flags & SVSM_DIAG_CALL_BUF_PAGE) {
		svsm_diag_set_reg(&job->in, arg->buf_reg, ctx->gbuf.gpa);
	}
}

static void svsm_diag_call_drain(struct svsm_diag_job *job, struct svsm_diag_ca *ca)
{
	struct svsm_diag_call_ctx *ctx = container_of(job, struct svsm_diag_call_ctx, job);

	if (ctx->arg->flags & SVSM_DIAG_CALL_BUF_CA)
		memcpy(ctx->buf, ca->buffer, ctx->arg->buf_len);
}

/*
 * REMAP_CA through CALL (the emulated backend only: the real one refuses
 * every target). Never leaves the CPU on a CA the kernel does not know.
 */
static int svsm_diag_call_remap(struct svsm_diag_call_ctx *ctx)
{
	struct svsm_diag_job *job = &ctx->job;
	struct svsm_diag_outcome *o = &job->o, probe;
	struct svsm_diag_ca *ca, *new_ca;
	unsigned long flags;
	void *va = NULL;
	u64 ca_gpa;
	int ret;

	local_irq_save(flags);
	ret = svsm_diag_current_ca(&ca_gpa, &ca);
	if (ret)
		goto out;
	svsm_diag_call_fill(job, ca, ca_gpa);
	if (job->in.rcx == ca_gpa) {
		svsm_diag_call_ca(ca, &job->in, o);	/* refused: a registered CA */
		goto out_drain;
	}
	/* Never remap to a page we could not use to remap back. */
	ret = svsm_diag_xp()->ca_check(job->in.rcx, &va);
	if (ret && ret != -ENOENT)
		goto out;
	ret = 0;
	new_ca = va;

	svsm_diag_call_ca(ca, &job->in, o);
	/*
	 * Serviced (CALL_PENDING cleared), RAX is the SVSM's answer even when
	 * the hypervisor's response was lost: on success it listens on the
	 * new page now, so move it back from there.
	 */
	if (svsm_diag_succeeded(o)) {
		if (new_ca && svsm_diag_restore_ca(new_ca, ca, ca_gpa, &probe))
			o->status |= SVSM_DIAG_STATUS_CA_RESTORED;
		else
			svsm_diag_mark_lost(job->in.rcx, ca_gpa, NULL, 0);
	}
out_drain:
	svsm_diag_call_drain(job, ca);
out:
	local_irq_restore(flags);
	return ret;
}

static bool svsm_diag_call_is_remap(const struct svsm_diag_call *arg)
{
	return arg->protocol == SVSM_PROTOCOL_CORE && arg->call_id == SVSM_CORE_REMAP_CA;
}

static int svsm_diag_call_result(struct svsm_diag_call_ctx *ctx)
{
	struct svsm_diag_call *arg = ctx->arg;
	const struct svsm_diag_outcome *o = &ctx->job.o;

	arg->result = svsm_diag_result(o);
	arg->rax_out = o->out.rax;
	arg->rcx_out = o->out.rcx;
	arg->rdx_out = o->out.rdx;
	arg->r8_out = o->out.r8;
	arg->r9_out = o->out.r9;
	arg->status = o->status;
	arg->retries = o->retries;
	return o->error;
}

/* REMAP_CA, on the target CPU in process context. */
static int svsm_diag_call_remap_fn(void *data)
{
	struct svsm_diag_call_ctx *ctx = data;
	int ret;

	if (svsm_diag_ca_is_lost(ctx->arg->cpu))
		return -EHOSTDOWN;
	ret = svsm_diag_call_remap(ctx);
	return ret ? ret : svsm_diag_call_result(ctx);
}

/*
 * A vTPM command on a real SVSM through the kernel's own path (6.16+),
 * which uses the NMI-safe per-CPU GHCB. It tells success or failure only.
 */
static bool svsm_diag_call_via_kernel(const struct svsm_diag_call *arg)
{
	return svsm_diag_xp()->kernel_svsm && svsm_diag_kernel_has_vtpm_cmd() &&
	       arg->protocol == SVSM_PROTOCOL_VTPM && arg->call_id == SVSM_VTPM_CMD &&
	       (arg->flags & SVSM_DIAG_CALL_BUF_PAGE) && arg->buf_reg == SVSM_DIAG_REG_RCX &&
	       !arg->rdx && !arg->r8 && !arg->r9;
}

static int svsm_diag_vtpm_kernel_fn(void *data)
{
	struct svsm_diag_call_ctx *ctx = data;
	struct svsm_diag_call *arg = ctx->arg;
	int ret;

	ret = svsm_diag_kernel_vtpm_cmd(ctx->gbuf.va);
	arg->status = SVSM_DIAG_STATUS_VIA_KERNEL | SVSM_DIAG_STATUS_ISSUED;
	if (ret)
		return -EIO;
	arg->status |= SVSM_DIAG_STATUS_SERVICED;
	return 0;
}

static int svsm_diag_do_call(struct svsm_diag_call *arg)
{
	struct svsm_diag_call_ctx ctx = {
		.arg = arg,
		.job = {
			.in = {
				.rax = SVSM_RAX(arg->protocol, arg->call_id),
				.rcx = arg->rcx, .rdx = arg->rdx, .r8 = arg->r8, .r9 = arg->r9,
			},
			.fill = svsm_diag_call_fill,
			.drain = svsm_diag_call_drain,
		},
	};
	void __user *ubuf = u64_to_user_ptr(arg->buf_addr);
	int ret;

	if (arg->flags & SVSM_DIAG_CALL_BUF_CA) {
		ctx.buf = memdup_user(ubuf, arg->buf_len);
		if (IS_ERR(ctx.buf))
			return PTR_ERR(ctx.buf);
	} else if (arg->flags & SVSM_DIAG_CALL_BUF_PAGE) {
		/* A whole page at least: the SVSM's vTPM reads 4096 bytes. */
		ret = svsm_diag_gbuf_alloc(&ctx.gbuf, arg->buf_len);
		if (ret)
			return ret;
		if (copy_from_user(ctx.gbuf.va, ubuf, arg->buf_len)) {
			ret = -EFAULT;
			goto out_free;
		}
	}

	if (svsm_diag_call_via_kernel(arg)) {
		ret = svsm_diag_on_cpu(arg->cpu, svsm_diag_vtpm_kernel_fn, &ctx);
	} else if (svsm_diag_call_is_remap(arg)) {
		ret = svsm_diag_on_cpu(arg->cpu, svsm_diag_call_remap_fn, &ctx);
	} else {
		ret = svsm_diag_run_job(arg->cpu, &ctx.job);
		if (!ret)
			ret = svsm_diag_call_result(&ctx);
	}

	/* The buffer is in/out: copy it back whenever the SVSM ran. */
	if (arg->status & SVSM_DIAG_STATUS_ISSUED) {
		void *src = ctx.buf ? ctx.buf : ctx.gbuf.va;

		if (src && copy_to_user(ubuf, src, arg->buf_len))
			ret = -EFAULT;
	}

out_free:
	kfree(ctx.buf);
	svsm_diag_gbuf_free(&ctx.gbuf);
	return ret;
}

static int svsm_diag_call_check(const void *data)
{
	const struct svsm_diag_call *arg = data;
	const u64 regs[] = { 0, arg->rcx, arg->rdx, arg->r8, arg->r9 };
	u32 place = arg->flags & (SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE);
	u32 max = place == SVSM_DIAG_CALL_BUF_CA ? SVSM_DIAG_CA_BUF_MAX : SVSM_DIAG_PAGE_BUF_MAX;

	if (arg->flags & ~(SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE))
		return -EINVAL;
#ifndef SVSM_DIAG_TEST_SKIP_CALL_OUTPUT_CHECK	/* test-only builds, see Kbuild */
	if (!svsm_diag_zero_from(arg, sizeof(*arg), offsetof(struct svsm_diag_call, result)))
		return -EINVAL;
#endif
	if (!place)
		return arg->buf_reg || arg->buf_addr || arg->buf_len ? -EINVAL : 0;

	/* One placement, a register to carry the GPA, and that register free. */
	if (place != SVSM_DIAG_CALL_BUF_CA && place != SVSM_DIAG_CALL_BUF_PAGE)
		return -EINVAL;
	if (arg->buf_reg < SVSM_DIAG_REG_RCX || arg->buf_reg > SVSM_DIAG_REG_R9)
		return -EINVAL;
	if (regs[arg->buf_reg] || !arg->buf_addr || !arg->buf_len)
		return -EINVAL;
	if (arg->buf_len > max)
		return -E2BIG;
	return 0;
}

/*
 * A read-only query without a buffer: no address goes in or comes back, so
 * a monitoring group with access to the device sees liveness.
 */
static bool svsm_diag_call_is_query(const void *data)
{
	const struct svsm_diag_call *arg = data;

	return svsm_call_is_read_only(arg->protocol, arg->call_id, arg->rcx) &&
	       !(arg->flags & (SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE));
}

static int svsm_diag_call_run(const struct svsm_diag_dev *dev, void *data, bool *asked)
{
	struct svsm_diag_call *arg = data;
	int ret;

	if (!(dev->policy & SVSM_DIAG_POLICY_UNSAFE_CALLS) &&
	    !svsm_call_is_read_only(arg->protocol, arg->call_id, arg->rcx))
		return -EPERM;
	ret = svsm_diag_do_call(arg);
	*asked = arg->status & SVSM_DIAG_STATUS_ISSUED;
	return ret;
}

const struct svsm_diag_ioctl svsm_diag_ioctl_call = {
	.cmd = SVSM_DIAG_CALL,
	.name = "CALL",
	.size = sizeof(struct svsm_diag_call),
	.rules = SVSM_DIAG_IOCTL_ADMIN | SVSM_DIAG_IOCTL_SVSM | SVSM_DIAG_IOCTL_CPU_ONLINE,
	.check = svsm_diag_call_check,
	.open_to_all = svsm_diag_call_is_query,
	.run = svsm_diag_call_run,
};
