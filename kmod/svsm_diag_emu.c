// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: the emulated SVSM backend.
 *
 * It runs the portable SVSM model (emu/svsm_emu.c) behind the same transport
 * interface as the real SEV-SNP backend, and plays the kernel's part at
 * load: one Calling Area page per CPU, the boot CPU moved from the firmware
 * CA to its own with REMAP_CA (by svsm_diag_main.c, through the transport),
 * and CPUs registered again when they come
 * online (as CREATE_VCPU does at AP bring-up). The emulated SVSM can only
 * reach pages this module registered; every access to them happens under
 * emu_lock, which also guards the registry, so no page is freed while the
 * SVSM is using it. emu_lock is a raw spinlock: a call's exchange may run in
 * the cross-CPU function call that carries it (hard interrupt context), as
 * the real SVSM runs while the vCPU waits.
 *
 * debugfs (<debugfs>/svsm_diag/, created by svsm_diag_main.c):
 *   fault  write "busy N", "incomplete N", "result CODE N", "unserviced N",
 *          "vmpl_refuse N", "nmi_before N" or "nmi_after N" (an NMI before
 *          or after the VMGEXIT of an exchange), each optionally followed by
 *          "after M" (let M calls through first), or "none"; read the fault
 *          still pending
 *   state  read emulator counters, the PVALIDATE pool, and each CPU's
 *          registered and kernel CA
 */
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/apic.h>
#include <asm/hardirq.h>

#include "svsm_diag.h"
#include "svsm_emu.h"

static unsigned int emu_vmpl = 2;
module_param(emu_vmpl, uint, 0444);
MODULE_PARM_DESC(emu_vmpl, "Emulated backend: VMPL the guest runs at, 1-3 (default 2)");

static char *emu_protocols = "0:1-1,1:1-1,2:1-1";
module_param(emu_protocols, charp, 0444);
MODULE_PARM_DESC(emu_protocols,
		 "Emulated backend: protocols offered, as PROTOCOL:MIN-MAX,... (default core, attestation and vTPM, version 1)");

static unsigned int emu_pvalidate_batch;
module_param(emu_pvalidate_batch, uint, 0444);
MODULE_PARM_DESC(emu_pvalidate_batch,
		 "Emulated backend: PVALIDATE entries per call before INCOMPLETE (0 = all, as COCONUT)");

static bool emu_certs = true;
module_param(emu_certs, bool, 0444);
MODULE_PARM_DESC(emu_certs, "Emulated backend: return a certificate table with attestation reports");

#define EMU_POOL_PAGES		16
#define EMU_SVSM_PAGES		16
#define EMU_DYNAMIC_RANGES	256
/* SEV_FEATURES of every emulated VMSA: SNP active. */
#define EMU_SEV_FEATURES	0x1ULL

struct emu_range {
	u64 gpa;
	u64 len;
	void *va;
	bool dynamic;		/* a per-request buffer: freed when the call ends */
};

struct emu_cpu {
	void *kernel_ca;	/* the CA the "kernel" allocated for this CPU */
	void *test_ca;		/* this CPU's page for REMAP_CA_TEST */
	u64 initial_ca;		/* the first CA the SVSM was given */
	u64 ca_gpa;		/* the CA in use now */
	void *ca_va;
};

static DEFINE_RAW_SPINLOCK(emu_lock);
static struct svsm_emu emu;
static struct svsm_emu_cpu *emu_cpus;
static struct emu_cpu *emu_kcpu;
static struct emu_range *emu_ranges;
static unsigned int emu_nr_ranges, emu_max_ranges;
static void *emu_pool, *emu_svsm_mem, *emu_fw_ca;
static struct dentry *emu_fault_file, *emu_state_file;
static int emu_hp_state = -1;

/* ---- guest memory the emulated SVSM may reach ---- */

static struct emu_range *emu_find(u64 gpa, u64 len)
{
	unsigned int i;

