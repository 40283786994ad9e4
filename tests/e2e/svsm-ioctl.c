// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm-ioctl: issue one raw svsm_diag ioctl with every field under the
 * caller's control, and print the struct that came back as JSON. The e2e
 * tests use it to send exactly one invalid field at a time.
 *
 *   svsm-ioctl COMMAND [FIELD=VALUE]...
 *   COMMAND: info, cpu, call, remap, attest
 *   FIELD:   any struct field by name (report.len, step... are nested),
 *            plus: cmd=N (ioctl number), tail=N (a byte after the struct,
 *            for size tests), data=HEX (CALL buffer), report_cap=N,
 *            manifest_cap=N, certs_cap=N (ATTEST buffers), repeat=N or
 *            seconds=N (repeat; the output then also counts each errno
 *            and gives the loop's elapsed_ns),
 *            arg=null|unmapped|readonly (a bad pointer to the struct).
 *   VALUE:   a number (decimal or 0x hex), HEX bytes for byte arrays, or
 *            for address fields: unmapped, readonly, kernel.
 *
 * Every errno is counted in full. One that the command's contract (the top
 * of the uapi header, svsm_diag(4)) does not list, kernel-internal ones
 * above 255 (ERESTARTSYS, EPROBE_DEFER...) included, is counted in
 * "outside_contract" and makes the exit status 3: it is never OK or EIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/svsm_diag.h>

struct field {
	const char *name;
	size_t offset;
	size_t size;
	int bytes;		/* a byte array, printed and parsed as hex */
};

#define F(type, member) { #member, offsetof(type, member), sizeof(((type *)0)->member), 0 }
#define FB(type, member) { #member, offsetof(type, member), sizeof(((type *)0)->member), 1 }
#define FN(type, name, member) { name, offsetof(type, member), sizeof(((type *)0)->member), 0 }

static const struct field info_fields[] = {
	F(struct svsm_diag_info, size), F(struct svsm_diag_info, flags),
	F(struct svsm_diag_info, abi_version), F(struct svsm_diag_info, backend),
	F(struct svsm_diag_info, reason), F(struct svsm_diag_info, valid),
	F(struct svsm_diag_info, features), F(struct svsm_diag_info, sev_status),
	F(struct svsm_diag_info, svsm_base), F(struct svsm_diag_info, svsm_size),
	F(struct svsm_diag_info, svsm_caa), F(struct svsm_diag_info, svsm_max_version),
	F(struct svsm_diag_info, vmpl), F(struct svsm_diag_info, nr_cpu_ids),
	F(struct svsm_diag_info, nr_possible), F(struct svsm_diag_info, nr_online),
	F(struct svsm_diag_info, max_retries), F(struct svsm_diag_info, policy),
	F(struct svsm_diag_info, rsvd), FB(struct svsm_diag_info, module_version),
	{ NULL }
};

static const struct field cpu_fields[] = {
	F(struct svsm_diag_cpu, size), F(struct svsm_diag_cpu, flags),
	F(struct svsm_diag_cpu, cpu), F(struct svsm_diag_cpu, state),
	F(struct svsm_diag_cpu, apic_id), F(struct svsm_diag_cpu, last_result),
	F(struct svsm_diag_cpu, ca_gpa), F(struct svsm_diag_cpu, initial_ca_gpa),
	F(struct svsm_diag_cpu, calls), F(struct svsm_diag_cpu, retries),
	F(struct svsm_diag_cpu, errors), F(struct svsm_diag_cpu, unserviced),
	{ NULL }
};

static const struct field call_fields[] = {
	F(struct svsm_diag_call, size), F(struct svsm_diag_call, flags),
	F(struct svsm_diag_call, cpu), F(struct svsm_diag_call, protocol),
	F(struct svsm_diag_call, call_id), F(struct svsm_diag_call, buf_reg),
	F(struct svsm_diag_call, rcx), F(struct svsm_diag_call, rdx),
	F(struct svsm_diag_call, r8), F(struct svsm_diag_call, r9),
	F(struct svsm_diag_call, buf_addr), F(struct svsm_diag_call, buf_len),
	F(struct svsm_diag_call, result), F(struct svsm_diag_call, rax_out),
	F(struct svsm_diag_call, rcx_out), F(struct svsm_diag_call, rdx_out),
	F(struct svsm_diag_call, r8_out), F(struct svsm_diag_call, r9_out),
	F(struct svsm_diag_call, status), F(struct svsm_diag_call, retries),
	{ NULL }
};

