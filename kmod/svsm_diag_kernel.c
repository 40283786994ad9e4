// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm_diag: what the kernel's own SEV-SNP code offers a module.
 *
 * Kept apart because <asm/sev.h> defines SVSM and GHCB constants under the
 * same names as svsm_spec.h, which the rest of the module uses. Which of
 * these the kernel has is found by the header probes in Kbuild (compat.h).
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/platform_device.h>
#include <linux/string.h>
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

#if defined(SVSM_DIAG_HAVE_SEV_GUEST_PDATA)
/*
 * Up to 6.13 the secrets page GPA is the platform data of the "sev-guest"
 * device the kernel registers for SNP guests; map it as sev-guest does.
 */
int svsm_diag_kernel_read_secrets(u8 *buf, size_t offset, size_t len)
{
	struct sev_guest_platform_data *data;
	void __iomem *page;
	struct device *dev;
	u64 gpa = 0;

	dev = bus_find_device_by_name(&platform_bus_type, NULL, "sev-guest");
	if (!dev)
		return -ENODEV;
	data = dev_get_platdata(dev);
	if (data)
		gpa = data->secrets_gpa;
	put_device(dev);
	if (!gpa)
		return -ENODEV;

	page = ioremap_encrypted(gpa, PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	memcpy_fromio(buf, page + offset, len);
	iounmap(page);
	return 0;
}
#elif defined(SVSM_DIAG_HAVE_SNP_MSG_ALLOC)
/*
 * Since 6.14 the platform data is gone and the SNP guest messaging routines
 * are exported instead: their descriptor maps the secrets page.
 */
int svsm_diag_kernel_read_secrets(u8 *buf, size_t offset, size_t len)
{
	struct snp_msg_desc *mdesc = snp_msg_alloc();

	if (IS_ERR_OR_NULL(mdesc))
		return mdesc ? PTR_ERR(mdesc) : -ENODEV;
	memcpy_fromio(buf, (void __iomem *)mdesc->secrets + offset, len);
	snp_msg_free(mdesc);
	return 0;
}
#else
/* Neither: the SVSM's fields stay unknown; snp_vmpl alone proves an SVSM. */
int svsm_diag_kernel_read_secrets(u8 *buf, size_t offset, size_t len)
{
	return -EOPNOTSUPP;
}
#endif

#ifdef SVSM_DIAG_HAVE_SVSM_ATTEST_REQ
bool svsm_diag_kernel_has_attest(void)
{
	return true;
}

/*
 * Attestation the way the kernel's configfs-tsm path does it: the kernel
 * copies the request into this CPU's CA and calls the SVSM with the
 * per-CPU GHCB, which is safe against NMIs. It retries BUSY itself.
 */
int svsm_diag_kernel_attest(const struct svsm_diag_kernel_attest *req,
			    struct svsm_diag_kernel_result *res)
{
	struct svsm_attest_call ac = {
		.report_buf = { .pa = req->report_gpa, .len = req->report_len },
		.nonce = { .pa = req->nonce_gpa, .len = req->nonce_len },
		.manifest_buf = { .pa = req->manifest_gpa, .len = req->manifest_len },
		.certificates_buf = { .pa = req->certs_gpa, .len = req->certs_len },
		.service_manifest_ver = req->manifest_version,
	};
	struct svsm_call call = {};
	u64 id;
	int ret;

	if (req->service_guid)
		memcpy(ac.service_guid, req->service_guid, sizeof(ac.service_guid));
	id = req->service_guid ? SVSM_ATTEST_CALL(SVSM_ATTEST_SINGLE_SERVICE) :
				 SVSM_ATTEST_CALL(SVSM_ATTEST_SERVICES);
	ret = snp_issue_svsm_attest_req(id, &call, &ac);

	/*
	 * The kernel returns -EINVAL both for an error result and for a call
	 * the SVSM never serviced; only then does RAX still hold the request.
	 */
	res->rax = call.rax_out;
	res->rcx = call.rcx_out;
	res->rdx = call.rdx_out;
	res->r8 = call.r8_out;
	res->serviced = !ret || lower_32_bits(call.rax_out) != lower_32_bits(id);
	return ret;
}
#else
bool svsm_diag_kernel_has_attest(void)
{
	return false;
}

int svsm_diag_kernel_attest(const struct svsm_diag_kernel_attest *req,
			    struct svsm_diag_kernel_result *res)
{
	return -EOPNOTSUPP;
}
#endif

#ifdef SVSM_DIAG_HAVE_SVSM_VTPM_CMD
bool svsm_diag_kernel_has_vtpm_cmd(void)
{
	return true;
}

/* A vTPM command through the kernel (6.16+); @page is a direct-map page. */
int svsm_diag_kernel_vtpm_cmd(u8 *page)
{
	return snp_svsm_vtpm_send_command(page);
}
#else
bool svsm_diag_kernel_has_vtpm_cmd(void)
{
	return false;
}

int svsm_diag_kernel_vtpm_cmd(u8 *page)
{
	return -EOPNOTSUPP;
}
#endif

#else /* !SVSM_DIAG_SNP_TRANSPORT */

unsigned int svsm_diag_kernel_vmpl(void)
{
	return 0;
}

int svsm_diag_kernel_read_secrets(u8 *buf, size_t offset, size_t len)
{
	return -EOPNOTSUPP;
}

bool svsm_diag_kernel_has_attest(void)
{
	return false;
}

int svsm_diag_kernel_attest(const struct svsm_diag_kernel_attest *req,
			    struct svsm_diag_kernel_result *res)
{
	return -EOPNOTSUPP;
}

bool svsm_diag_kernel_has_vtpm_cmd(void)
{
	return false;
}

int svsm_diag_kernel_vtpm_cmd(u8 *page)
{
	return -EOPNOTSUPP;
}

#endif /* SVSM_DIAG_SNP_TRANSPORT */
