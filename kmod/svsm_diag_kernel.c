// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: what the kernel's own SEV-SNP code exports to a module.
 *
 * Kept apart because <asm/sev.h> defines SVSM and GHCB constants under the
 * same names as svsm_spec.h, which the rest of the module uses.
 */
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/platform_device.h>
#include <linux/types.h>
#include <asm/sev.h>

#include "compat.h"
#include "svsm_diag_kernel.h"

#if SVSM_DIAG_SNP_TRANSPORT

/* The VMPL Linux runs at; non-zero means it runs under an SVSM (6.11+). */
unsigned int svsm_diag_kernel_vmpl(void)
{
	return snp_vmpl;
}

/*
 * The secrets page GPA is the platform data of the "sev-guest" device the
 * kernel registers for SNP guests.
 */
int svsm_diag_kernel_secrets_gpa(u64 *gpa)
{
	struct sev_guest_platform_data *data;
	struct device *dev;
	int ret = -ENODEV;

	dev = bus_find_device_by_name(&platform_bus_type, NULL, "sev-guest");
	if (!dev)
		return -ENODEV;
	data = dev_get_platdata(dev);
	if (data && data->secrets_gpa) {
		*gpa = data->secrets_gpa;
		ret = 0;
	}
	put_device(dev);
	return ret;
}

#else

unsigned int svsm_diag_kernel_vmpl(void)
{
	return 0;
}

int svsm_diag_kernel_secrets_gpa(u64 *gpa)
{
	return -ENODEV;
}

#endif