	lockdep_assert_held(&emu_lock);
	if (gpa + len < gpa)
		return NULL;
	for (i = 0; i < emu_nr_ranges; i++) {
		struct emu_range *r = &emu_ranges[i];

		if (gpa >= r->gpa && gpa + len <= r->gpa + r->len)
			return r;
	}
	return NULL;
}

/* Called by the emulator with emu_lock held. */
static void *emu_host_map(void *host, u64 gpa, u64 len)
{
	struct emu_range *r = emu_find(gpa, len ? len : 1);

	return r ? r->va + (gpa - r->gpa) : NULL;
}

/*
 * Only pages the module keeps until unload may become a CA or a VMSA: the
 * emulated SVSM asks under emu_lock, so a buffer registered by another CPU
 * after the module looked cannot slip in.
 */
static bool emu_host_may_retain(void *host, u64 gpa)
{
	struct emu_range *r = emu_find(gpa, PAGE_SIZE);

	return r && !r->dynamic;
}

static unsigned long emu_host_lock(void *host)
	__acquires(&emu_lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&emu_lock, flags);
	return flags;
}

static void emu_host_unlock(void *host, unsigned long flags)
	__releases(&emu_lock)
{
	raw_spin_unlock_irqrestore(&emu_lock, flags);
}

static const struct svsm_emu_host_ops emu_host_ops = {
	.map = emu_host_map,
	.may_retain = emu_host_may_retain,
	.lock = emu_host_lock,
	.unlock = emu_host_unlock,
};

static int emu_add_range(void *va, size_t len, bool dynamic)
{
	unsigned long flags;
	int ret = -ENOSPC;

	raw_spin_lock_irqsave(&emu_lock, flags);
	if (emu_nr_ranges < emu_max_ranges) {
		emu_ranges[emu_nr_ranges++] = (struct emu_range) {
			.gpa = __pa(va), .len = len, .va = va, .dynamic = dynamic,
		};
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&emu_lock, flags);
	return ret;
}

/* A per-call guest buffer: reachable by the SVSM until unshared. */
static int emu_share(void *va, size_t len)
{
	return emu_add_range(va, len, true);
}

static void emu_unshare(void *va)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&emu_lock, flags);
	for (i = 0; i < emu_nr_ranges; i++) {
		if (emu_ranges[i].va == va) {
			emu_ranges[i] = emu_ranges[--emu_nr_ranges];
			break;
		}
	}
	raw_spin_unlock_irqrestore(&emu_lock, flags);
}

/* ---- the transport ---- */

/*
 * The guest's half of an exchange, step by step as the real transport does
 * it, with the emulated GHCB MSR and the two points where an injected NMI
 * can strike (svsm_emu_nmi()).
 */
static u8 emu_exchange(struct svsm_diag_ca *ca, struct svsm_diag_regs *r, u64 *resp)
{
	unsigned int cpu = smp_processor_id();
	struct svsm_emu_regs regs = {
		.rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .r8 = r->r8, .r9 = r->r9,
	};
	u8 pending = 0;
	u64 saved;

	saved = svsm_emu_ghcb_read(&emu, cpu);
	svsm_emu_ghcb_write(&emu, cpu, GHCB_MSR_VMPL_REQ_LEVEL(0));
	svsm_emu_nmi(&emu, cpu, SVSM_EMU_NMI_BEFORE_VMGEXIT);
	WRITE_ONCE(ca->call_pending, 1);
	svsm_emu_vmgexit(&emu, cpu, &regs);
	svsm_emu_nmi(&emu, cpu, SVSM_EMU_NMI_AFTER_VMGEXIT);
	pending = xchg(&ca->call_pending, pending);
	*resp = svsm_emu_ghcb_read(&emu, cpu);
	svsm_emu_ghcb_write(&emu, cpu, saved);

	r->rax = regs.rax;
	r->rcx = regs.rcx;
	r->rdx = regs.rdx;
	r->r8 = regs.r8;
	r->r9 = regs.r9;
	return pending;
}

