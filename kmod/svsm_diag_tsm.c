// SPDX-License-Identifier: GPL-2.0-only
/*
 * configfs-tsm report provider for the emulated backend.
 *
 * On kernels with configfs-tsm (/sys/kernel/config/tsm/report), the emulated
 * SVSM registers as the TSM report provider, so that the kernel's own
 * configfs-tsm code (its attributes, privlevel_floor and generation counter)
 * sits between userspace and the emulator, as sev-guest does on a real
 * SEV-SNP guest. Only the SVSM service provider is offered
 * (service_provider=svsm): a report is the emulated SVSM's attestation
 * (ATTEST_SERVICES, or ATTEST_SINGLE_SERVICE when service_guid is set) over
 * inblob as the nonce; outblob is the report, manifestblob the manifest and
 * auxblob the certificate table.
 *
 * The TSM module is reached through symbol_request(), so svsm_diag gains no
 * hard dependency on it: without it, or with another provider registered,
 * svsm_diag works as before and configfs-tsm stays the other provider's.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "svsm_diag.h"

#if SVSM_DIAG_TSM

#include <linux/tsm.h>

static const struct SVSM_DIAG_TSM_OPS *svsm_diag_tsm_registered;

/* Expands the compat name first: symbol_request() stringifies its argument. */
#define svsm_diag_symbol_request(sym)	symbol_request(sym)

/*
 * svsm_diag_do_attest() copies its results to user memory (it serves the
 * ioctl), so stage them in an anonymous mapping of the calling process,
 * the one reading outblob, and copy them from there.
 */
struct svsm_diag_tsm_stage {
	unsigned long base;
	size_t len;
};

#define SVSM_DIAG_TSM_REPORT_MAX	PAGE_SIZE
#define SVSM_DIAG_TSM_BLOB_MAX		SVSM_DIAG_ATTEST_BUF_MAX

