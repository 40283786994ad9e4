// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the SVSM calling protocol, shared by both backends, and the
 * commands that issue calls (CALL, REMAP_CA_TEST, ATTEST).
 *
 * One exchange follows the kernel's svsm_perform_msr_protocol() and
 * svsm_issue_call() (arch/x86/coco/sev, arch/x86/boot/startup): the
 * transport writes a VMPL0 request to the GHCB MSR, sets CALL_PENDING in
 * this CPU's Calling Area, executes VMGEXIT, atomically reads and clears
 * CALL_PENDING, reads the response and restores the MSR. As in the kernel,
 * CALL_PENDING decides what happened: cleared, the SVSM ran the call.
 *
 * The commands run on the target CPU in process context (smp_call_on_cpu(),
 * the caller sleeps) and disable interrupts only around each exchange, with
 * whatever the exchange puts in the CA buffer written and read back inside
 * that section: the kernel's own SVSM users share the CA. A remap of the
 * CA stays in one interrupts-off section from the move to the proof that
 * the kernel's CA is in use again.
 */
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "svsm_diag.h"

/*
 * An exchange whose request never reached the hypervisor (an NMI rewrote
 * the GHCB MSR) ran nothing and is tried again, a few times: an NMI storm
 * must not keep a CPU in this loop.
 */
#define SVSM_DIAG_MAX_INTERRUPTIONS	8
/* REMAP_CA back to the kernel's CA: tries before the CA counts as lost. */
#define SVSM_DIAG_RESTORE_TRIES		5

static const struct svsm_diag_transport *svsm_xp;
static unsigned int svsm_max_retries;	/* BUSY/INCOMPLETE answers retried per call */
static struct svsm_diag_cpu_stats *svsm_stats;	/* nr_cpu_ids entries */

/* Outcome of one logical call (retries included). */
struct svsm_diag_outcome {
	struct svsm_diag_regs out;
	u32 status;
	u32 retries;
	u32 exchanges;
	u32 interruptions;
	int error;
};

