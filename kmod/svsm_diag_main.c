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

static bool svsm_diag_allow_unsafe_calls;
module_param_named(allow_unsafe_calls, svsm_diag_allow_unsafe_calls, bool, 0444);
MODULE_PARM_DESC(allow_unsafe_calls,
		 "SEV-SNP backend: let CALL issue calls that change guest or SVSM state (default N)");

static bool svsm_diag_allow_remap_test;
module_param_named(allow_remap_test, svsm_diag_allow_remap_test, bool, 0444);
MODULE_PARM_DESC(allow_remap_test, "SEV-SNP backend: allow the REMAP_CA_TEST self-test (default N)");

/* Chosen at load, read-only afterwards. */
static struct svsm_diag_dev svsm_dev = { .backend = SVSM_DIAG_BACKEND_NONE };

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

/* The ABI, pinned here as lib/src/device.cpp pins it in userspace. */
static_assert(sizeof(struct svsm_diag_info) == 128);
static_assert(sizeof(struct svsm_diag_cpu) == 72);
static_assert(sizeof(struct svsm_diag_call) == 120);
static_assert(sizeof(struct svsm_diag_remap_test) == 104);
static_assert(sizeof(struct svsm_diag_attest) == 184);
static_assert(offsetof(struct svsm_diag_cpu, cpu) == offsetof(struct svsm_diag_head, cpu));
static_assert(offsetof(struct svsm_diag_call, cpu) == offsetof(struct svsm_diag_head, cpu));
static_assert(offsetof(struct svsm_diag_remap_test, cpu) == offsetof(struct svsm_diag_head, cpu));
static_assert(offsetof(struct svsm_diag_attest, cpu) == offsetof(struct svsm_diag_head, cpu));

/* Every command, indexed by _IOC_NR: a new one is one row and one file. */
static const struct svsm_diag_ioctl *const svsm_diag_ioctls[] = {
	[_IOC_NR(SVSM_DIAG_GET_INFO)] = &svsm_diag_ioctl_info,
	[_IOC_NR(SVSM_DIAG_GET_CPU)] = &svsm_diag_ioctl_cpu,
	[_IOC_NR(SVSM_DIAG_CALL)] = &svsm_diag_ioctl_call,
	[_IOC_NR(SVSM_DIAG_REMAP_CA_TEST)] = &svsm_diag_ioctl_remap,
	[_IOC_NR(SVSM_DIAG_ATTEST)] = &svsm_diag_ioctl_attest,
};

/*
 * Every entry of each command, refused ones included, for debugfs "ioctls":
 * tests count the round trips a tool makes.
 */
static atomic64_t svsm_diag_ioctl_count[ARRAY_SIZE(svsm_diag_ioctls)];
static struct dentry *svsm_diag_debugfs;