/* The kernel's NMI count of this CPU, plus the NMIs the emulator injected. */
static unsigned int emu_nmi_count(void)
{
	return svsm_diag_nmis_taken() +
	       svsm_emu_nmi_count(&emu, smp_processor_id());
}

static int emu_current_ca(u64 *gpa, void **va)
{
	struct emu_cpu *c = &emu_kcpu[smp_processor_id()];

	*gpa = c->ca_gpa;
	*va = c->ca_va;
	return 0;
}

/*
 * A page the module keeps until unload can be remapped to and back. For any
 * other page the emulated SVSM itself refuses the remap (emu_host_may_retain
 * under emu_lock), so the call may go ahead and report the SVSM's answer.
 */
static int emu_ca_check(u64 gpa, void **va)
{
	unsigned long flags;
	int ret = -ENOENT;

	raw_spin_lock_irqsave(&emu_lock, flags);
	if (PAGE_ALIGNED(gpa) && emu_host_may_retain(NULL, gpa)) {
		*va = emu_host_map(NULL, gpa, PAGE_SIZE);
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&emu_lock, flags);
	return ret;
}

static int emu_test_ca(u64 *gpa, void **va)
{
	struct emu_cpu *c = &emu_kcpu[smp_processor_id()];

	*va = c->test_ca;
	*gpa = __pa(c->test_ca);
	return 0;
}

static u32 emu_cpu_ca(unsigned int cpu, u64 *ca, u64 *initial)
{
	*ca = READ_ONCE(emu_kcpu[cpu].ca_gpa);
	*initial = emu_kcpu[cpu].initial_ca;
	return SVSM_DIAG_CPU_CA_VALID | SVSM_DIAG_CPU_INITIAL_CA_VALID;
}

/*
 * No remap_test_allowed: REMAP_CA_TEST may run on every emulated CPU. The
 * kernel knows nothing of this SVSM: the module issues every call itself.
 */
const struct svsm_diag_transport svsm_diag_emu_transport = {
	.name = "emulated",
	.exchange = emu_exchange,
	.nmis_taken = emu_nmi_count,
	.current_ca = emu_current_ca,
	.ca_check = emu_ca_check,
	.test_ca = emu_test_ca,
	.cpu_ca = emu_cpu_ca,
	.share = emu_share,
	.unshare = emu_unshare,
	.kernel_svsm = false,
};

/* ---- configuration ---- */