static int svsm_diag_tsm_blob(const struct svsm_diag_buf *b, u8 **blob, size_t *len)
{
	u8 *p;

	*blob = NULL;
	*len = 0;
	if (!b->used)
		return 0;
	p = kvmalloc(b->used, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	if (copy_from_user(p, u64_to_user_ptr(b->addr), b->used)) {
		kvfree(p);
		return -EFAULT;
	}
	*blob = p;
	*len = b->used;
	return 0;
}

static int svsm_diag_tsm_report_new(struct tsm_report *report, void *data)
{
	/* struct tsm_desc or struct tsm_report_desc, by kernel */
	const typeof(report->desc) *desc = &report->desc;
	struct svsm_diag_tsm_stage st;
	struct svsm_diag_attest *arg;
	int ret;

	/* The emulated SVSM is all there is: no report without it. */
	if (!desc->service_provider || strcmp(desc->service_provider, "svsm"))
		return -EINVAL;
	if (desc->inblob_len != SVSM_DIAG_NONCE_SIZE)
		return -EINVAL;
	if (!current->mm)
		return -EOPNOTSUPP;

	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	st.len = SVSM_DIAG_TSM_REPORT_MAX + 2 * SVSM_DIAG_TSM_BLOB_MAX;
	st.base = vm_mmap(NULL, 0, st.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(st.base)) {
		ret = (int)st.base;
		goto out_free;
	}

	arg->size = sizeof(*arg);
	arg->cpu = SVSM_DIAG_ANY_CPU;
	if (!guid_is_null(&desc->service_guid)) {
		arg->flags = SVSM_DIAG_ATTEST_SINGLE;
		arg->manifest_version = desc->service_manifest_version;
		/* guid_t holds the GUID in little-endian byte order, as the uapi wants. */
		memcpy(arg->service_guid, &desc->service_guid, sizeof(arg->service_guid));
	}
	memcpy(arg->nonce, desc->inblob, SVSM_DIAG_NONCE_SIZE);
	arg->report.addr = st.base;
	arg->report.len = SVSM_DIAG_TSM_REPORT_MAX;
	arg->manifest.addr = st.base + SVSM_DIAG_TSM_REPORT_MAX;
	arg->manifest.len = SVSM_DIAG_TSM_BLOB_MAX;
	arg->certs.addr = arg->manifest.addr + SVSM_DIAG_TSM_BLOB_MAX;
	arg->certs.len = SVSM_DIAG_TSM_BLOB_MAX;

	ret = svsm_diag_do_attest(arg);
	if (ret)
		goto out_unmap;

	ret = svsm_diag_tsm_blob(&arg->report, &report->outblob, &report->outblob_len);
	if (!ret)
		ret = svsm_diag_tsm_blob(&arg->manifest, &report->manifestblob,
					 &report->manifestblob_len);
	if (!ret)
		ret = svsm_diag_tsm_blob(&arg->certs, &report->auxblob, &report->auxblob_len);
	if (ret) {
		/* The TSM core frees the blobs only after success. */
		kvfree(report->outblob);
		kvfree(report->manifestblob);
		kvfree(report->auxblob);
		report->outblob = NULL;
		report->manifestblob = NULL;
		report->auxblob = NULL;
		report->outblob_len = 0;
		report->manifestblob_len = 0;
		report->auxblob_len = 0;
	}

out_unmap:
	vm_munmap(st.base, st.len);
out_free:
	kfree(arg);
	return ret;
}

static bool svsm_diag_tsm_visible(int n)
{
	return true;
}

static const struct SVSM_DIAG_TSM_OPS svsm_diag_tsm_ops = {
	.name = KBUILD_MODNAME,
	.report_new = svsm_diag_tsm_report_new,
	.report_attr_visible = svsm_diag_tsm_visible,
	.report_bin_attr_visible = svsm_diag_tsm_visible,
};

/* The ops with privlevel_floor set: the VMPL the emulated guest runs at. */
static struct SVSM_DIAG_TSM_OPS svsm_diag_tsm_ops_vmpl;

void svsm_diag_tsm_init(unsigned int vmpl)
{
	typeof(SVSM_DIAG_TSM_REGISTER) *reg;
	int ret;

	reg = svsm_diag_symbol_request(SVSM_DIAG_TSM_REGISTER);
	if (!reg) {
		pr_info("configfs-tsm is not available (no TSM module): no TSM report provider\n");
		return;
	}
	svsm_diag_tsm_ops_vmpl = svsm_diag_tsm_ops;
	svsm_diag_tsm_ops_vmpl.privlevel_floor = vmpl;
	ret = reg(&svsm_diag_tsm_ops_vmpl, NULL);
	if (ret) {
		symbol_put(SVSM_DIAG_TSM_REGISTER);
		/* -EBUSY: another provider (sev-guest, tdx-guest) has it. */
		pr_info("configfs-tsm: not registered as the report provider (%d)\n", ret);
		return;
	}
	/* The reference taken by symbol_request() keeps the TSM module until exit. */
	svsm_diag_tsm_registered = &svsm_diag_tsm_ops_vmpl;
	pr_info("configfs-tsm report provider for the emulated SVSM, privlevel_floor %u\n", vmpl);
}

void svsm_diag_tsm_exit(void)
{
	typeof(SVSM_DIAG_TSM_UNREGISTER) *unreg;

	if (!svsm_diag_tsm_registered)
		return;
	/* Still loaded: svsm_diag_tsm_init() kept a reference to it. */
	unreg = symbol_get(SVSM_DIAG_TSM_UNREGISTER);
	if (!WARN_ON(!unreg)) {
		unreg(svsm_diag_tsm_registered);
		symbol_put(SVSM_DIAG_TSM_UNREGISTER);
	}
	symbol_put(SVSM_DIAG_TSM_REGISTER);
	svsm_diag_tsm_registered = NULL;
}

#else /* !SVSM_DIAG_TSM */

void svsm_diag_tsm_init(unsigned int vmpl)
{
}

void svsm_diag_tsm_exit(void)
{
}

#endif
