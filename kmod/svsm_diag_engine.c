// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the protocol engine, the SVSM calling protocol shared by both
 * backends and every command: one exchange, retries, the Calling Area and
 * its recovery, guest buffers, and running work on a chosen CPU.
 *
 * One exchange follows the kernel's svsm_perform_msr_protocol() and
 * svsm_issue_call() (arch/x86/coco/sev, arch/x86/boot/startup): the
 * transport writes a VMPL0 request to the GHCB MSR, sets CALL_PENDING in
 * this CPU's Calling Area, executes VMGEXIT, atomically reads and clears
 * CALL_PENDING, reads the response and restores the MSR. As in the kernel,
 * CALL_PENDING decides what happened: cleared, the SVSM ran the call.
 *
 * Nothing here runs with interrupts off as a whole. The exchanges of a job
 * (a plain CALL, ATTEST) are cross-CPU function calls to the target CPU
 * (interrupts off there), the caller free to sleep between them. REMAP_CA,
 * REMAP_CA_TEST and the kernel's own SVSM paths run on the target CPU in
 * process context (in the caller, pinned, on its own CPU; else in a worker
 * through smp_call_on_cpu(), the caller asleep) and disable interrupts only
 * around each exchange. Whatever an exchange puts in the CA buffer is
 * written and read back inside its section: the kernel's own SVSM users
 * share the CA. A remap of the CA stays in one interrupts-off section from
 * the move to the proof that the kernel's CA is in use again.
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
/* REMAP_CA back to the kernel's CA, or a query proving it: tries before giving up. */
#define SVSM_DIAG_RESTORE_TRIES		5

static const struct svsm_diag_transport *svsm_xp;
static unsigned int svsm_max_retries;	/* BUSY/INCOMPLETE answers retried per call */
static struct svsm_diag_cpu_stats *svsm_stats;	/* nr_cpu_ids entries */

/* Before any call: the backend every call goes through, and the retry cap. */
void svsm_diag_engine_start(const struct svsm_diag_transport *xp, unsigned int max_retries)
{
	svsm_xp = xp;
	svsm_max_retries = max_retries;
}

/* The backend's transport, for the commands that use its operations. */
const struct svsm_diag_transport *svsm_diag_xp(void)
{
	return svsm_xp;
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
void svsm_diag_call_ca(struct svsm_diag_ca *ca, const struct svsm_diag_regs *in,
		       struct svsm_diag_outcome *o)
{
	memset(o, 0, sizeof(*o));
	while (svsm_diag_step(ca, in, o))
		;
}

/* RAX of a call the SVSM never serviced is still the request, not a result. */
u32 svsm_diag_result(const struct svsm_diag_outcome *o)
{
	return (o->status & SVSM_DIAG_STATUS_SERVICED) ? lower_32_bits(o->out.rax) : 0;
}

bool svsm_diag_succeeded(const struct svsm_diag_outcome *o)
{
	return !o->error && svsm_diag_result(o) == SVSM_SUCCESS;
}

int svsm_diag_current_ca(u64 *gpa, struct svsm_diag_ca **ca)
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
bool svsm_diag_ca_answers(struct svsm_diag_ca *ca, struct svsm_diag_outcome *o)
{
	const struct svsm_diag_regs query = {
		.rax = SVSM_RAX(SVSM_PROTOCOL_CORE, SVSM_CORE_QUERY_PROTOCOL),
		.rcx = SVSM_RAX(SVSM_PROTOCOL_CORE, 1),
	};

	svsm_diag_call_ca(ca, &query, o);
	return svsm_diag_succeeded(o);
}

/*
 * Does the SVSM use @ca, the CA CALL_PENDING says it listens on? Asked
 * again when unanswered: one lost query proves nothing, and asking the
 * other candidate instead would enter the SVSM with nothing pending.
 */
bool svsm_diag_ca_in_use(struct svsm_diag_ca *ca, struct svsm_diag_outcome *o)
{
	int i;

	for (i = 0; i < SVSM_DIAG_RESTORE_TRIES; i++)
		if (svsm_diag_ca_answers(ca, o))
			return true;
	return false;
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
void svsm_diag_mark_lost(u64 lost_gpa, u64 kernel_gpa, void *page, size_t len)
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
bool svsm_diag_restore_ca(struct svsm_diag_ca *cur, struct svsm_diag_ca *orig,
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
	return svsm_diag_ca_in_use(orig, o);
}

int svsm_diag_gbuf_alloc(struct svsm_diag_gbuf *b, size_t len)
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

void svsm_diag_gbuf_free(struct svsm_diag_gbuf *b)
{
	if (!b->va)
		return;
	if (svsm_xp->unshare)
		svsm_xp->unshare(b->va);
	free_pages_exact(b->va, b->len);
	b->va = NULL;
}

/*
 * Run @fn on @cpu in process context. CPU hotplug waits meanwhile, so the
 * work cannot move to another CPU. On the caller's own CPU @fn runs in the
 * caller, pinned there: waking a worker would cost two context switches and
 * most of a local call's time. Elsewhere a worker bound to @cpu runs it, the
 * caller asleep.
 */
int svsm_diag_on_cpu(unsigned int cpu, int (*fn)(void *), void *data)
{
	int ret = -ENXIO;

	cpus_read_lock();
	if (!cpu_online(cpu))
		goto out;
	migrate_disable();
	if (smp_processor_id() == cpu) {
		ret = fn(data);
		migrate_enable();
		goto out;
	}
	migrate_enable();
	ret = smp_call_on_cpu(cpu, fn, data, false);
out:
	cpus_read_unlock();
	return ret;
}

struct svsm_diag_step_ctx {
	struct svsm_diag_job *job;
	bool again;
	int ret;
};

/* One exchange of a job on this CPU, interrupts off (the caller's section). */
static void svsm_diag_job_step(void *data)
{
	struct svsm_diag_step_ctx *c = data;
	struct svsm_diag_job *job = c->job;
	struct svsm_diag_ca *ca;
	u64 gpa;

	c->again = false;
	c->ret = svsm_diag_current_ca(&gpa, &ca);
	if (c->ret)
		return;
	if (job->fill)
		job->fill(job, ca, gpa);
	c->again = svsm_diag_step(ca, &job->in, &job->o);
	if (job->drain)
		job->drain(job, ca);
}

/*
 * @job on @cpu, each exchange a cross-CPU function call (run directly, not
 * by IPI, on the caller's own CPU): a job needs nothing but its exchanges on
 * the target, and waking a worker there costs far more than the call.
 * Between exchanges (BUSY, INCOMPLETE, NMIs) the caller may sleep.
 */
int svsm_diag_run_job(unsigned int cpu, struct svsm_diag_job *job)
{
	struct svsm_diag_step_ctx c = { .job = job };
	int ret;

	memset(&job->o, 0, sizeof(job->o));
	cpus_read_lock();
	do {
		ret = smp_call_function_single(cpu, svsm_diag_job_step, &c, 1);
		if (!ret && c.again)
			cond_resched();
	} while (!ret && c.again);
	cpus_read_unlock();
	return ret ? ret : c.ret;
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

