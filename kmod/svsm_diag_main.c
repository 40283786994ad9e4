// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM diagnostic driver for AMD SEV-SNP guests.
 *
 * Exposes /dev/svsm_diag, whose ioctls (include/uapi/linux/svsm_diag.h)
 * describe the SVSM a guest runs under, its per-CPU Calling Areas, and let
 * a privileged tool issue SVSM protocol calls on a chosen CPU. Two backends
 * sit behind one transport interface: the real SEV-SNP transport, and an
 * emulated SVSM for machines without SEV-SNP (see svsm_diag_emu.c).
 *
 * Protocol: AMD pub. 58019, "Secure VM Service Module for SEV-SNP Guests".
 */
#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/apic.h>

#include "svsm_diag.h"
#include "svsm_diag_version.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend,
		 "auto: the SEV-SNP transport when this guest runs under an SVSM, else load without one; "
		 "snp: the SEV-SNP transport or fail to load; emulated: the emulated SVSM (testing)");

/*
 * Each retry is one more exchange on the target CPU; the cap bounds how long
 * one command keeps that CPU busy (interrupts are on between exchanges, but
 * a CA remap keeps them off from the move to the proof of the move back).
 */
#define SVSM_DIAG_MAX_RETRIES_LIMIT	10000
static unsigned int svsm_diag_max_retries = 1000;
module_param_named(max_retries, svsm_diag_max_retries, uint, 0444);
MODULE_PARM_DESC(max_retries,
		 "BUSY/INCOMPLETE answers retried per call before -EBUSY (default 1000, at most 10000)");

bool svsm_diag_allow_unsafe_calls;
module_param_named(allow_unsafe_calls, svsm_diag_allow_unsafe_calls, bool, 0444);
MODULE_PARM_DESC(allow_unsafe_calls,
		 "SEV-SNP backend: let CALL issue calls that change guest or SVSM state (default N)");

bool svsm_diag_allow_remap_test;
module_param_named(allow_remap_test, svsm_diag_allow_remap_test, bool, 0444);
MODULE_PARM_DESC(allow_remap_test, "SEV-SNP backend: allow the REMAP_CA_TEST self-test (default N)");

#define SVSM_DIAG_FEATURES (SVSM_DIAG_FEAT_GET_CPU | SVSM_DIAG_FEAT_CALL |		\
			    SVSM_DIAG_FEAT_REMAP_CA_TEST | SVSM_DIAG_FEAT_ATTEST |	\
			    SVSM_DIAG_FEAT_EMULATOR | SVSM_DIAG_FEAT_FAULT_INJECTION |	\
			    (SVSM_DIAG_SNP_TRANSPORT ? SVSM_DIAG_FEAT_SNP_TRANSPORT : 0))

/* Chosen at load, read-only afterwards. */
static u32 svsm_backend = SVSM_DIAG_BACKEND_NONE;
static u32 svsm_reason;
static u64 svsm_sev_status;
static bool svsm_sev_status_valid;
static struct svsm_diag_svsm_info svsm_info;
static const struct svsm_diag_transport *svsm_xp;	/* NULL without an SVSM */

/*
 * Read an ioctl argument: copy_struct_from_user() semantics on the struct's
 * own size field (see the top of the uapi header).
 */
static int svsm_diag_copy_in(void *karg, size_t ksize, const void __user *uarg, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < ksize)	/* every struct is still at its first published size */
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	*usize = size;
	return copy_struct_from_user(karg, ksize, uarg, size);
}

