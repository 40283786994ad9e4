// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM_DIAG_GET_INFO, what the module found at load: the backend
 * or why there is none, the SVSM, the CPUs and the policy.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "svsm_diag.h"
#include "svsm_diag_version.h"

#define SVSM_DIAG_FEATURES (SVSM_DIAG_FEAT_GET_CPU | SVSM_DIAG_FEAT_CALL |		\
			    SVSM_DIAG_FEAT_REMAP_CA_TEST | SVSM_DIAG_FEAT_ATTEST |	\
			    SVSM_DIAG_FEAT_EMULATOR | SVSM_DIAG_FEAT_FAULT_INJECTION |	\
			    (SVSM_DIAG_SNP_TRANSPORT ? SVSM_DIAG_FEAT_SNP_TRANSPORT : 0))

static int svsm_diag_info_check(const void *data)
{
	const struct svsm_diag_info *arg = data;

	if (arg->flags ||
	    !svsm_diag_zero_from(arg, sizeof(*arg), offsetof(struct svsm_diag_info, abi_version)))
		return -EINVAL;
	return 0;
}

static int svsm_diag_info_run(const struct svsm_diag_dev *dev, void *data, bool *asked)
{
	struct svsm_diag_info *arg = data;
	bool none = dev->backend == SVSM_DIAG_BACKEND_NONE;

	arg->abi_version = SVSM_DIAG_ABI_VERSION;
	arg->backend = dev->backend;
	arg->reason = dev->reason;
	arg->features = SVSM_DIAG_FEATURES;
	if (dev->sev_status_valid) {
		arg->valid |= SVSM_DIAG_INFO_SEV_STATUS;
		arg->sev_status = dev->sev_status;
	}
	if (!none || dev->reason == SVSM_DIAG_REASON_VMPL0 ||
	    dev->reason == SVSM_DIAG_REASON_NO_CA) {
		arg->valid |= SVSM_DIAG_INFO_VMPL;
		arg->vmpl = dev->info.vmpl;
	}
	if (!none && dev->info.secrets) {
		arg->valid |= SVSM_DIAG_INFO_SVSM;
		arg->svsm_size = dev->info.size;
		arg->svsm_max_version = dev->info.max_version;
		/* Physical addresses only for the privileged, as /proc/iomem. */
		if (!capable(CAP_SYS_ADMIN)) {
			arg->valid |= SVSM_DIAG_INFO_ADDRS_HIDDEN;
		} else {
			arg->svsm_base = dev->info.base;
			arg->svsm_caa = dev->info.caa;
		}
	}
	arg->nr_cpu_ids = nr_cpu_ids;
	arg->nr_possible = num_possible_cpus();
	arg->nr_online = num_online_cpus();
	arg->max_retries = dev->max_retries;
	arg->policy = dev->policy;
	strscpy(arg->module_version, SVSM_DIAG_VERSION, sizeof(arg->module_version));
	return 0;
}

const struct svsm_diag_ioctl svsm_diag_ioctl_info = {
	.cmd = SVSM_DIAG_GET_INFO,
	.name = "GET_INFO",
	.size = sizeof(struct svsm_diag_info),
	.check = svsm_diag_info_check,
	.run = svsm_diag_info_run,
};