#define STEP(i) \
	FN(struct svsm_diag_remap_test, "step" #i ".result", step[i].result), \
	FN(struct svsm_diag_remap_test, "step" #i ".status", step[i].status), \
	FN(struct svsm_diag_remap_test, "step" #i ".error", step[i].error), \
	FN(struct svsm_diag_remap_test, "step" #i ".rsvd", step[i].rsvd)

static const struct field remap_fields[] = {
	F(struct svsm_diag_remap_test, size), F(struct svsm_diag_remap_test, flags),
	F(struct svsm_diag_remap_test, cpu), F(struct svsm_diag_remap_test, steps_done),
	F(struct svsm_diag_remap_test, orig_ca), F(struct svsm_diag_remap_test, test_ca),
	F(struct svsm_diag_remap_test, outcome), F(struct svsm_diag_remap_test, rsvd),
	STEP(0), STEP(1), STEP(2), STEP(3),
	{ NULL }
};

#define BUF(b) \
	FN(struct svsm_diag_attest, #b ".addr", b.addr), \
	FN(struct svsm_diag_attest, #b ".len", b.len), \
	FN(struct svsm_diag_attest, #b ".used", b.used), \
	FN(struct svsm_diag_attest, #b ".rsvd0", b.rsvd[0]), \
	FN(struct svsm_diag_attest, #b ".rsvd1", b.rsvd[1])

static const struct field attest_fields[] = {
	F(struct svsm_diag_attest, size), F(struct svsm_diag_attest, flags),
	F(struct svsm_diag_attest, cpu), F(struct svsm_diag_attest, manifest_version),
	FB(struct svsm_diag_attest, service_guid), FB(struct svsm_diag_attest, nonce),
	BUF(report), BUF(manifest), BUF(certs),
	F(struct svsm_diag_attest, result), F(struct svsm_diag_attest, status),
	F(struct svsm_diag_attest, attempts), F(struct svsm_diag_attest, rsvd),
	{ NULL }
};

struct command {
	const char *name;
	unsigned long cmd;
	size_t size;
	const struct field *fields;
	const int *errnos;	/* the contract: every errno it may return, 0-terminated */
};

/* The uapi header's contract, command by command (0 is always allowed). */
static const int info_errnos[] = { EFAULT, EINVAL, E2BIG, 0 };
static const int cpu_errnos[] = { EFAULT, EINVAL, E2BIG, ENXIO, ENODEV, 0 };
static const int call_errnos[] = {
	EIO, EBUSY, ECOMM, EREMOTEIO, EAGAIN, EHOSTDOWN, ENXIO, EPERM, ENODEV, EFAULT, ENOMEM,
	EINVAL, E2BIG, 0
};
static const int attest_errnos[] = {
	EIO, EBUSY, ECOMM, EREMOTEIO, EAGAIN, ENXIO, EPERM, ENODEV, EFAULT, ENOMEM, EINVAL, E2BIG,
	ENOSPC, EPROTO, 0
};

static const struct command commands[] = {
	{ "info", SVSM_DIAG_GET_INFO, sizeof(struct svsm_diag_info), info_fields, info_errnos },
	{ "cpu", SVSM_DIAG_GET_CPU, sizeof(struct svsm_diag_cpu), cpu_fields, cpu_errnos },
	{ "call", SVSM_DIAG_CALL, sizeof(struct svsm_diag_call), call_fields, call_errnos },
	{ "remap", SVSM_DIAG_REMAP_CA_TEST, sizeof(struct svsm_diag_remap_test), remap_fields,
	  call_errnos },
	{ "attest", SVSM_DIAG_ATTEST, sizeof(struct svsm_diag_attest), attest_fields,
	  attest_errnos },
	{ NULL }
};

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "svsm-ioctl: %s: %s\n", what, arg);
	exit(2);
}

/* kernel, unmapped, readonly or writable: an address of that kind; else 0. */
static uint64_t special_address(const char *v)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!strcmp(v, "kernel"))
		return 0xffffffff81000000ULL;
	if (strcmp(v, "unmapped") && strcmp(v, "readonly") && strcmp(v, "writable"))
		return 0;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap", strerror(errno));
	memset(p, 0, page);
	if (!strcmp(v, "unmapped"))
		munmap(p, page);
	else if (!strcmp(v, "readonly"))
		mprotect(p, page, PROT_READ);
	return (uintptr_t)p;
}

static uint64_t number(const char *v)
{
	uint64_t special = special_address(v);
	char *end;

	if (special)
		return special;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 0);
	if (errno || *end || !*v)
		die("not a number", v);
	return n;
}

static size_t hex_bytes(const char *v, uint8_t *out, size_t max)
{
	size_t n = strlen(v) / 2, i;

	if (strlen(v) % 2 || n > max)
		die("bad hex (even length, fits the field)", v);
	for (i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(v + 2 * i, "%2x", &b) != 1)
			die("bad hex", v);
		out[i] = b;
	}
	return n;
}

static void put(uint8_t *s, const struct field *f, uint64_t v)
{
	switch (f->size) {
	case 1: { uint8_t x = v; memcpy(s + f->offset, &x, 1); break; }
	case 2: { uint16_t x = v; memcpy(s + f->offset, &x, 2); break; }
	case 4: { uint32_t x = v; memcpy(s + f->offset, &x, 4); break; }
	default: memcpy(s + f->offset, &v, 8);
	}
}

static uint64_t get(const uint8_t *s, const struct field *f)
{
	uint64_t v = 0;

	memcpy(&v, s + f->offset, f->size > 8 ? 8 : f->size);
	if (f->size == 4)
		v &= 0xffffffffULL;
	return v;
}

static void print_hex(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('"');
}

static const struct field *find(const struct field *fields, const char *name)
{
	for (; fields->name; fields++)
		if (!strcmp(fields->name, name))
			return fields;
	return NULL;
}

/*
 * May this ioctl return @err? Numbers other than the command's own (cmd=N)
 * may also say ENOTTY.
 */
static bool in_contract(const struct command *c, unsigned long cmd, int err)
{
	if (!err || (cmd != c->cmd && err == ENOTTY))
		return true;
	for (const int *e = c->errnos; *e; e++)
		if (*e == err)
			return true;
	return false;
}

static const char *errno_name(int e)
{
	static char buf[16];
	const char *name = e ? strerrorname_np(e) : "OK";

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", e);	/* kernel-internal: no libc name */
	return buf;
}

#define MAX_COUNTED_ERRNO 4096	/* the kernel's MAX_ERRNO + 1 */

static uint8_t *alloc_buf(size_t n)
{
	uint8_t *p = calloc(1, n ? n : 1);

	if (!p)
		die("calloc", "out of memory");
	return p;
}

int main(int argc, char **argv)
{
	const struct command *c;
	uint8_t *s, *pristine, *data = NULL, *report = NULL, *manifest = NULL, *certs = NULL;
	size_t data_len = 0, report_cap = 0, manifest_cap = 0, certs_cap = 0;
	unsigned long cmd;
	long repeat = 1, seconds = 0, i;
	static long counts[MAX_COUNTED_ERRNO + 1];	/* the last: anything larger */
	long outside = 0;
	struct timespec start, now;
	int fd, rc = 0, err = 0, tail = -1;
	const char *arg_kind = NULL;
	void *arg;
	const char *dev = getenv("SVSM_DIAG_DEVICE") ? getenv("SVSM_DIAG_DEVICE") : "/dev/svsm_diag";

	if (argc < 2)
		die("usage", "svsm-ioctl info|cpu|call|remap|attest [FIELD=VALUE]...");
	for (c = commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			break;
	if (!c->name)
		die("unknown command", argv[1]);

	/* Room past the struct for size tests. */
	s = alloc_buf(8192);
	pristine = alloc_buf(8192);
	cmd = c->cmd;
	put(s, &(struct field){ "size", 0, 4, 0 }, c->size);

	for (int a = 2; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		const struct field *f;

		if (!eq)
			die("expected FIELD=VALUE", argv[a]);
		*eq = '\0';
		const char *name = argv[a], *val = eq + 1;

		if (!strcmp(name, "cmd")) {
			cmd = number(val);
		} else if (!strcmp(name, "tail")) {
			tail = number(val);
		} else if (!strcmp(name, "arg")) {
			arg_kind = val;
		} else if (!strcmp(name, "repeat")) {
			repeat = number(val);
		} else if (!strcmp(name, "seconds")) {
			seconds = number(val);
			repeat = LONG_MAX;
		} else if (!strcmp(name, "data")) {
			data = alloc_buf(strlen(val) / 2);
			data_len = hex_bytes(val, data, strlen(val) / 2);
			put(s, find(call_fields, "buf_addr"), (uintptr_t)data);
			put(s, find(call_fields, "buf_len"), data_len);
		} else if (!strcmp(name, "report_cap")) {
			report_cap = number(val);
			report = alloc_buf(report_cap);
			put(s, find(attest_fields, "report.addr"), (uintptr_t)report);
			put(s, find(attest_fields, "report.len"), report_cap);
		} else if (!strcmp(name, "manifest_cap")) {
			manifest_cap = number(val);
			manifest = alloc_buf(manifest_cap);
			put(s, find(attest_fields, "manifest.addr"), (uintptr_t)manifest);
			put(s, find(attest_fields, "manifest.len"), manifest_cap);
		} else if (!strcmp(name, "certs_cap")) {
			certs_cap = number(val);
			certs = alloc_buf(certs_cap);
			put(s, find(attest_fields, "certs.addr"), (uintptr_t)certs);
			put(s, find(attest_fields, "certs.len"), certs_cap);
		} else if ((f = find(c->fields, name))) {
			if (f->bytes)
				hex_bytes(val, s + f->offset, f->size);
			else
				put(s, f, number(val));
		} else {
			die("unknown field", name);
		}
	}
	if (tail >= 0)
		s[c->size] = tail;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("{\"open_errno\": %d, \"errno_name\": \"%s\"}\n", errno, errno_name(errno));
		return 1;
	}
	arg = s;
	if (arg_kind) {
		if (!strcmp(arg_kind, "null"))
			arg = NULL;
		else if (!strcmp(arg_kind, "unmapped"))
			arg = (void *)(uintptr_t)special_address("unmapped");
		else if (!strcmp(arg_kind, "readonly")) {
			/* The struct, valid, on a page the kernel cannot write back to. */
			arg = (void *)(uintptr_t)special_address("writable");
			memcpy(arg, s, 4096);
			mprotect(arg, sysconf(_SC_PAGESIZE), PROT_READ);
		} else
			die("arg must be null, unmapped or readonly", arg_kind);
	}
	/* Each repetition starts from the same input: outputs must come in zero. */
	memcpy(pristine, s, 8192);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < repeat; i++) {
		if (arg == s)
			memcpy(s, pristine, 8192);
		rc = ioctl(fd, cmd, arg);
		err = rc ? errno : 0;
		counts[err < MAX_COUNTED_ERRNO ? err : MAX_COUNTED_ERRNO]++;
		if (!in_contract(c, cmd, err))
			outside++;
		if (seconds) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= seconds)
				break;
		}
	}

	printf("{\"rc\": %d, \"errno\": %d, \"errno_name\": \"%s\", \"outside_contract\": %ld",
	       rc, err, err ? errno_name(err) : "", outside);
	if (repeat > 1) {
		const char *sep = "";

		clock_gettime(CLOCK_MONOTONIC, &now);
		printf(", \"ioctls\": %ld, \"elapsed_ns\": %lld, \"errnos\": {", i < repeat ? i + 1 : i,
		       (now.tv_sec - start.tv_sec) * 1000000000LL + now.tv_nsec - start.tv_nsec);
		for (int e = 0; e <= MAX_COUNTED_ERRNO; e++) {
			if (!counts[e])
				continue;
			if (e == MAX_COUNTED_ERRNO)
				printf("%s\"E4096+\": %ld", sep, counts[e]);
			else
				printf("%s\"%s\": %ld", sep, errno_name(e), counts[e]);
			sep = ", ";
		}
		printf("}");
	}
	for (const struct field *f = c->fields; f->name; f++) {
		printf(", \"%s\": ", f->name);
		if (f->bytes)
			print_hex(s + f->offset, f->size);
		else
			printf("%llu", (unsigned long long)get(s, f));
	}
	if (data) {
		printf(", \"data\": ");
		print_hex(data, data_len);
	}
	if (report) {
		const struct field *used = find(attest_fields, "report.used");
		uint64_t n = get(s, used);

		printf(", \"report\": ");
		print_hex(report, n <= report_cap ? n : 0);
		n = get(s, find(attest_fields, "manifest.used"));
		printf(", \"manifest\": ");
		print_hex(manifest ? manifest : report, manifest && n <= manifest_cap ? n : 0);
		n = get(s, find(attest_fields, "certs.used"));
		printf(", \"certs\": ");
		print_hex(certs ? certs : report, certs && n <= certs_cap ? n : 0);
	}
	printf("}\n");
	close(fd);
	if (outside)
		fprintf(stderr, "svsm-ioctl: %ld ioctl(s) returned an errno outside the contract of %s\n",
			outside, c->name);
	return outside ? 3 : 0;
}
