// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: SVSM_DIAG_GET_CPU, one CPU as the SVSM sees it: its Calling
 * Areas, whether one is lost, and the module's counters for it.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/percpu.h>
#include <linux/stddef.h>
#include <asm/apic.h>

#include "svsm_diag.h"

static int svsm_diag_cpu_check(const void *data)
{
	const struct svsm_diag_cpu *arg = data;

	if (arg->flags ||
	    !svsm_diag_zero_from(arg, sizeof(*arg), offsetof(struct svsm_diag_cpu, state)))
		return -EINVAL;
	return 0;
}

static int svsm_diag_cpu_run(const struct svsm_diag_dev *dev, void *data, bool *asked)
{
	struct svsm_diag_cpu *arg = data;
	struct svsm_diag_cpu_stats *st;
	u64 ca = 0, initial = 0;

	if (cpu_online(arg->cpu))
		arg->state |= SVSM_DIAG_CPU_ONLINE;
	if (svsm_diag_ca_is_lost(arg->cpu))
		arg->state |= SVSM_DIAG_CPU_CA_LOST;
	arg->apic_id = per_cpu(x86_cpu_to_apicid, arg->cpu);

	arg->state |= svsm_diag_xp()->cpu_ca(arg->cpu, &ca, &initial);
	if (capable(CAP_SYS_ADMIN)) {
		arg->ca_gpa = ca;
		arg->initial_ca_gpa = initial;
	} else {
		arg->state |= SVSM_DIAG_CPU_ADDRS_HIDDEN;
	}

	st = svsm_diag_stats(arg->cpu);
	arg->calls = READ_ONCE(st->calls);
	arg->retries = READ_ONCE(st->retries);
	arg->errors = READ_ONCE(st->errors);
	arg->unserviced = READ_ONCE(st->unserviced);
	if (READ_ONCE(st->last_valid)) {
		arg->state |= SVSM_DIAG_CPU_LAST_VALID;
		arg->last_result = READ_ONCE(st->last_result);
	}
	return 0;
}

/* Any possible CPU, offline ones too: their CA and counters stay. */
const struct svsm_diag_ioctl svsm_diag_ioctl_cpu = {
	.cmd = SVSM_DIAG_GET_CPU,
	.name = "GET_CPU",
	.size = sizeof(struct svsm_diag_cpu),
	.rules = SVSM_DIAG_IOCTL_SVSM | SVSM_DIAG_IOCTL_CPU_POSSIBLE,
	.check = svsm_diag_cpu_check,
	.run = svsm_diag_cpu_run,
};