/* Before any call: the backend every call goes through, and the retry cap. */
void svsm_diag_engine_start(const struct svsm_diag_transport *xp, unsigned int max_retries)
{
	svsm_xp = xp;
	svsm_max_retries = max_retries;
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

static bool svsm_diag_vmpl_resp(u64 resp)
{
	return (resp & GHCB_INFO_MASK) == GHCB_MSR_VMPL_RESP;
}

/*
 * One exchange of the logical call @in on this CPU, interrupts off. Returns
 * true when the call must be issued again: BUSY or INCOMPLETE (up to
 * max_retries), or an exchange that never reached the SVSM.
 */
static bool svsm_diag_step(struct svsm_diag_ca *ca, const struct svsm_diag_regs *in,
			   struct svsm_diag_outcome *o)
{
	struct svsm_diag_cpu_stats *st = svsm_diag_stats(smp_processor_id());
	unsigned int nmis;
	u32 result;
	u64 resp;
	u8 pending;

	lockdep_assert_irqs_disabled();
	if (!o->exchanges++)
		st->calls++;
	o->out = *in;
	o->error = 0;
	nmis = svsm_xp->nmis_taken();
	pending = svsm_xp->exchange(ca, &o->out, &resp);
	if (svsm_xp->nmis_taken() != nmis)
		o->status |= SVSM_DIAG_STATUS_NMI;
	o->status |= SVSM_DIAG_STATUS_ISSUED;

	if (pending) {
		/* The SVSM never saw the call. Did the hypervisor see the request? */
		if (!svsm_diag_vmpl_resp(resp)) {
			/*
			 * Not a VMPL response: the MSR was rewritten (an NMI's
			 * GHCB use) before the VMGEXIT, so nothing ran. Not a
			 * refusal: try again.
			 */
			o->status |= SVSM_DIAG_STATUS_INTERRUPTED;
			st->interrupted++;
			if (o->interruptions++ < SVSM_DIAG_MAX_INTERRUPTIONS)
				return true;
			o->error = -EAGAIN;
		} else if (GHCB_MSR_VMPL_RESP_VAL(resp)) {
			o->status |= SVSM_DIAG_STATUS_VMPL_REFUSED;
			o->error = -EREMOTEIO;
		} else {
			o->error = -ECOMM;
		}
		st->unserviced++;
		return false;
	}

	/* Cleared: the SVSM ran the call, whatever the MSR holds now. */
	o->status |= SVSM_DIAG_STATUS_SERVICED;
	if (!svsm_diag_vmpl_resp(resp) || GHCB_MSR_VMPL_RESP_VAL(resp))
		o->status |= SVSM_DIAG_STATUS_RESPONSE_LOST;
	result = lower_32_bits(o->out.rax);
	st->last_result = result;
	st->last_valid = true;
	if (result == SVSM_ERR_BUSY || result == SVSM_ERR_INCOMPLETE) {
		if (o->retries < svsm_max_retries) {
			o->retries++;
			st->retries++;
			return true;
		}
		o->status |= SVSM_DIAG_STATUS_RETRIES_OUT;
		o->error = -EBUSY;
		st->errors++;
		return false;
	}
	if (result & 0x80000000U) {
		o->error = -EIO;
		st->errors++;
	}
	return false;
}

/* A whole logical call through @ca, for callers that keep interrupts off. */
static void svsm_diag_call_ca(struct svsm_diag_ca *ca, const struct svsm_diag_regs *in,
			      struct svsm_diag_outcome *o)
{
	memset(o, 0, sizeof(*o));
	while (svsm_diag_step(ca, in, o))
		;
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

/* ---- Calling Areas the kernel does not know ---- */

/*
 * A CPU whose SVSM listens on a page the kernel does not use: the kernel's
 * next SVSM call there (a PVALIDATE) would fail and terminate the guest.
 * Nothing but the kernel's CREATE_VCPU at the next onlining of the CPU can
 * repair it, so until then the page is kept and the module pinned.
 */
struct svsm_diag_lost_ca {
	u64 gpa;
	void *page;		/* module page to free once recovered, or NULL */
	size_t len;
};

static struct svsm_diag_lost_ca *svsm_lost;	/* nr_cpu_ids entries */
static DEFINE_SPINLOCK(svsm_lost_lock);
static int svsm_lost_hp_state = -1;

bool svsm_diag_ca_is_lost(unsigned int cpu)
{
	return cpu < nr_cpu_ids && READ_ONCE(svsm_lost[cpu].gpa);
}

/* Interrupts off, on the CPU concerned. */
static void svsm_diag_mark_lost(u64 lost_gpa, u64 kernel_gpa, void *page, size_t len)
{
	unsigned int cpu = smp_processor_id();

	spin_lock(&svsm_lost_lock);
	svsm_lost[cpu] = (struct svsm_diag_lost_ca) { .gpa = lost_gpa, .page = page, .len = len };
	spin_unlock(&svsm_lost_lock);
	__module_get(THIS_MODULE);
	pr_crit("CPU %u: the SVSM listens on Calling Area %#llx, not the kernel's %#llx; offline and online CPU %u to recover before the kernel makes an SVSM call there\n",
		cpu, lost_gpa, kernel_gpa, cpu);
}

/* Onlining a CPU registers the kernel's CA with the SVSM again. */
static int svsm_diag_lost_online(unsigned int cpu)
{
	struct svsm_diag_lost_ca lost;

	spin_lock_irq(&svsm_lost_lock);
	lost = svsm_lost[cpu];
	memset(&svsm_lost[cpu], 0, sizeof(svsm_lost[cpu]));
	spin_unlock_irq(&svsm_lost_lock);
	if (!lost.gpa)
		return 0;
	if (lost.page)
		free_pages_exact(lost.page, lost.len);
	pr_info("CPU %u: onlined, the SVSM uses the kernel's Calling Area again\n", cpu);
	module_put(THIS_MODULE);
	return 0;
}

int svsm_diag_ca_lost_init(void)
{
	int ret;

	svsm_lost = kcalloc(nr_cpu_ids, sizeof(*svsm_lost), GFP_KERNEL);
	if (!svsm_lost)
		return -ENOMEM;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "svsm_diag:ca_lost",
					svsm_diag_lost_online, NULL);
	if (ret < 0) {
		kfree(svsm_lost);
		svsm_lost = NULL;
		return ret;
	}
	svsm_lost_hp_state = ret;
	return 0;
}

/* Only reached with no CA lost: a lost CA pins the module. */
void svsm_diag_ca_lost_exit(void)
{
	if (svsm_lost_hp_state >= 0)
		cpuhp_remove_state_nocalls(svsm_lost_hp_state);
	svsm_lost_hp_state = -1;
	kfree(svsm_lost);
	svsm_lost = NULL;
}

/*
 * The SVSM may now use @cur as this CPU's CA: move it back to @orig, the
 * CA the kernel knows, and prove that worked: only the proof counts. @o
 * holds the proving query.
 */
static bool svsm_diag_restore_ca(struct svsm_diag_ca *cur, struct svsm_diag_ca *orig,
				 u64 orig_gpa, struct svsm_diag_outcome *o)
{
	const struct svsm_diag_regs back = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
		.rcx = orig_gpa,
	};
	int i;

	for (i = 0; i < SVSM_DIAG_RESTORE_TRIES; i++) {
		svsm_diag_call_ca(cur, &back, o);
		if (svsm_diag_succeeded(o))
			break;
	}
	return svsm_diag_ca_answers(orig, o);
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

	if (svsm_xp->share) {
		ret = svsm_xp->share(b->va, b->len);
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
	if (svsm_xp->unshare)
		svsm_xp->unshare(b->va);
	free_pages_exact(b->va, b->len);
	b->va = NULL;
}

/*
 * Run @fn on @cpu in process context, the caller asleep. CPU hotplug waits
 * meanwhile, so the work cannot move to another CPU.
 */
static int svsm_diag_on_cpu(unsigned int cpu, int (*fn)(void *), void *data)
{
	int ret;

	cpus_read_lock();
	ret = cpu_online(cpu) ? smp_call_on_cpu(cpu, fn, data, false) : -ENXIO;
	cpus_read_unlock();
	return ret;
}

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

static int svsm_diag_run_job(struct svsm_diag_job *job)
{
	struct svsm_diag_ca *ca;
	unsigned long flags;
	bool again;
	u64 gpa;
	int ret;

	memset(&job->o, 0, sizeof(job->o));
	do {
		local_irq_save(flags);
		ret = svsm_diag_current_ca(&gpa, &ca);
		if (ret) {
			local_irq_restore(flags);
			return ret;
		}
		if (job->fill)
			job->fill(job, ca, gpa);
		again = svsm_diag_step(ca, &job->in, &job->o);
		if (job->drain)
			job->drain(job, ca);
		local_irq_restore(flags);
		if (again)
			cond_resched();
	} while (again);
	return 0;
}

/* ---- CALL ---- */

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
	ret = svsm_xp->ca_check(job->in.rcx, &va);
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

static int svsm_diag_call_fn(void *data)
{
	struct svsm_diag_call_ctx *ctx = data;
	struct svsm_diag_call *arg = ctx->arg;
	struct svsm_diag_outcome *o = &ctx->job.o;
	int ret;

	if (arg->protocol == SVSM_PROTOCOL_CORE && arg->call_id == SVSM_CORE_REMAP_CA) {
		if (svsm_diag_ca_is_lost(arg->cpu))
			return -EHOSTDOWN;
		ret = svsm_diag_call_remap(ctx);
	} else {
		ret = svsm_diag_run_job(&ctx->job);
	}
	if (ret)
		return ret;

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

/*
 * A vTPM command on a real SVSM through the kernel's own path (6.16+),
 * which uses the NMI-safe per-CPU GHCB. It tells success or failure only.
 */
static bool svsm_diag_call_via_kernel(const struct svsm_diag_call *arg)
{
	return svsm_xp->kernel_svsm && svsm_diag_kernel_has_vtpm_cmd() &&
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

/* @arg has been validated by the caller. */
int svsm_diag_do_call(struct svsm_diag_call *arg)
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

	ret = svsm_diag_on_cpu(arg->cpu, svsm_diag_call_via_kernel(arg) ?
				svsm_diag_vtpm_kernel_fn : svsm_diag_call_fn, &ctx);

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

/* ---- REMAP_CA_TEST ---- */

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
	struct svsm_diag_ca *orig, *test = ctx->test.va;
	u64 orig_gpa, test_gpa = ctx->test.gpa;
	struct svsm_diag_outcome o;
	unsigned long flags;
	bool on_test;
	void *va;
	int i, ret;

	local_irq_save(flags);
	ret = svsm_diag_current_ca(&orig_gpa, &orig);
	if (!ret && svsm_xp->test_ca) {
		ret = svsm_xp->test_ca(&test_gpa, &va);
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
	 * Believe only what answers. Whenever the first remap went out and the
	 * kernel's CA does not answer, the SVSM may be listening on the test
	 * page: move it back from there.
	 */
	if (!on_test && svsm_diag_ca_answers(orig, &o))
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

int svsm_diag_do_remap_test(struct svsm_diag_remap_test *arg)
{
	struct svsm_diag_remap_ctx ctx = { .arg = arg };
	int ret;

	if (svsm_diag_ca_is_lost(arg->cpu))
		return -EHOSTDOWN;
	if (svsm_xp->remap_test_allowed && !svsm_xp->remap_test_allowed(arg->cpu))
		return -EPERM;
	if (!svsm_xp->test_ca) {
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

/* At load, for a backend that boots on a firmware CA: move @cpu to @new_ca. */
struct svsm_diag_boot_ctx {
	u64 new_ca;
};

static int svsm_diag_boot_remap_fn(void *data)
{
	struct svsm_diag_boot_ctx *ctx = data;
	const struct svsm_diag_regs in = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_REMAP_CA),
		.rcx = ctx->new_ca,
	};
	struct svsm_diag_outcome o;
	struct svsm_diag_ca *ca;
	unsigned long flags;
	u64 gpa;
	int ret;

	local_irq_save(flags);
	ret = svsm_diag_current_ca(&gpa, &ca);
	if (!ret) {
		svsm_diag_call_ca(ca, &in, &o);
		ret = svsm_diag_succeeded(&o) ? 0 : (o.error ? o.error : -EIO);
	}
	local_irq_restore(flags);
	return ret;
}

int svsm_diag_boot_remap(unsigned int cpu, u64 new_ca)
{
	struct svsm_diag_boot_ctx ctx = { .new_ca = new_ca };

	return svsm_diag_on_cpu(cpu, svsm_diag_boot_remap_fn, &ctx);
}

/* ---- ATTEST ---- */

#define SVSM_DIAG_ATTEST_ATTEMPTS	4	/* the first call and 3 retries, as Linux */

struct svsm_diag_attest_ctx {
	struct svsm_diag_job job;
	struct svsm_diag_attest *arg;
	struct svsm_diag_gbuf report, manifest, certs, nonce;
	u64 op_gpa;		/* RCX in: a size answer overwrites it */
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
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_REPORT_GPA, ctx->report.gpa);
	svsm_diag_put_u32(op + SVSM_ATTEST_OP_REPORT_LEN, ctx->report.len);
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_NONCE_GPA,
			  ca_gpa + SVSM_CA_BUFFER + SVSM_ATTEST_SINGLE_OP_SIZE);
	svsm_diag_put_u16(op + SVSM_ATTEST_OP_NONCE_LEN, SVSM_ATTEST_NONCE_SIZE);
	svsm_diag_put_u64(op + SVSM_ATTEST_OP_MANIFEST_GPA, ctx->manifest.gpa);
	svsm_diag_put_u32(op + SVSM_ATTEST_OP_MANIFEST_LEN, ctx->manifest.len);
	if (ctx->certs.va) {
		svsm_diag_put_u64(op + SVSM_ATTEST_OP_CERTS_GPA, ctx->certs.gpa);
		svsm_diag_put_u32(op + SVSM_ATTEST_OP_CERTS_LEN, ctx->certs.len);
	}
	if (arg->flags & SVSM_DIAG_ATTEST_SINGLE) {
		memcpy(op + SVSM_ATTEST_OP_SERVICE_GUID, arg->service_guid, 16);
		svsm_diag_put_u32(op + SVSM_ATTEST_OP_MANIFEST_VER, arg->manifest_version);
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

static int svsm_diag_attest_module_fn(void *data)
{
	struct svsm_diag_attest_ctx *ctx = data;
	int ret;

	ret = svsm_diag_run_job(&ctx->job);
	return ret ? ret : ctx->job.o.error;
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
	int (*fn)(void *) = via_kernel ? svsm_diag_attest_kernel_fn : svsm_diag_attest_module_fn;
	u32 cpu = ctx->arg->cpu;

	if (cpu == SVSM_DIAG_ANY_CPU)
		cpu = raw_smp_processor_id();	/* a hint: any online CPU will do */
	return svsm_diag_on_cpu(cpu, fn, ctx);
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
	bool via_kernel = svsm_xp->kernel_svsm && svsm_diag_kernel_has_attest();
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