/* "0:1-1,1:1-1,2:1-3": protocol number, minimum and maximum version. */
static int emu_parse_protocols(const char *spec, struct svsm_emu_protocol *p)
{
	char *buf, *cur, *item;
	int ret = 0;

	buf = kstrdup(spec, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	while ((item = strsep(&cur, ",")) != NULL) {
		unsigned int proto, min, max;

		if (!*item)
			continue;
		if (sscanf(item, "%u:%u-%u", &proto, &min, &max) != 3 ||
		    proto >= SVSM_NR_PROTOCOLS || !min || min > max) {
			pr_err("emu_protocols: bad entry '%s' (want PROTOCOL:MIN-MAX, protocol 0-%d)\n",
			       item, SVSM_NR_PROTOCOLS - 1);
			ret = -EINVAL;
			break;
		}
		p[proto].min_version = min;
		p[proto].max_version = max;
	}
	kfree(buf);
	return ret;
}

static int emu_register_cpu_fn(unsigned int cpu)
{
	struct emu_cpu *c = &emu_kcpu[cpu];
	unsigned long flags;

	/* As Linux's CREATE_VCPU at AP bring-up: the kernel's CA for this CPU. */
	raw_spin_lock_irqsave(&emu_lock, flags);
	c->ca_gpa = __pa(c->kernel_ca);
	c->ca_va = c->kernel_ca;
	raw_spin_unlock_irqrestore(&emu_lock, flags);
	svsm_emu_register_cpu(&emu, cpu, per_cpu(x86_cpu_to_apicid, cpu), c->ca_gpa);
	return 0;
}

/* ---- debugfs ---- */

static const char *const emu_fault_names[SVSM_EMU_NR_FAULTS] = {
	[SVSM_EMU_FAULT_NONE] = "none",
	[SVSM_EMU_FAULT_BUSY] = "busy",
	[SVSM_EMU_FAULT_INCOMPLETE] = "incomplete",
	[SVSM_EMU_FAULT_RESULT] = "result",
	[SVSM_EMU_FAULT_UNSERVICED] = "unserviced",
	[SVSM_EMU_FAULT_VMPL_REFUSE] = "vmpl_refuse",
	[SVSM_EMU_FAULT_NMI_BEFORE] = "nmi_before",
	[SVSM_EMU_FAULT_NMI_AFTER] = "nmi_after",
};

/* "KIND COUNT [after SKIP]", "result CODE COUNT [after SKIP]" or "none". */
static int emu_parse_fault(char *buf, int *kind, u32 *code, u32 *count, u32 *skip)
{
	unsigned int n = 0, i;
	char *tok[5];

	buf = strim(buf);
	while (n < ARRAY_SIZE(tok) && (tok[n] = strsep(&buf, " \t")) != NULL)
		if (*tok[n])
			n++;
	if (!n || buf)	/* nothing, or more than five words */
		return -EINVAL;

	for (i = 0; i < SVSM_EMU_NR_FAULTS; i++)
		if (!strcmp(tok[0], emu_fault_names[i]))
			break;
	if (i == SVSM_EMU_NR_FAULTS)
		return -EINVAL;
	*kind = (int)i;
	*code = *count = *skip = 0;
	if (i == SVSM_EMU_FAULT_NONE)
		return n == 1 ? 0 : -EINVAL;

	i = 1;
	if (*kind == SVSM_EMU_FAULT_RESULT && (i >= n || kstrtou32(tok[i++], 0, code)))
		return -EINVAL;
	if (i >= n || kstrtou32(tok[i++], 0, count) || !*count)
		return -EINVAL;
	if (i == n)
		return 0;
	if (n - i != 2 || strcmp(tok[i], "after") || kstrtou32(tok[i + 1], 0, skip))
		return -EINVAL;
	return 0;
}

static ssize_t emu_fault_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	u32 code, count, skip;
	char buf[80];
	int kind, ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	ret = emu_parse_fault(buf, &kind, &code, &count, &skip);
	if (ret)
		return ret;
	svsm_emu_inject(&emu, kind, count, code, skip);
	return len;
}

static int emu_fault_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	u32 count, code, skip;
	int fault;

	raw_spin_lock_irqsave(&emu_lock, flags);
	fault = emu.fault;
	count = emu.fault_count;
	code = emu.fault_code;
	skip = emu.fault_skip;
	raw_spin_unlock_irqrestore(&emu_lock, flags);

	seq_puts(m, emu_fault_names[fault]);
	if (fault == SVSM_EMU_FAULT_RESULT)
		seq_printf(m, " %#x", code);
	if (fault != SVSM_EMU_FAULT_NONE)
		seq_printf(m, " %u", count);
	if (skip)
		seq_printf(m, " after %u", skip);
	seq_putc(m, '\n');
	return 0;
}

static int emu_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, emu_fault_show, NULL);
}

