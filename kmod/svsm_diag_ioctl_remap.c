// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM_DIAG_REMAP_CA_TEST, the REMAP_CA self-test: a CPU's CA
 * moved to a test page and back, each step proven by a query.
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

struct svsm_diag_remap_ctx {
	struct svsm_diag_remap_test *arg;
	struct svsm_diag_gbuf test;	/* when the backend has no test page */
	bool lost;			/* the test page became the SVSM's CA */
};

static void svsm_diag_record_step(struct svsm_diag_remap_test *arg, unsigned int step,
				  const struct svsm_diag_outcome *o)
{
	arg->step[step].result = svsm_diag_result(o);
	arg->step[step].status = o->status;
	arg->step[step].error = o->error ? o->error :
				(svsm_diag_result(o) == SVSM_SUCCESS ? 0 : -EIO);
	arg->steps_done++;
}

/* All four steps, and any recovery, in one interrupts-off section. */
static int svsm_diag_remap_test_fn(void *data)
{
	struct svsm_diag_remap_ctx *ctx = data;
	struct svsm_diag_remap_test *arg = ctx->arg;
	struct svsm_diag_regs in = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
	};
	const struct svsm_diag_transport *xp = svsm_diag_xp();
	struct svsm_diag_ca *orig, *test = ctx->test.va;
	u64 orig_gpa, test_gpa = ctx->test.gpa;
	struct svsm_diag_outcome o;
	unsigned long flags;
	bool on_test;
	void *va;
	int i, ret;

	local_irq_save(flags);
	ret = svsm_diag_current_ca(&orig_gpa, &orig);
	if (!ret && xp->test_ca) {
		ret = xp->test_ca(&test_gpa, &va);
		test = va;
	}
	if (ret)
		goto out;
	in.rcx = test_gpa;
	arg->orig_ca = orig_gpa;
	arg->test_ca = test_gpa;

	/*
	 * CALL_PENDING tells whether each remap ran, so where the SVSM listens
	 * is known after every serviced step: no query goes to a CA it ignores.
	 */
	svsm_diag_call_ca(orig, &in, &o);
	svsm_diag_record_step(arg, SVSM_DIAG_REMAP_TO_TEST, &o);
	on_test = svsm_diag_succeeded(&o);
	if (on_test) {
		svsm_diag_ca_answers(test, &o);
		svsm_diag_record_step(arg, SVSM_DIAG_REMAP_QUERY_TEST, &o);

		in.rcx = orig_gpa;
		svsm_diag_call_ca(test, &in, &o);
		svsm_diag_record_step(arg, SVSM_DIAG_REMAP_BACK, &o);
		on_test = !svsm_diag_succeeded(&o);
	}

	/*
	 * Believe only what answers, asking where CALL_PENDING says the SVSM
	 * listens. Only when it is on the test page, or the kernel's CA never
	 * answers, is it moved back from the test page.
	 */
	if (!on_test && svsm_diag_ca_in_use(orig, &o))
		arg->outcome |= SVSM_DIAG_REMAP_RESTORED;
	else if (svsm_diag_restore_ca(test, orig, orig_gpa, &o))
		arg->outcome |= SVSM_DIAG_REMAP_RESTORED | SVSM_DIAG_REMAP_RECOVERED;
	svsm_diag_record_step(arg, SVSM_DIAG_REMAP_QUERY_ORIG, &o);
	if (!(arg->outcome & SVSM_DIAG_REMAP_RESTORED)) {
		/* The backend's own test page stays the backend's. */
		svsm_diag_mark_lost(test_gpa, orig_gpa, ctx->test.va, ctx->test.len);
		ctx->lost = true;
	}

	for (i = 0; i < SVSM_DIAG_REMAP_STEPS; i++) {
		if (arg->step[i].error) {
			ret = arg->step[i].error;
			break;
		}
	}
	if (ret && (arg->outcome & SVSM_DIAG_REMAP_RESTORED))
		ret = -EIO;
out:
	local_irq_restore(flags);
	return ret;
}

static int svsm_diag_do_remap_test(struct svsm_diag_remap_test *arg)
{
	const struct svsm_diag_transport *xp = svsm_diag_xp();
	struct svsm_diag_remap_ctx ctx = { .arg = arg };
	int ret;

	if (svsm_diag_ca_is_lost(arg->cpu))
		return -EHOSTDOWN;
	if (xp->remap_test_allowed && !xp->remap_test_allowed(arg->cpu))
		return -EPERM;
	if (!xp->test_ca) {
		ret = svsm_diag_gbuf_alloc(&ctx.test, PAGE_SIZE);
		if (ret)
			return ret;
	}
	ret = svsm_diag_on_cpu(arg->cpu, svsm_diag_remap_test_fn, &ctx);
	/* A CA the SVSM may still be using is kept until the CPU is onlined. */
	if (!ctx.lost)
		svsm_diag_gbuf_free(&ctx.test);
	return ret;
}

static int svsm_diag_remap_check(const void *data)
{
	const struct svsm_diag_remap_test *arg = data;

	if (arg->flags)
		return -EINVAL;
	if (!svsm_diag_zero_from(arg, sizeof(*arg),
				 offsetof(struct svsm_diag_remap_test, steps_done)))
		return -EINVAL;
	return 0;
}

static int svsm_diag_remap_run(const struct svsm_diag_dev *dev, void *data, bool *asked)
{
	struct svsm_diag_remap_test *arg = data;
	int ret;

	if (!(dev->policy & SVSM_DIAG_POLICY_REMAP_TEST))
		return -EPERM;
	ret = svsm_diag_do_remap_test(arg);
	*asked = arg->steps_done;
	return ret;
}

const struct svsm_diag_ioctl svsm_diag_ioctl_remap = {
	.cmd = SVSM_DIAG_REMAP_CA_TEST,
	.name = "REMAP_CA_TEST",
	.size = sizeof(struct svsm_diag_remap_test),
	.rules = SVSM_DIAG_IOCTL_ADMIN | SVSM_DIAG_IOCTL_SVSM | SVSM_DIAG_IOCTL_CPU_ONLINE,
	.check = svsm_diag_remap_check,
	.run = svsm_diag_remap_run,
};