static int svsm_diag_copy_out(void __user *uarg, void *karg, size_t ksize, u32 usize)
{
	u32 n = min_t(u32, usize, ksize);

	*(u32 *)karg = n;	/* size: bytes written */
	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

/* Output-only fields must come in as zero: nothing the caller sets is ignored. */
static bool svsm_diag_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* Are the bytes of the @size-byte struct at @base from @offset on all zero? */
static bool svsm_diag_zero_from(const void *base, size_t size, size_t offset)
{
	return svsm_diag_zero((const u8 *)base + offset, size - offset);
}

static bool svsm_diag_cpu_usable(u32 cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

static long svsm_diag_get_info(void __user *uarg)
{
	bool hide = !capable(CAP_SYS_ADMIN);
	struct svsm_diag_info arg;
	u32 usize;
	int ret;

	ret = svsm_diag_copy_in(&arg, sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags ||
	    !svsm_diag_zero_from(&arg, sizeof(arg), offsetof(struct svsm_diag_info, abi_version)))
		return -EINVAL;

	arg.abi_version = SVSM_DIAG_ABI_VERSION;
	arg.backend = svsm_backend;
	arg.reason = svsm_reason;
	arg.features = SVSM_DIAG_FEATURES;
	if (svsm_sev_status_valid) {
		arg.valid |= SVSM_DIAG_INFO_SEV_STATUS;
		arg.sev_status = svsm_sev_status;
	}
	if (svsm_backend != SVSM_DIAG_BACKEND_NONE || svsm_reason == SVSM_DIAG_REASON_VMPL0 ||
	    svsm_reason == SVSM_DIAG_REASON_NO_CA) {
		arg.valid |= SVSM_DIAG_INFO_VMPL;
		arg.vmpl = svsm_info.vmpl;
	}
	if (svsm_backend != SVSM_DIAG_BACKEND_NONE && svsm_info.secrets) {
		arg.valid |= SVSM_DIAG_INFO_SVSM;
		arg.svsm_size = svsm_info.size;
		arg.svsm_max_version = svsm_info.max_version;
		/* Physical addresses only for the privileged, as /proc/iomem. */
		if (hide) {
			arg.valid |= SVSM_DIAG_INFO_ADDRS_HIDDEN;
		} else {
			arg.svsm_base = svsm_info.base;
			arg.svsm_caa = svsm_info.caa;
		}
	}
	arg.nr_cpu_ids = nr_cpu_ids;
	arg.nr_possible = num_possible_cpus();
	arg.nr_online = num_online_cpus();
	arg.max_retries = svsm_diag_max_retries;
	if (svsm_backend != SVSM_DIAG_BACKEND_SNP || svsm_diag_allow_unsafe_calls)
		arg.policy |= SVSM_DIAG_POLICY_UNSAFE_CALLS;
	if (svsm_backend != SVSM_DIAG_BACKEND_SNP || svsm_diag_allow_remap_test)
		arg.policy |= SVSM_DIAG_POLICY_REMAP_TEST;
	strscpy(arg.module_version, SVSM_DIAG_VERSION, sizeof(arg.module_version));

	return svsm_diag_copy_out(uarg, &arg, sizeof(arg), usize);
}

static long svsm_diag_get_cpu(void __user *uarg)
{
	struct svsm_diag_cpu_stats *st;
	struct svsm_diag_cpu arg;
	u64 ca = 0, initial = 0;
	u32 usize;
	int ret;

	ret = svsm_diag_copy_in(&arg, sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags ||
	    !svsm_diag_zero_from(&arg, sizeof(arg), offsetof(struct svsm_diag_cpu, state)))
		return -EINVAL;
	if (svsm_backend == SVSM_DIAG_BACKEND_NONE)
		return -ENODEV;
	if (arg.cpu >= nr_cpu_ids || !cpu_possible(arg.cpu))
		return -ENXIO;

	if (cpu_online(arg.cpu))
		arg.state |= SVSM_DIAG_CPU_ONLINE;
	if (svsm_diag_ca_is_lost(arg.cpu))
		arg.state |= SVSM_DIAG_CPU_CA_LOST;
	arg.apic_id = per_cpu(x86_cpu_to_apicid, arg.cpu);

	arg.state |= svsm_xp->cpu_ca(arg.cpu, &ca, &initial);
	if (capable(CAP_SYS_ADMIN)) {
		arg.ca_gpa = ca;
		arg.initial_ca_gpa = initial;
	} else {
		arg.state |= SVSM_DIAG_CPU_ADDRS_HIDDEN;
	}

	st = svsm_diag_stats(arg.cpu);
	arg.calls = READ_ONCE(st->calls);
	arg.retries = READ_ONCE(st->retries);
	arg.errors = READ_ONCE(st->errors);
	arg.unserviced = READ_ONCE(st->unserviced);
	if (READ_ONCE(st->last_valid)) {
		arg.state |= SVSM_DIAG_CPU_LAST_VALID;
		arg.last_result = READ_ONCE(st->last_result);
	}
	return svsm_diag_copy_out(uarg, &arg, sizeof(arg), usize);
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

/*
 * CALL, REMAP_CA_TEST and ATTEST share one path: privilege, the argument,
 * an SVSM, the CPU, the policy for real hardware, then the work. Once the
 * SVSM has been asked, the struct goes back even on error, so the caller
 * has the result code along with the errno.
 */
struct svsm_diag_svsm_cmd {
	size_t size;
	bool any_cpu;		/* SVSM_DIAG_ANY_CPU is accepted */
	int (*check)(const void *arg);
	/*
	 * -EPERM before any work if real hardware must not run it; else the
	 * work, with *asked set once the SVSM has been asked anything.
	 */
	int (*run)(void *arg, bool *asked);
};

/* Every SVSM command struct starts with size, flags and cpu. */
struct svsm_diag_head {
	__u32 size;
	__u32 flags;
	__u32 cpu;
};

/* The ABI, pinned here as lib/src/device.cpp pins it in userspace. */
static_assert(sizeof(struct svsm_diag_info) == 128);
static_assert(sizeof(struct svsm_diag_cpu) == 72);
static_assert(sizeof(struct svsm_diag_call) == 120);
static_assert(sizeof(struct svsm_diag_remap_test) == 104);
static_assert(sizeof(struct svsm_diag_attest) == 184);
static_assert(offsetof(struct svsm_diag_call, cpu) == offsetof(struct svsm_diag_head, cpu));
static_assert(offsetof(struct svsm_diag_remap_test, cpu) == offsetof(struct svsm_diag_head, cpu));
static_assert(offsetof(struct svsm_diag_attest, cpu) == offsetof(struct svsm_diag_head, cpu));

static bool svsm_diag_on_snp(void)
{
	return svsm_backend == SVSM_DIAG_BACKEND_SNP;
}

/* A read-only query without a buffer: no address goes in or comes back. */
static bool svsm_diag_call_is_query(const struct svsm_diag_call *arg)
{
	return svsm_call_is_read_only(arg->protocol, arg->call_id, arg->rcx) &&
	       !(arg->flags & (SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE));
}

static int svsm_diag_call_run(void *data, bool *asked)
{
	struct svsm_diag_call *arg = data;
	int ret;

	if (svsm_diag_on_snp() && !svsm_diag_allow_unsafe_calls &&
	    !svsm_call_is_read_only(arg->protocol, arg->call_id, arg->rcx))
		return -EPERM;
	ret = svsm_diag_do_call(arg);
	*asked = arg->status & SVSM_DIAG_STATUS_ISSUED;
	return ret;
}

static int svsm_diag_remap_run(void *data, bool *asked)
{
	struct svsm_diag_remap_test *arg = data;
	int ret;

	if (svsm_diag_on_snp() && !svsm_diag_allow_remap_test)
		return -EPERM;
	ret = svsm_diag_do_remap_test(arg);
	*asked = arg->steps_done;
	return ret;
}

static int svsm_diag_attest_run(void *data, bool *asked)
{
	struct svsm_diag_attest *arg = data;
	int ret;

	ret = svsm_diag_do_attest(arg);
	*asked = arg->attempts;
	return ret;
}

static const struct svsm_diag_svsm_cmd svsm_diag_call_cmd = {
	.size = sizeof(struct svsm_diag_call),
	.check = svsm_diag_call_check,
	.run = svsm_diag_call_run,
};

static const struct svsm_diag_svsm_cmd svsm_diag_remap_cmd = {
	.size = sizeof(struct svsm_diag_remap_test),
	.check = svsm_diag_remap_check,
	.run = svsm_diag_remap_run,
};

static const struct svsm_diag_svsm_cmd svsm_diag_attest_cmd = {
	.size = sizeof(struct svsm_diag_attest),
	.any_cpu = true,
	.check = svsm_diag_attest_check,
	.run = svsm_diag_attest_run,
};

static long svsm_diag_svsm_ioctl(void __user *uarg, const struct svsm_diag_svsm_cmd *cmd)
{
	union {
		struct svsm_diag_head head;
		struct svsm_diag_call call;
		struct svsm_diag_remap_test remap;
		struct svsm_diag_attest attest;
	} arg;
	bool privileged = capable(CAP_SYS_ADMIN);
	bool asked = false;
	u32 usize, cpu;
	int ret, out;

	/*
	 * Without CAP_SYS_ADMIN only read-only queries, which carry no address,
	 * so that a monitoring group with access to the device sees liveness.
	 */
	if (!privileged && cmd != &svsm_diag_call_cmd)
		return -EPERM;
	ret = svsm_diag_copy_in(&arg, cmd->size, uarg, &usize);
	if (!ret)
		ret = cmd->check(&arg);
	if (ret)
		return ret;
	if (!privileged && !svsm_diag_call_is_query(&arg.call))
		return -EPERM;
	if (svsm_backend == SVSM_DIAG_BACKEND_NONE)
		return -ENODEV;
	cpu = arg.head.cpu;
	if (!(cmd->any_cpu && cpu == SVSM_DIAG_ANY_CPU) && !svsm_diag_cpu_usable(cpu))
		return -ENXIO;

	ret = cmd->run(&arg, &asked);
	if (ret && !asked)
		return ret;
	out = svsm_diag_copy_out(uarg, &arg, cmd->size, usize);
	return out ? out : ret;
}

/*
 * Every entry of each command, refused ones included, for debugfs "ioctls":
 * tests count the round trips a tool makes. Named as in the uapi header
 * without SVSM_DIAG_, indexed by _IOC_NR.
 */
static const struct {
	unsigned int cmd;
	const char *name;
} svsm_diag_ioctl_names[] = {
	[_IOC_NR(SVSM_DIAG_GET_INFO)] = { SVSM_DIAG_GET_INFO, "GET_INFO" },
	[_IOC_NR(SVSM_DIAG_GET_CPU)] = { SVSM_DIAG_GET_CPU, "GET_CPU" },
	[_IOC_NR(SVSM_DIAG_CALL)] = { SVSM_DIAG_CALL, "CALL" },
	[_IOC_NR(SVSM_DIAG_REMAP_CA_TEST)] = { SVSM_DIAG_REMAP_CA_TEST, "REMAP_CA_TEST" },
	[_IOC_NR(SVSM_DIAG_ATTEST)] = { SVSM_DIAG_ATTEST, "ATTEST" },
};

static atomic64_t svsm_diag_ioctl_count[ARRAY_SIZE(svsm_diag_ioctl_names)];
static struct dentry *svsm_diag_debugfs;

static int svsm_diag_ioctls_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svsm_diag_ioctl_names); i++)
		seq_printf(m, "%s %lld\n", svsm_diag_ioctl_names[i].name,
			   (long long)atomic64_read(&svsm_diag_ioctl_count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svsm_diag_ioctls);

static long svsm_diag_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);

	if (nr < ARRAY_SIZE(svsm_diag_ioctl_names) && cmd == svsm_diag_ioctl_names[nr].cmd)
		atomic64_inc(&svsm_diag_ioctl_count[nr]);

	switch (cmd) {
	case SVSM_DIAG_GET_INFO:
		return svsm_diag_get_info(uarg);
	case SVSM_DIAG_GET_CPU:
		return svsm_diag_get_cpu(uarg);
	case SVSM_DIAG_CALL:
		return svsm_diag_svsm_ioctl(uarg, &svsm_diag_call_cmd);
	case SVSM_DIAG_REMAP_CA_TEST:
		return svsm_diag_svsm_ioctl(uarg, &svsm_diag_remap_cmd);
	case SVSM_DIAG_ATTEST:
		return svsm_diag_svsm_ioctl(uarg, &svsm_diag_attest_cmd);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations svsm_diag_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = svsm_diag_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice svsm_diag_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KBUILD_MODNAME,
	.fops = &svsm_diag_fops,
	.mode = 0600,
};

static const char *const svsm_diag_reasons[] = {
	[SVSM_DIAG_REASON_NONE] = "",
	[SVSM_DIAG_REASON_NOT_SNP] = "SEV-SNP is not active",
	[SVSM_DIAG_REASON_VMPL0] = "the guest runs at VMPL0, so there is no SVSM",
	[SVSM_DIAG_REASON_KERNEL] = "this kernel has no SVSM guest support (6.11+)",	/* unused */
	[SVSM_DIAG_REASON_NO_CA] = "no usable SVSM Calling Area",
};

/*
 * The emulated SVSM boots as Linux does under a real one: every AP on its
 * own CA, the boot CPU on the firmware's until it moves to its own with
 * REMAP_CA, through the transport like any call.
 */
static int svsm_diag_start_emulated(void)
{
	bool remapped = false;
	u64 boot_ca;
	int ret;

	ret = svsm_diag_emu_init(&boot_ca);
	if (ret)
		return ret;
	svsm_diag_engine_start(&svsm_diag_emu_transport, svsm_diag_max_retries);
	if (cpu_online(0)) {
		ret = svsm_diag_boot_remap(0, boot_ca);
		if (ret) {
			pr_err("emulated SVSM: boot CPU REMAP_CA failed (%d)\n", ret);
			goto err;
		}
		remapped = true;
	}
	ret = svsm_diag_emu_start(remapped, svsm_diag_debugfs, &svsm_info);
	if (ret)
		goto err;
	svsm_xp = &svsm_diag_emu_transport;
	svsm_backend = SVSM_DIAG_BACKEND_EMULATED;
	return 0;

err:
	svsm_diag_emu_exit();
	return ret;
}

static int svsm_diag_select_backend(void)
{
	if (!strcmp(backend, "emulated"))
		return svsm_diag_start_emulated();
	if (strcmp(backend, "auto") && strcmp(backend, "snp")) {
		pr_err("backend=%s: use auto, snp or emulated\n", backend);
		return -EINVAL;
	}

	/* Without the transport (before 6.11) the probe never succeeds. */
	if (!svsm_diag_snp_probe(&svsm_info, &svsm_reason)) {
#if SVSM_DIAG_SNP_TRANSPORT
		svsm_diag_engine_start(&svsm_diag_snp_transport, svsm_diag_max_retries);
		svsm_xp = &svsm_diag_snp_transport;
		svsm_backend = SVSM_DIAG_BACKEND_SNP;
		return 0;
#endif
	}
	if (!strcmp(backend, "snp")) {
		pr_err("backend=snp: %s\n", svsm_diag_reasons[svsm_reason]);
		return -ENODEV;
	}
	return 0;	/* auto: load, and let GET_INFO say why there is no SVSM */
}

static int __init svsm_diag_init(void)
{
	int ret;

	if (svsm_diag_max_retries > SVSM_DIAG_MAX_RETRIES_LIMIT) {
		pr_err("max_retries=%u: at most %u\n", svsm_diag_max_retries,
		       SVSM_DIAG_MAX_RETRIES_LIMIT);
		return -EINVAL;
	}
	svsm_sev_status_valid = !svsm_diag_rdmsr_safe(SEV_STATUS_MSR, &svsm_sev_status);

	ret = svsm_diag_stats_init();
	if (ret)
		return ret;
	ret = svsm_diag_ca_lost_init();
	if (ret)
		goto err_stats;
	/* Before the backend, which adds its own files to the directory. */
	svsm_diag_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ioctls", 0400, svsm_diag_debugfs, NULL, &svsm_diag_ioctls_fops);
	ret = svsm_diag_select_backend();
	if (ret)
		goto err_debugfs;
	ret = misc_register(&svsm_diag_misc);
	if (ret)
		goto err_backend;

	if (svsm_backend == SVSM_DIAG_BACKEND_NONE)
		pr_info("loaded without an SVSM: %s\n", svsm_diag_reasons[svsm_reason]);
	else
		pr_info("loaded, %s backend, guest at VMPL%u\n",
			svsm_backend == SVSM_DIAG_BACKEND_SNP ? "SEV-SNP" : "emulated SVSM",
			svsm_info.vmpl);
	return 0;

err_backend:
	if (svsm_backend == SVSM_DIAG_BACKEND_EMULATED)
		svsm_diag_emu_exit();
err_debugfs:
	debugfs_remove_recursive(svsm_diag_debugfs);
	svsm_diag_ca_lost_exit();
err_stats:
	svsm_diag_stats_exit();
	return ret;
}

static void __exit svsm_diag_exit(void)
{
	misc_deregister(&svsm_diag_misc);
	if (svsm_backend == SVSM_DIAG_BACKEND_EMULATED)
		svsm_diag_emu_exit();
	debugfs_remove_recursive(svsm_diag_debugfs);
	svsm_diag_ca_lost_exit();
	svsm_diag_stats_exit();
}

module_init(svsm_diag_init);
module_exit(svsm_diag_exit);

MODULE_AUTHOR("The svsmctl authors");
MODULE_DESCRIPTION("SVSM diagnostic driver for AMD SEV-SNP guests");
MODULE_LICENSE("GPL");
MODULE_VERSION(SVSM_DIAG_VERSION);