static const struct file_operations emu_fault_fops = {
	.owner = THIS_MODULE,
	.open = emu_fault_open,
	.read = seq_read,
	.write = emu_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int emu_state_show(struct seq_file *m, void *v)
{
	struct svsm_emu_stats st;
	unsigned int cpu;

	svsm_emu_get_stats(&emu, &st);
	seq_printf(m, "vmgexits %llu\nserviced %llu\nspurious %llu\nbad_requests %llu\n",
		   st.vmgexits, st.serviced, st.spurious, st.bad_requests);
	seq_printf(m, "faults %llu\nremaps %llu\nremaps_refused_live %llu\n", st.faults, st.remaps,
		   st.remaps_refused_live);
	seq_printf(m, "pool_gpa %#llx\npool_pages %u\n", (u64)__pa(emu_pool), EMU_POOL_PAGES);
	for_each_possible_cpu(cpu) {
		seq_printf(m, "cpu %u registered_ca %#llx kernel_ca %#llx calls %llu spurious %llu nmis %u\n",
			   cpu, svsm_emu_registered_caa(&emu, cpu),
			   READ_ONCE(emu_kcpu[cpu].ca_gpa), READ_ONCE(emu_cpus[cpu].calls),
			   READ_ONCE(emu_cpus[cpu].spurious), svsm_emu_nmi_count(&emu, cpu));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(emu_state);

/* ---- load and unload ---- */

static void emu_free_memory(void)
{
	unsigned int cpu;

	if (emu_kcpu) {
		for_each_possible_cpu(cpu) {
			free_page((unsigned long)emu_kcpu[cpu].kernel_ca);
			free_page((unsigned long)emu_kcpu[cpu].test_ca);
		}
	}
	free_page((unsigned long)emu_fw_ca);
	if (emu_pool)
		free_pages_exact(emu_pool, EMU_POOL_PAGES * PAGE_SIZE);
	if (emu_svsm_mem)
		free_pages_exact(emu_svsm_mem, EMU_SVSM_PAGES * PAGE_SIZE);
	kfree(emu_kcpu);
	kfree(emu_cpus);
	kfree(emu_ranges);
	emu_kcpu = NULL;
	emu_cpus = NULL;
	emu_ranges = NULL;
	emu_fw_ca = NULL;
	emu_pool = NULL;
	emu_svsm_mem = NULL;
	emu_nr_ranges = 0;
}

static int emu_alloc_memory(void)
{
	unsigned int cpu;
	int ret = -ENOMEM;

	emu_max_ranges = 2 * num_possible_cpus() + 3 + EMU_DYNAMIC_RANGES;
	emu_ranges = kcalloc(emu_max_ranges, sizeof(*emu_ranges), GFP_KERNEL);
	emu_cpus = kcalloc(nr_cpu_ids, sizeof(*emu_cpus), GFP_KERNEL);
	emu_kcpu = kcalloc(nr_cpu_ids, sizeof(*emu_kcpu), GFP_KERNEL);
	emu_fw_ca = (void *)get_zeroed_page(GFP_KERNEL);
	emu_pool = alloc_pages_exact(EMU_POOL_PAGES * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	emu_svsm_mem = alloc_pages_exact(EMU_SVSM_PAGES * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	if (!emu_ranges || !emu_cpus || !emu_kcpu || !emu_fw_ca || !emu_pool || !emu_svsm_mem)
		goto err;

	for_each_possible_cpu(cpu) {
		struct emu_cpu *c = &emu_kcpu[cpu];

		c->kernel_ca = (void *)get_zeroed_page(GFP_KERNEL);
		c->test_ca = (void *)get_zeroed_page(GFP_KERNEL);
		if (!c->kernel_ca || !c->test_ca)
			goto err;
		if (emu_add_range(c->kernel_ca, PAGE_SIZE, false) ||
		    emu_add_range(c->test_ca, PAGE_SIZE, false))
			goto err;
	}
	if (emu_add_range(emu_fw_ca, PAGE_SIZE, false) ||
	    emu_add_range(emu_pool, EMU_POOL_PAGES * PAGE_SIZE, false) ||
	    emu_add_range(emu_svsm_mem, EMU_SVSM_PAGES * PAGE_SIZE, false))
		goto err;
	return 0;

err:
	emu_free_memory();
	return ret;
}

/*
 * Build the emulated SVSM, every CPU registered as at boot: the boot CPU
 * on the firmware CA. The caller installs the transport and moves the boot
 * CPU to @boot_ca with REMAP_CA, then calls svsm_diag_emu_start().
 */
int svsm_diag_emu_init(u64 *boot_ca)
{
	struct svsm_emu_config cfg = {};
	unsigned int cpu;
	int ret;

	if (emu_vmpl < 1 || emu_vmpl > 3) {
		pr_err("emu_vmpl=%u: the guest of an SVSM runs at VMPL 1, 2 or 3\n", emu_vmpl);
		return -EINVAL;
	}
	ret = emu_parse_protocols(emu_protocols, cfg.protocols);
	if (ret)
		return ret;
	if (!cfg.protocols[SVSM_PROTOCOL_CORE].max_version) {
		pr_err("emu_protocols: the core protocol (0) must be offered\n");
		return -EINVAL;
	}

	ret = emu_alloc_memory();
	if (ret)
		return ret;

	cfg.vmpl = emu_vmpl;
	cfg.svsm_base = __pa(emu_svsm_mem);
	cfg.svsm_size = EMU_SVSM_PAGES * PAGE_SIZE;
	cfg.boot_caa = __pa(emu_fw_ca);
	cfg.sev_features = EMU_SEV_FEATURES;
	cfg.pool_gpa = __pa(emu_pool);
	cfg.pool_pages = EMU_POOL_PAGES;
	cfg.pvalidate_batch = emu_pvalidate_batch;
	cfg.certs = emu_certs;
	if (svsm_emu_init(&emu, &emu_host_ops, NULL, &cfg, emu_cpus, nr_cpu_ids)) {
		ret = -EINVAL;
		goto err_free;
	}

	/*
	 * Boot as Linux does: every AP's VMSA was created with its per-CPU CA;
	 * the boot CPU starts on the firmware CA from the secrets page and
	 * moves to its own with REMAP_CA once it can.
	 */
	for_each_possible_cpu(cpu) {
		struct emu_cpu *c = &emu_kcpu[cpu];

		c->initial_ca = cpu ? __pa(c->kernel_ca) : cfg.boot_caa;
		c->ca_gpa = c->initial_ca;
		c->ca_va = cpu ? c->kernel_ca : emu_fw_ca;
		svsm_emu_register_cpu(&emu, cpu, per_cpu(x86_cpu_to_apicid, cpu), c->ca_gpa);
	}
	*boot_ca = __pa(emu_kcpu[0].kernel_ca);
	return 0;

err_free:
	emu_free_memory();
	return ret;
}

/*
 * The rest of the load, once the boot CPU has moved to its own CA
 * (@boot_remapped) or, offline, will be registered there when it comes up.
 * On error the caller undoes everything with svsm_diag_emu_exit().
 */
int svsm_diag_emu_start(bool boot_remapped, struct dentry *debugfs,
			struct svsm_diag_svsm_info *info)
{
	u8 *secrets;
	int ret;

	if (boot_remapped) {
		emu_kcpu[0].ca_gpa = __pa(emu_kcpu[0].kernel_ca);
		emu_kcpu[0].ca_va = emu_kcpu[0].kernel_ca;
	} else {
		emu_register_cpu_fn(0);
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "svsm_diag/emu:online",
					emu_register_cpu_fn, NULL);
	if (ret < 0)
		return ret;
	emu_hp_state = ret;

	/* Read the SVSM's description the way a guest would: a secrets page. */
	secrets = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!secrets)
		return -ENOMEM;
	svsm_emu_fill_secrets(&emu, secrets);
	svsm_diag_info_from_secrets(secrets, info);
	kfree(secrets);

	emu_fault_file = debugfs_create_file("fault", 0600, debugfs, NULL, &emu_fault_fops);
	emu_state_file = debugfs_create_file("state", 0400, debugfs, NULL, &emu_state_fops);
	svsm_diag_tsm_init(emu_vmpl);
	return 0;
}

/* Undoes svsm_diag_emu_init() and whatever svsm_diag_emu_start() did. */
void svsm_diag_emu_exit(void)
{
	svsm_diag_tsm_exit();	/* nothing if it never registered */
	/* Before the state they show is freed; main.c removes the directory. */
	debugfs_remove(emu_fault_file);
	debugfs_remove(emu_state_file);
	emu_fault_file = NULL;
	emu_state_file = NULL;
	if (emu_hp_state >= 0)
		cpuhp_remove_state_nocalls(emu_hp_state);
	emu_hp_state = -1;
	emu_free_memory();
}