static int svsm_diag_ioctls_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svsm_diag_ioctls); i++)
		seq_printf(m, "%s %lld\n", svsm_diag_ioctls[i]->name,
			   (long long)atomic64_read(&svsm_diag_ioctl_count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svsm_diag_ioctls);

static bool svsm_diag_cpu_allowed(u32 cpu, u32 rules)
{
	if ((rules & SVSM_DIAG_IOCTL_ANY_CPU) && cpu == SVSM_DIAG_ANY_CPU)
		return true;
	if (cpu >= nr_cpu_ids)
		return false;
	return rules & SVSM_DIAG_IOCTL_CPU_ONLINE ? cpu_online(cpu) : cpu_possible(cpu);
}

/*
 * One path for every command: privilege, the argument, an SVSM, the CPU,
 * then the command's own work. The checks come in this order so that each
 * invalid input has one errno (svsm_diag(4)).
 */
static long svsm_diag_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);
	const struct svsm_diag_ioctl *io;
	union {
		struct svsm_diag_head head;
		struct svsm_diag_info info;
		struct svsm_diag_cpu cpu;
		struct svsm_diag_call call;
		struct svsm_diag_remap_test remap;
		struct svsm_diag_attest attest;
	} karg;
	bool privileged = true, asked = false;
	u32 usize;
	int ret, out;

	if (nr >= ARRAY_SIZE(svsm_diag_ioctls) || cmd != svsm_diag_ioctls[nr]->cmd)
		return -ENOTTY;
	io = svsm_diag_ioctls[nr];
	atomic64_inc(&svsm_diag_ioctl_count[nr]);

	if (io->rules & SVSM_DIAG_IOCTL_ADMIN) {
		privileged = capable(CAP_SYS_ADMIN);
		if (!privileged && !io->open_to_all)
			return -EPERM;
	}
	ret = svsm_diag_copy_in(&karg, io->size, uarg, &usize);
	if (!ret)
		ret = io->check(&karg);
	if (ret)
		return ret;
	if (!privileged && !io->open_to_all(&karg))
		return -EPERM;
	if ((io->rules & SVSM_DIAG_IOCTL_SVSM) && svsm_dev.backend == SVSM_DIAG_BACKEND_NONE)
		return -ENODEV;
	if ((io->rules & (SVSM_DIAG_IOCTL_CPU_POSSIBLE | SVSM_DIAG_IOCTL_CPU_ONLINE)) &&
	    !svsm_diag_cpu_allowed(karg.head.cpu, io->rules))
		return -ENXIO;

	ret = io->run(&svsm_dev, &karg, &asked);
	if (ret && !asked)
		return ret;
	out = svsm_diag_copy_out(uarg, &karg, io->size, usize);
	return out ? out : ret;
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
	ret = svsm_diag_emu_start(remapped, svsm_diag_debugfs, &svsm_dev.info);
	if (ret)
		goto err;
	svsm_dev.backend = SVSM_DIAG_BACKEND_EMULATED;
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
	if (!svsm_diag_snp_probe(&svsm_dev.info, &svsm_dev.reason)) {
#if SVSM_DIAG_SNP_TRANSPORT
		svsm_diag_engine_start(&svsm_diag_snp_transport, svsm_diag_max_retries);
		svsm_dev.backend = SVSM_DIAG_BACKEND_SNP;
		return 0;
#endif
	}
	if (!strcmp(backend, "snp")) {
		pr_err("backend=snp: %s\n", svsm_diag_reasons[svsm_dev.reason]);
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
	svsm_dev.sev_status_valid = !svsm_diag_rdmsr_safe(SEV_STATUS_MSR, &svsm_dev.sev_status);

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
	svsm_dev.max_retries = svsm_diag_max_retries;
	/* Real hardware runs state-changing calls and the remap test only if allowed. */
	if (svsm_dev.backend != SVSM_DIAG_BACKEND_SNP || svsm_diag_allow_unsafe_calls)
		svsm_dev.policy |= SVSM_DIAG_POLICY_UNSAFE_CALLS;
	if (svsm_dev.backend != SVSM_DIAG_BACKEND_SNP || svsm_diag_allow_remap_test)
		svsm_dev.policy |= SVSM_DIAG_POLICY_REMAP_TEST;
	ret = misc_register(&svsm_diag_misc);
	if (ret)
		goto err_backend;

	if (svsm_dev.backend == SVSM_DIAG_BACKEND_NONE)
		pr_info("loaded without an SVSM: %s\n", svsm_diag_reasons[svsm_dev.reason]);
	else
		pr_info("loaded, %s backend, guest at VMPL%u\n",
			svsm_dev.backend == SVSM_DIAG_BACKEND_SNP ? "SEV-SNP" : "emulated SVSM",
			svsm_dev.info.vmpl);
	return 0;

err_backend:
	if (svsm_dev.backend == SVSM_DIAG_BACKEND_EMULATED)
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
	if (svsm_dev.backend == SVSM_DIAG_BACKEND_EMULATED)
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
