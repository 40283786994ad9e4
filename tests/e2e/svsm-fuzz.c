// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm-fuzz: random and structure-aware fuzzing of the svsm_diag ioctls.
 *
 *   svsm-fuzz [--iterations N] [--seed S] [--json] [--trace] [--threads T]
 *             [--unpriv-percent P] [--race-remap] [--device PATH]
 *
 * Each iteration issues one ioctl: a valid argument struct for one of the
 * five commands with one or more fields mutated (size, flags, reserved and
 * output fields, CPU ids, protocol/call, registers, buffer addresses and
 * lengths around the documented caps, the argument pointer itself), or an
 * unknown / wrongly sized ioctl number. The inputs depend only on the seed
 * (with --threads, thread 0 draws the single-threaded sequence and each
 * other thread its own).
 *
 * Oracles, each counted and reported:
 *  - an expectation per input (expect()): the contract in svsm_diag(4) and
 *    the top of the uapi header, applied in the driver's order of checks,
 *    names the rule an input breaks first and the exact errno it must get
 *    (EPERM, EFAULT, EINVAL, E2BIG, ENODEV, ENXIO, ENOTTY), or says the
 *    input is valid and may only get 0 or an errno of the SVSM's own
 *    (EIO, EBUSY, ECOMM, EREMOTEIO, ENOMEM; ATTEST also ENOSPC, EPROTO;
 *    EFAULT when a buffer or the struct cannot be written back). Counted
 *    apart: "invalid input accepted" (0 where an errno was due), "valid
 *    input refused" (a validation errno for a valid input) and "wrong
 *    errno" (another errno than the one due);
 *  - every return is 0 or an errno of the uapi contract, and one the command
 *    can give (e.g. GET_INFO never says ENODEV, an unknown number is ENOTTY,
 *    a bad argument pointer is EFAULT, without an SVSM only ENODEV and
 *    argument errors, without CAP_SYS_ADMIN CALL/REMAP/ATTEST are EPERM);
 *  - on success the size field holds the bytes written and the caller's
 *    bytes past the struct are untouched; on a validation error (EINVAL,
 *    ENOTTY, ENODEV, EPERM) the struct is untouched; a few per-command
 *    invariants (ABI version, hidden addresses, SVSM status bits, used <= len,
 *    every CPU's CA the same as at start);
 *  - nothing new at error level or worse, and no BUG/WARNING, in /dev/kmsg.
 * The last P percent of the iterations (default 10; single-threaded runs
 * only) run after dropping root (setresuid 65534) on the open descriptor.
 *
 * --race-remap runs a targeted race instead (see the comment before race_churn()).
 *
 * Exit status: 0 when every oracle held, 1 otherwise, 2 for a usage or
 * set-up error. To replay a reported input, run again with the same seed,
 * --iterations ITERATION+1 and --trace (single-threaded runs).
 *
 * Fault injection (debugfs) is never used here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/svsm_diag.h>

#include "svsm_spec.h"

#define PAGE		4096UL
#define MAX_ERRNO	4096
#define MAX_CPUS	64
#define MAX_SAMPLES	20
#define KERNEL_ADDR	0xffffffff81000000ULL

/* ---- deterministic randomness (splitmix64) ---- */

static __thread uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- commands ---- */

enum { C_INFO, C_CPU, C_CALL, C_REMAP, C_ATTEST, C_UNKNOWN, NCMD };

static const char *const cmd_names[NCMD] = {
	"info", "cpu", "call", "remap", "attest", "unknown",
};

static const unsigned long cmd_numbers[C_UNKNOWN] = {
	SVSM_DIAG_GET_INFO, SVSM_DIAG_GET_CPU, SVSM_DIAG_CALL, SVSM_DIAG_REMAP_CA_TEST,
	SVSM_DIAG_ATTEST,
};

static const size_t cmd_sizes[C_UNKNOWN] = {
	sizeof(struct svsm_diag_info), sizeof(struct svsm_diag_cpu),
	sizeof(struct svsm_diag_call), sizeof(struct svsm_diag_remap_test),
	sizeof(struct svsm_diag_attest),
};

/* ---- what the driver told us at start ---- */

static struct {
	uint32_t backend;
	uint32_t nr_cpu_ids;
	uint32_t nr_online;
	uint64_t svsm_base, svsm_size, svsm_caa;
	unsigned int nr_cpus;		/* CPUs with GET_CPU data below */
	uint64_t ca_gpa[MAX_CPUS];
	uint64_t initial_ca[MAX_CPUS];
	uint32_t apic_id[MAX_CPUS];
	bool online[MAX_CPUS];
	bool possible[MAX_CPUS];	/* GET_CPU answered for it */
	uint64_t pool_gpa;		/* emulator's PVALIDATE pool, from debugfs if shown */
	uint32_t pool_pages;
} sys;

static bool privileged = true;

/*
 * Guest-physical addresses the driver handed back (registers after a call,
 * the remap test's page): the module's own short-lived buffers, which are
 * the most interesting targets for REMAP_CA, CREATE_VCPU and PVALIDATE.
 * Shared by all threads.
 */
#define NR_LEARNED	32
static uint64_t learned[NR_LEARNED];
static unsigned int learned_next;

static void learn_gpa(uint64_t v)
{
	if (!v || (v & (PAGE - 1)) || v >> 52)
		return;
	__atomic_store_n(&learned[__atomic_fetch_add(&learned_next, 1, __ATOMIC_RELAXED) %
				  NR_LEARNED], v, __ATOMIC_RELAXED);
}

/* ---- memory the inputs point at ---- */

/*
 * arena: two read-write pages for argument structs, then a PROT_NONE guard.
 * ro: one page mapped twice from a memfd, read-write (ro_rw) and read-only.
 * data: read-write buffers of up to SVSM_DIAG_ATTEST_BUF_MAX bytes, then a guard.
 * unmapped: an address that was mapped once and is not any more.
 */
#define ARENA_SIZE	(2 * PAGE)
#define DATA_SIZE	(SVSM_DIAG_ATTEST_BUF_MAX + 16 * PAGE)

static __thread uint8_t *arena, *ro, *ro_rw, *data;	/* per thread */
static uint64_t unmapped;

static __thread uint8_t stage[ARENA_SIZE];	/* the argument as built, before placement */
static __thread uint8_t before[ARENA_SIZE];	/* the placed bytes, to compare after the call */

enum addr_kind {
	A_VALID, A_NULL, A_UNMAPPED, A_GUARD, A_RO, A_KERNEL, A_NONCANON, A_CROSS,
	A_RANDOM_HIGH, A_LOW, NR_ADDR_KINDS
};

static const char *const addr_names[NR_ADDR_KINDS] = {
	"valid", "null", "unmapped", "guard", "readonly", "kernel", "noncanonical",
	"crossing-guard", "random-high", "low",
};

/* ---- the input being built, and its description ---- */

struct input {
	int cmd;			/* C_* */
	unsigned long nr;		/* ioctl number */
	size_t ksize;			/* sizeof the command's struct (0: unknown) */
	uint32_t usize;			/* the size field we sent */
	size_t extent;			/* bytes of stage that were placed */
	enum addr_kind where;		/* where the argument points */
	uint8_t *target;		/* placed copy (A_VALID, A_RO, A_CROSS), or NULL */
	size_t placed;			/* bytes of target that are ours (A_CROSS: up to the guard) */
	bool invalid_arg;		/* the pointer itself is bad: EFAULT expected */
	/* CALL / ATTEST buffers, for the oracles */
	enum addr_kind buf_kind;
	char desc[640];
	size_t desc_len;
};

static __thread struct input in;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (in.desc_len >= sizeof(in.desc) - 1)
		return;
	if (in.desc_len)
		in.desc[in.desc_len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(in.desc + in.desc_len, sizeof(in.desc) - in.desc_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		in.desc_len += (size_t)n;
	if (in.desc_len >= sizeof(in.desc))
		in.desc_len = sizeof(in.desc) - 1;
}

/* ---- results ---- */

struct stats {
	uint64_t calls[NCMD];
	uint64_t results[NCMD][MAX_ERRNO];	/* [cmd][0 or errno] */
	uint64_t unexpected_errnos, invariant_violations, iterations;
	uint64_t invalid_accepted, valid_refused, wrong_errno;
	uint64_t rule_hits[64];			/* [rule] inputs expected to break it first */
};

static struct stats total;		/* all threads, summed at the end */
static __thread struct stats *st;	/* this thread's */
static __thread unsigned int tid;
static uint64_t kernel_log_events;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

struct sample {
	unsigned int thread;
	uint64_t iteration;
	char what[160];
	char desc[640];
};
static struct sample samples[MAX_SAMPLES];
static unsigned int nr_samples;
static struct sample klog[MAX_SAMPLES];
static unsigned int nr_klog;

static const char *errname(int e)
{
	static __thread char buf[16];

	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case ECOMM: return "ECOMM";
	case EPROTO: return "EPROTO";
	case EOVERFLOW: return "EOVERFLOW";
	case EREMOTEIO: return "EREMOTEIO";
	case EHOSTDOWN: return "EHOSTDOWN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	default:
		snprintf(buf, sizeof(buf), "E%d", e);
		return buf;
	}
}

static void record(struct sample *arr, unsigned int *nr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void record(struct sample *arr, unsigned int *nr, const char *fmt, ...)
{
	struct sample *s;
	va_list ap;

	pthread_mutex_lock(&report_lock);
	if (*nr < MAX_SAMPLES) {
		s = &arr[(*nr)++];
		s->thread = tid;
		s->iteration = st ? st->iterations : 0;
		va_start(ap, fmt);
		vsnprintf(s->what, sizeof(s->what), fmt, ap);
		va_end(ap);
		snprintf(s->desc, sizeof(s->desc), "%s", in.desc);
	}
	pthread_mutex_unlock(&report_lock);
}

#define VIOLATION(...) do {						\
		st->invariant_violations++;				\
		record(samples, &nr_samples, __VA_ARGS__);		\
	} while (0)

/* ---- set-up ---- */

static void die(const char *what)
{
	fprintf(stderr, "svsm-fuzz: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

struct memory {
	uint8_t *arena, *ro, *ro_rw, *data;
};

/* One thread's memory. Every thread's is mapped before the unmapped hole is made. */
static void setup_memory(struct memory *m)
{
	uint8_t *p;
	int fd;

	p = map(ARENA_SIZE + PAGE, PROT_READ | PROT_WRITE);
	if (mprotect(p + ARENA_SIZE, PAGE, PROT_NONE))
		die("mprotect");
	m->arena = p;

	fd = memfd_create("svsm-fuzz-ro", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGE))
		die("memfd");
	m->ro_rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m->ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m->ro_rw == MAP_FAILED || m->ro == MAP_FAILED)
		die("mmap memfd");
	close(fd);

	p = map(DATA_SIZE + PAGE, PROT_READ | PROT_WRITE);
	if (mprotect(p + DATA_SIZE, PAGE, PROT_NONE))
		die("mprotect");
	m->data = p;
}

static int dev_fd = -1;

static int do_ioctl(unsigned long nr, uint64_t arg)
{
	int rc = ioctl(dev_fd, nr, (unsigned long)arg);

	return rc < 0 ? errno : rc;
}

/* The emulated SVSM's PVALIDATE pool, when debugfs shows it: a target of valid calls. */
static void discover_pool(void)
{
	FILE *f = fopen("/sys/kernel/debug/svsm_diag/state", "r");
	char line[256];
	unsigned long long v;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "pool_gpa %llx", &v) == 1)
			sys.pool_gpa = v;
		else if (sscanf(line, "pool_pages %llu", &v) == 1)
			sys.pool_pages = (uint32_t)v;
	}
	fclose(f);
}

static void discover(void)
{
	struct svsm_diag_info info = { .size = sizeof(info) };
	unsigned int cpu;
	int err;

	err = do_ioctl(SVSM_DIAG_GET_INFO, (uintptr_t)&info);
	if (err) {
		fprintf(stderr, "svsm-fuzz: GET_INFO failed: %s\n", errname(err));
		exit(2);
	}
	sys.backend = info.backend;
	sys.nr_cpu_ids = info.nr_cpu_ids;
	sys.nr_online = info.nr_online;
	sys.svsm_base = info.svsm_base;
	sys.svsm_size = info.svsm_size;
	sys.svsm_caa = info.svsm_caa;
	sys.nr_cpus = info.nr_cpu_ids < MAX_CPUS ? info.nr_cpu_ids : MAX_CPUS;
	for (cpu = 0; cpu < sys.nr_cpus; cpu++) {
		struct svsm_diag_cpu c = { .size = sizeof(c), .cpu = cpu };

		if (do_ioctl(SVSM_DIAG_GET_CPU, (uintptr_t)&c))
			continue;	/* no SVSM, or not possible */
		sys.ca_gpa[cpu] = c.ca_gpa;
		sys.initial_ca[cpu] = c.initial_ca_gpa;
		sys.apic_id[cpu] = c.apic_id;
		sys.online[cpu] = c.state & SVSM_DIAG_CPU_ONLINE;
		sys.possible[cpu] = true;
	}
	discover_pool();
	if (sys.backend == SVSM_DIAG_BACKEND_NONE) {	/* CPUs still exist */
		for (cpu = 0; cpu < sys.nr_cpus && cpu < sys.nr_online; cpu++)
			sys.online[cpu] = true;
	}
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		die("dropping privileges");
	privileged = false;
}

/* ---- kernel log ---- */

static int kmsg_fd = -1;

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static bool kmsg_bad(const char *msg, int level)
{
	static const char *const words[] = {
		"BUG:", "WARNING:", "Oops", "Call Trace", "KASAN", "UBSAN", "general protection",
		"svsm_diag", "kmemleak", "lockdep", "circular locking", "RCU", "panic",
	};
	size_t i;

	if (level <= 3)
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(msg, words[i]))
			return true;
	return false;
}

static pthread_mutex_t kmsg_lock = PTHREAD_MUTEX_INITIALIZER;

static void kmsg_read(void)
{
	char buf[8192];
	ssize_t n;

	for (;;) {
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (n <= 0)
			return;
		buf[n] = '\0';
		char *msg = strchr(buf, ';');
		int level = atoi(buf) & 7;

		msg = msg ? msg + 1 : buf;
		msg[strcspn(msg, "\n")] = '\0';
		if (kmsg_bad(msg, level)) {
			kernel_log_events++;
			record(klog, &nr_klog, "<%d>%s", level, msg);
		}
	}
}

/* After every call; with threads, whoever gets the lock reads for all. */
static void kmsg_check(void)
{
	if (kmsg_fd < 0 || pthread_mutex_trylock(&kmsg_lock))
		return;
	kmsg_read();
	pthread_mutex_unlock(&kmsg_lock);
}

/* ---- building blocks ---- */

static uint32_t pick_cpu(void)
{
	uint32_t n = sys.nr_cpu_ids ? sys.nr_cpu_ids : 1;

	switch (below(16)) {
	case 0: return n;			/* first impossible id */
	case 1: return n + below(64);
	case 2: return 0xffffffffU;
	case 3: return (uint32_t)rnd();
	case 4: return n - 1;
	default: return below(n);
	}
}

static uint64_t interesting_gpa(void)
{
	unsigned int cpu = below(sys.nr_cpus ? sys.nr_cpus : 1);
	uint64_t base;

	switch (below(18)) {
	case 16:
	case 17:
		return __atomic_load_n(&learned[below(NR_LEARNED)], __ATOMIC_RELAXED);
	case 14:
	case 15:
		if (sys.pool_pages)	/* the pool and the page after it */
			return sys.pool_gpa + below(sys.pool_pages + 1) * PAGE;
		return 0;
	case 0: return 0;
	case 1: return sys.svsm_base;
	case 2: return sys.svsm_base + sys.svsm_size - PAGE;
	case 3: return sys.svsm_base + sys.svsm_size;
	case 4: return sys.svsm_caa;			/* the firmware CA of CPU 0 */
	case 5: return sys.ca_gpa[cpu];
	case 6: return sys.initial_ca[cpu];
	case 7: return sys.ca_gpa[cpu] + SVSM_CA_BUFFER;
	case 8: return ~0ULL - (chance(50) ? 0 : PAGE - 1);
	case 9: return 1ULL << (40 + below(23));
	case 10: return rnd() & ~(PAGE - 1);
	case 11: return rnd();
	default:
		/* Near module pages: the pool and SVSM memory are allocated around them. */
		base = chance(50) ? sys.svsm_base : (chance(50) ? sys.svsm_caa : sys.ca_gpa[cpu]);
		return base + ((int64_t)below(65) - 32) * (int64_t)PAGE;
	}
}

/* A user address of @kind for a buffer of @len bytes; valid ones lie in data. */
static uint64_t user_addr(enum addr_kind kind, uint64_t len)
{
	uint64_t span = len < DATA_SIZE ? DATA_SIZE - len : 0;

	switch (kind) {
	case A_VALID:
		if (chance(50) || !span)
			return (uintptr_t)data;
		return (uintptr_t)data + below((uint32_t)span + 1);
	case A_NULL: return 0;
	case A_UNMAPPED: return unmapped + below(PAGE);
	case A_GUARD: return (uintptr_t)data + DATA_SIZE + below(PAGE);
	case A_RO: return (uintptr_t)ro + (chance(50) ? 0 : below(PAGE / 2));
	case A_KERNEL: return KERNEL_ADDR + below(1 << 20);
	case A_NONCANON: return 0x8000000000000000ULL >> below(17);
	case A_CROSS: return (uintptr_t)data + DATA_SIZE - 1 - below(len < PAGE ? (uint32_t)len : PAGE);
	case A_RANDOM_HIGH: return rnd() | (1ULL << 63);
	case A_LOW: return below(65536);
	default: return 0;
	}
}

static enum addr_kind pick_buf_kind(unsigned int bad_percent)
{
	if (!chance(bad_percent))
		return A_VALID;
	return (enum addr_kind)(1 + below(NR_ADDR_KINDS - 1));
}

static void fill_random(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)rnd();
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/*
 * The size field: 0, small, exact, larger with a zero or non-zero tail, the
 * page limit and beyond. A non-zero tail byte is written into stage. Returns
 * the size; *extent gets the number of stage bytes that matter.
 */
static uint32_t mutate_size(size_t ksize, size_t *extent)
{
	uint32_t size, pos;

	*extent = ksize;
	switch (below(12)) {
	case 0:
		size = 0;
		break;
	case 1:
		size = 1 + below((uint32_t)ksize - 1);
		break;
	case 2:
		size = (uint32_t)ksize - 1 - below(8);
		break;
	case 3:	/* larger, zero tail */
	case 4:
		size = (uint32_t)ksize + 1 + below(chance(50) ? 64 : (uint32_t)(PAGE - ksize));
		*extent = size;
		break;
	case 5:	/* larger, non-zero tail */
	case 6:
		size = (uint32_t)ksize + 1 + below(chance(50) ? 64 : (uint32_t)(PAGE - ksize));
		pos = (uint32_t)ksize + below(size - (uint32_t)ksize);
		stage[pos] = (uint8_t)(1 + below(255));
		*extent = size;
		note("tail[%u]=%#x", pos, stage[pos]);
		break;
	case 7:
		size = PAGE;
		*extent = size;
		break;
	case 8:
		size = PAGE + 1 + below(chance(50) ? 8 : 1u << 20);
		*extent = PAGE;
		break;
	case 9:
		size = 0xffffffffU - below(2);
		break;
	default:
		size = (uint32_t)ksize;
		break;
	}
	if (size != ksize)
		note("size=%u", size);
	return size;
}

/* Flip a byte in the output-only or reserved part [from, ksize). */
static void dirty_output(size_t from, size_t ksize)
{
	size_t pos = from + below((uint32_t)(ksize - from));

	stage[pos] = (uint8_t)(1 + below(255));
	note("byte[%zu]=%#x", pos, stage[pos]);
}

static uint32_t random_flags(void)
{
	switch (below(4)) {
	case 0: return 1u << below(32);
	case 1: return (uint32_t)rnd();
	case 2: return 0x80000000U;
	default: return 1u << below(4);
	}
}

/* ---- per-command input generators: valid first, then mutated ---- */

static void gen_info(void)
{
	struct svsm_diag_info *a = (void *)stage;

	a->size = sizeof(*a);
	if (chance(15)) {
		a->flags = random_flags();
		note("flags=%#x", a->flags);
	}
	if (chance(15))
		dirty_output(offsetof(struct svsm_diag_info, abi_version), sizeof(*a));
}

static void gen_cpu(void)
{
	struct svsm_diag_cpu *a = (void *)stage;

	a->size = sizeof(*a);
	a->cpu = chance(70) ? below(sys.nr_cpu_ids ? sys.nr_cpu_ids : 1) : pick_cpu();
	note("cpu=%u", a->cpu);
	if (chance(12)) {
		a->flags = random_flags();
		note("flags=%#x", a->flags);
	}
	if (chance(12))
		dirty_output(offsetof(struct svsm_diag_cpu, state), sizeof(*a));
}

static void gen_remap(void)
{
	struct svsm_diag_remap_test *a = (void *)stage;

	a->size = sizeof(*a);
	a->cpu = chance(75) ? below(sys.nr_cpu_ids ? sys.nr_cpu_ids : 1) : pick_cpu();
	note("cpu=%u", a->cpu);
	if (chance(12)) {
		a->flags = random_flags();
		note("flags=%#x", a->flags);
	}
	if (chance(12))
		dirty_output(offsetof(struct svsm_diag_remap_test, steps_done), sizeof(*a));
}

/* A well-formed VMSA for CREATE_VCPU, as the emulated SVSM checks it. */
static void fill_vmsa(uint8_t *p)
{
	memset(p, 0, PAGE);
	p[0x0ca] = chance(80) ? 2 : (uint8_t)below(4);	/* VMPL (emu_vmpl default 2) */
	put64(p + 0x0d0, chance(90) ? 1ULL << 12 : 0);	/* EFER.SVME */
	put64(p + 0x3b0, chance(90) ? 1 : rnd());	/* SEV_FEATURES */
}

/* A TPM_SEND_COMMAND request around TPM2_GetRandom / TPM2_Startup. */
static void fill_vtpm(uint8_t *p, uint32_t len)
{
	static const uint32_t codes[] = { 0x17b, 0x144, 0x17e, 0 };
	uint32_t tpm_len = 12;
	uint8_t cmd[16] = { 0x80, 0x01 };

	if (len < 9 + 16)
		return;
	put32(p, chance(85) ? SVSM_VTPM_SEND_COMMAND : below(16));
	p[4] = chance(90) ? 0 : (uint8_t)rnd();
	if (chance(15))
		tpm_len = chance(50) ? below(20) : (uint32_t)rnd();
	put32(p + 5, tpm_len);
	cmd[2] = (uint8_t)(tpm_len >> 24);
	cmd[3] = (uint8_t)(tpm_len >> 16);
	cmd[4] = (uint8_t)(tpm_len >> 8);
	cmd[5] = (uint8_t)tpm_len;
	uint32_t code = codes[below(4)];

	cmd[6] = (uint8_t)(code >> 24);
	cmd[7] = (uint8_t)(code >> 16);
	cmd[8] = (uint8_t)(code >> 8);
	cmd[9] = (uint8_t)code;
	cmd[10] = 0;
	cmd[11] = (uint8_t)below(64);
	memcpy(p + 9, cmd, sizeof(cmd));
}

/* A PVALIDATE list: header, then entries around known GPAs. */
static void fill_pvalidate(uint8_t *p, uint32_t len)
{
	uint32_t max = len >= 8 ? (len - 8) / 8 : 0, n, i;

	if (!max)
		return;
	n = 1 + below(max < 8 ? max : 8);
	if (chance(10))
		n = max + below(4);
	put32(p, (n & 0xffff) | (chance(85) ? 0 : below(n + 2)) << 16);
	put32(p + 4, chance(90) ? 0 : (uint32_t)rnd());
	for (i = 0; i < n && 8 + 8 * (i + 1) <= len; i++) {
		uint64_t e = interesting_gpa() & ~(PAGE - 1);

		e |= below(2) | (chance(50) ? SVSM_PVAL_VALIDATE : 0) |
		     (chance(30) ? SVSM_PVAL_IGNORE_CF : 0);
		if (chance(5))
			e |= 1ULL << (4 + below(8));	/* reserved bits */
		put64(p + 8 + 8 * i, e);
	}
}

/* An attestation operation structure (spec tables 11 and 13). */
static void fill_attest_op(uint8_t *p, uint32_t len, bool single)
{
	uint8_t op[SVSM_ATTEST_SINGLE_OP_SIZE] = { 0 };
	unsigned int cpu = below(sys.nr_cpus ? sys.nr_cpus : 1);

	put64(op + SVSM_ATTEST_OP_REPORT_GPA, interesting_gpa() & ~(chance(90) ? PAGE - 1 : 0));
	put32(op + SVSM_ATTEST_OP_REPORT_LEN, chance(70) ? PAGE : (uint32_t)rnd() & 0x3fff);
	put64(op + SVSM_ATTEST_OP_NONCE_GPA, sys.ca_gpa[cpu] + SVSM_CA_BUFFER + below(PAGE));
	op[SVSM_ATTEST_OP_NONCE_LEN] = chance(90) ? SVSM_ATTEST_NONCE_SIZE : (uint8_t)rnd();
	put64(op + SVSM_ATTEST_OP_MANIFEST_GPA, interesting_gpa() & ~(chance(90) ? PAGE - 1 : 0));
	put32(op + SVSM_ATTEST_OP_MANIFEST_LEN, chance(70) ? PAGE : (uint32_t)rnd() & 0x3fff);
	if (chance(50)) {
		put64(op + SVSM_ATTEST_OP_CERTS_GPA, interesting_gpa() & ~(PAGE - 1));
		put32(op + SVSM_ATTEST_OP_CERTS_LEN, chance(70) ? 0x4000 : (uint32_t)rnd() & 0x7fff);
	}
	if (single && chance(80))
		memcpy(op + SVSM_ATTEST_OP_SERVICE_GUID,
		       "\xeb\xf1\x76\xc4\x23\x01\xa5\x45\x96\x41\xb4\xe7\xdd\xe5\xbf\xe3", 16);
	if (chance(10))
		op[0x0c + below(4)] = 1;	/* reserved */
	memcpy(p, op, len < sizeof(op) ? len : sizeof(op));
}

enum call_template {
	T_QUERY, T_VTOM, T_VTPM_QUERY, T_APIC, T_UEFI, T_VTPM_CMD, T_ATTEST, T_PVALIDATE,
	T_REMAP, T_CREATE, T_DELETE, T_MEM, T_RANDOM, NR_TEMPLATES
};

static const char *const template_names[NR_TEMPLATES] = {
	"query-protocol", "configure-vtom", "vtpm-query", "apic", "uefi-mm", "vtpm-cmd",
	"attest", "pvalidate", "remap-ca", "create-vcpu", "delete-vcpu", "deposit/withdraw",
	"random",
};

static uint32_t call_buf_len_cap(uint32_t flags)
{
	return flags == SVSM_DIAG_CALL_BUF_CA ? SVSM_DIAG_CA_BUF_MAX : SVSM_DIAG_PAGE_BUF_MAX;
}

static __u64 *call_reg(struct svsm_diag_call *a, uint32_t reg)
{
	switch (reg) {
	case SVSM_DIAG_REG_RCX: return &a->rcx;
	case SVSM_DIAG_REG_RDX: return &a->rdx;
	case SVSM_DIAG_REG_R8: return &a->r8;
	case SVSM_DIAG_REG_R9: return &a->r9;
	default: return NULL;
	}
}

static void gen_call(void)
{
	struct svsm_diag_call *a = (void *)stage;
	enum call_template t = (enum call_template)below(NR_TEMPLATES);
	uint32_t buf_len = 0, i, nmut;
	bool buffer = false;
	__u64 *reg;

	a->size = sizeof(*a);
	a->cpu = chance(85) ? below(sys.nr_cpu_ids ? sys.nr_cpu_ids : 1) : pick_cpu();
	note("cpu=%u %s", a->cpu, template_names[t]);

	switch (t) {
	case T_QUERY:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_QUERY_PROTOCOL;
		a->rcx = (uint64_t)below(7) << 32 | below(4);
		break;
	case T_VTOM:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_CONFIGURE_VTOM;
		a->rcx = chance(70) ? 1 : rnd() >> below(64);
		break;
	case T_VTPM_QUERY:
		a->protocol = SVSM_PROTOCOL_VTPM;
		a->call_id = SVSM_VTPM_QUERY;
		break;
	case T_APIC:
		a->protocol = SVSM_PROTOCOL_APIC;
		a->call_id = below(6);
		a->rcx = below(4);
		break;
	case T_UEFI:
		a->protocol = SVSM_PROTOCOL_UEFI_MM;
		a->call_id = below(3);
		break;
	case T_VTPM_CMD:
		a->protocol = SVSM_PROTOCOL_VTPM;
		a->call_id = SVSM_VTPM_CMD;
		buffer = true;
		a->flags = chance(70) ? SVSM_DIAG_CALL_BUF_PAGE : SVSM_DIAG_CALL_BUF_CA;
		buf_len = chance(60) ? PAGE : 9 + 16 + below(PAGE);
		break;
	case T_ATTEST:
		a->protocol = SVSM_PROTOCOL_ATTEST;
		a->call_id = below(3);
		buffer = true;
		a->flags = chance(50) ? SVSM_DIAG_CALL_BUF_PAGE : SVSM_DIAG_CALL_BUF_CA;
		buf_len = chance(70) ? SVSM_ATTEST_SINGLE_OP_SIZE + SVSM_ATTEST_NONCE_SIZE :
				       1 + below(PAGE);
		break;
	case T_PVALIDATE:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_PVALIDATE;
		if (chance(85)) {
			buffer = true;
			a->flags = chance(70) ? SVSM_DIAG_CALL_BUF_CA : SVSM_DIAG_CALL_BUF_PAGE;
			buf_len = 8 + 8 * (1 + below(16));
		} else {
			a->rcx = interesting_gpa();
		}
		break;
	case T_REMAP:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_REMAP_CA;
		if (chance(15)) {
			buffer = true;	/* the CA moved onto the module's buffer page */
			a->flags = chance(50) ? SVSM_DIAG_CALL_BUF_CA : SVSM_DIAG_CALL_BUF_PAGE;
			buf_len = 1 + below(PAGE);
		} else if (chance(30)) {	/* a module buffer, maybe another thread's */
			a->rcx = __atomic_load_n(&learned[below(NR_LEARNED)], __ATOMIC_RELAXED);
		} else {
			a->rcx = interesting_gpa();
		}
		break;
	case T_CREATE:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_CREATE_VCPU;
		a->rdx = interesting_gpa() & ~(chance(90) ? PAGE - 1 : 0);
		a->r8 = chance(80) ? sys.apic_id[below(sys.nr_cpus ? sys.nr_cpus : 1)] : rnd();
		if (chance(70)) {
			buffer = true;	/* the VMSA in a module page */
			a->flags = SVSM_DIAG_CALL_BUF_PAGE;
			buf_len = PAGE;
		} else {
			a->rcx = interesting_gpa();
		}
		break;
	case T_DELETE:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = SVSM_CORE_DELETE_VCPU;
		a->rcx = interesting_gpa();
		break;
	case T_MEM:
		a->protocol = SVSM_PROTOCOL_CORE;
		a->call_id = chance(50) ? SVSM_CORE_DEPOSIT_MEM : SVSM_CORE_WITHDRAW_MEM;
		a->rcx = interesting_gpa();
		a->rdx = below(16);
		break;
	default:
		a->protocol = chance(50) ? below(8) : (uint32_t)rnd();
		a->call_id = chance(50) ? below(10) : (uint32_t)rnd();
		a->rcx = chance(50) ? interesting_gpa() : rnd();
		a->rdx = rnd();
		a->r8 = rnd();
		a->r9 = rnd();
		if (chance(30)) {
			buffer = true;
			a->flags = chance(50) ? SVSM_DIAG_CALL_BUF_CA : SVSM_DIAG_CALL_BUF_PAGE;
			buf_len = 1 + below(call_buf_len_cap(a->flags));
		}
		break;
	}

	if (buffer) {
		a->buf_reg = t == T_CREATE || t == T_REMAP || t == T_ATTEST || t == T_VTPM_CMD ||
			     t == T_PVALIDATE || chance(50) ? SVSM_DIAG_REG_RCX : 1 + below(4);
		reg = call_reg(a, a->buf_reg);
		*reg = 0;
		if (buf_len > call_buf_len_cap(a->flags))
			buf_len = call_buf_len_cap(a->flags);
	}

	/* Mutations. */
	nmut = chance(35) ? 0 : 1 + below(3);
	for (i = 0; i < nmut; i++) {
		switch (below(14)) {
		case 0:
			a->flags = random_flags();
			note("flags=%#x", a->flags);
			break;
		case 1:
			a->buf_reg = chance(50) ? below(6) : (uint32_t)rnd();
			note("buf_reg=%u", a->buf_reg);
			break;
		case 2:	/* the buffer register not free */
			reg = call_reg(a, a->buf_reg ? a->buf_reg : 1 + below(4));
			if (reg)
				*reg = rnd() | 1;
			note("buf_reg-busy");
			break;
		case 3: {	/* lengths at and around the caps */
			static const uint32_t lens[] = {
				0, 1, SVSM_DIAG_CA_BUF_MAX - 1, SVSM_DIAG_CA_BUF_MAX,
				SVSM_DIAG_CA_BUF_MAX + 1, PAGE, SVSM_DIAG_PAGE_BUF_MAX - 1,
				SVSM_DIAG_PAGE_BUF_MAX, SVSM_DIAG_PAGE_BUF_MAX + 1, 0x7fffffff,
				0xffffffff, 2 * SVSM_DIAG_PAGE_BUF_MAX,
			};
			buf_len = lens[below(sizeof(lens) / sizeof(lens[0]))];
			buffer = true;
			note("buf_len=%u", buf_len);
			break;
		}
		case 4:
			buffer = true;
			if (!a->flags)
				a->flags = 1 + below(3);
			if (!a->buf_reg)
				a->buf_reg = 1 + below(4);
			note("buffer-forced flags=%#x reg=%u", a->flags, a->buf_reg);
			break;
		case 5:
			dirty_output(offsetof(struct svsm_diag_call, result), sizeof(*a));
			break;
		case 6:
			a->cpu = pick_cpu();
			note("cpu=%u", a->cpu);
			break;
		case 7:
			a->protocol = chance(50) ? below(6) : (uint32_t)rnd();
			note("protocol=%u", a->protocol);
			break;
		case 8:
			a->call_id = chance(50) ? below(9) : (uint32_t)rnd();
			note("call=%u", a->call_id);
			break;
		case 9:
			*call_reg(a, 1 + below(4)) = chance(50) ? interesting_gpa() : rnd();
			note("reg-random");
			break;
		case 10:	/* a buffer the call does not use */
			if (!buffer) {
				a->buf_addr = (uintptr_t)data;
				a->buf_len = 1 + below(64);
				note("stray buf_addr/len");
			}
			break;
		case 11:
			a->flags = SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE;
			note("flags=both");
			break;
		default:
			in.buf_kind = pick_buf_kind(100);
			note("buf=%s", addr_names[in.buf_kind]);
			break;
		}
	}

	note("rax=%u:%u rcx=%#llx rdx=%#llx r8=%#llx", a->protocol, a->call_id,
	     (unsigned long long)a->rcx, (unsigned long long)a->rdx, (unsigned long long)a->r8);
	if (buffer) {
		uint64_t addr;

		if (!buf_len && !chance(5))
			buf_len = 1;
		a->buf_len = buf_len;
		addr = user_addr(in.buf_kind, buf_len);
		a->buf_addr = addr;
		note("buf_len=%u", buf_len);
		if (in.buf_kind == A_VALID) {
			uint8_t *p = (uint8_t *)(uintptr_t)addr;
			uint32_t n = buf_len <= DATA_SIZE - (addr - (uintptr_t)data) ?
				     buf_len : (uint32_t)(DATA_SIZE - (addr - (uintptr_t)data));

			if (n > 2 * SVSM_DIAG_PAGE_BUF_MAX)
				n = 2 * SVSM_DIAG_PAGE_BUF_MAX;
			memset(p, 0, n);
			if (t == T_CREATE && n >= PAGE)
				fill_vmsa(p);
			else if (t == T_VTPM_CMD)
				fill_vtpm(p, n);
			else if (t == T_PVALIDATE)
				fill_pvalidate(p, n);
			else if (t == T_ATTEST)
				fill_attest_op(p, n, a->call_id == SVSM_ATTEST_SINGLE_SERVICE);
			else
				fill_random(p, n < 256 ? n : 256);
		} else if (in.buf_kind == A_RO) {
			memset(ro_rw, 0, PAGE);
		}
	}
}

static void gen_attest_buf(struct svsm_diag_buf *b, const char *name, uint32_t want)
{
	static const uint32_t caps[] = {
		SVSM_DIAG_ATTEST_BUF_MAX - 1, SVSM_DIAG_ATTEST_BUF_MAX,
		SVSM_DIAG_ATTEST_BUF_MAX + 1, 0xffffffff, 2 * SVSM_DIAG_ATTEST_BUF_MAX,
	};
	enum addr_kind kind = pick_buf_kind(8);

	switch (below(10)) {
	case 0: b->len = 0; break;
	case 1: b->len = 1 + below(want); break;			/* too small: ENOSPC */
	case 2: b->len = want; break;
	case 3: b->len = caps[below(sizeof(caps) / sizeof(caps[0]))]; break;
	case 4: b->len = below(SVSM_DIAG_ATTEST_BUF_MAX); break;
	default: b->len = PAGE * (1 + below(4)); break;
	}
	b->addr = b->len || chance(50) ? user_addr(kind, b->len) : 0;
	if (chance(3)) {
		b->addr = 0;
		note("%s.addr=0", name);
	}
	if (chance(3)) {
		b->used = 1 + below(100);
		note("%s.used=%u", name, b->used);
	}
	if (chance(3)) {
		b->rsvd[below(2)] = 1 + below(100);
		note("%s.rsvd", name);
	}
	if (kind != A_VALID || b->len != PAGE)
		note("%s=%s/%u", name, addr_names[kind], b->len);
	if (kind == A_RO)
		memset(ro_rw, 0, PAGE);
	if (kind != A_VALID && in.buf_kind == A_VALID)
		in.buf_kind = kind;
}

static void gen_attest(void)
{
	struct svsm_diag_attest *a = (void *)stage;

	a->size = sizeof(*a);
	a->cpu = chance(40) ? SVSM_DIAG_ANY_CPU :
		 chance(80) ? below(sys.nr_cpu_ids ? sys.nr_cpu_ids : 1) : pick_cpu();
	note("cpu=%#x", a->cpu);
	if (chance(35)) {
		a->flags = SVSM_DIAG_ATTEST_SINGLE;
		if (chance(80))
			memcpy(a->service_guid,
			       "\xeb\xf1\x76\xc4\x23\x01\xa5\x45\x96\x41\xb4\xe7\xdd\xe5\xbf\xe3", 16);
		else
			fill_random(a->service_guid, 16);
		note("single");
	}
	fill_random(a->nonce, sizeof(a->nonce));
	gen_attest_buf(&a->report, "report", SNP_REPORT_SIZE);
	gen_attest_buf(&a->manifest, "manifest", 200);
	if (chance(60))
		gen_attest_buf(&a->certs, "certs", 200);

	if (chance(8)) {
		a->flags = random_flags();
		note("flags=%#x", a->flags);
	}
	if (chance(6)) {
		a->manifest_version = 1 + below(4);
		note("manifest_version=%u", a->manifest_version);
	}
	if (chance(4) && !(a->flags & SVSM_DIAG_ATTEST_SINGLE)) {
		a->service_guid[below(16)] = 1;
		note("guid-without-single");
	}
	if (chance(6))
		dirty_output(offsetof(struct svsm_diag_attest, result), sizeof(*a));
}

static unsigned long ioc(unsigned int dir, unsigned int nr, unsigned int size)
{
	return _IOC(dir, SVSM_DIAG_IOC_TYPE, nr, size);
}

/* Types whose numbers the VFS answers itself (FIOCLEX, FIONBIO, FS_IOC_*, FICLONE...). */
static bool vfs_type(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 0x54 || type == 0x58 || type == 0x66 ||
	       type == 0x94;
}

static void gen_unknown(void)
{
	unsigned int nr = below(5), k;
	unsigned long number;

	switch (below(5)) {
	case 0:	/* wrong size in a known number */
		do {
			static const int deltas[] = { -8, -1, 1, 8 };

			k = chance(50) ? (unsigned int)((int)cmd_sizes[nr] + deltas[below(4)]) :
					 below(1u << _IOC_SIZEBITS);
		} while (k == cmd_sizes[nr]);
		number = ioc(_IOC_READ | _IOC_WRITE, nr, k);
		note("%s with size %u", cmd_names[nr], k);
		break;
	case 1:	/* wrong direction */
		k = 1 + below(3);
		if (k == (_IOC_READ | _IOC_WRITE))
			k = _IOC_NONE;
		number = ioc(k, nr, (unsigned int)cmd_sizes[nr]);
		note("%s with dir %u", cmd_names[nr], k);
		break;
	case 2:	/* unknown command number of our type */
		number = ioc(below(4), 5 + below(251), below(1u << _IOC_SIZEBITS));
		note("our type, nr %lu", (unsigned long)_IOC_NR(number));
		break;
	case 3:	/* a known number of another type */
		number = _IOC(_IOC_READ | _IOC_WRITE, SVSM_DIAG_IOC_TYPE + 1 + below(3), nr,
			      (unsigned int)cmd_sizes[nr]);
		note("other type");
		break;
	default:
		do {
			number = (uint32_t)rnd();
		} while (vfs_type(_IOC_TYPE(number)) || _IOC_TYPE(number) == SVSM_DIAG_IOC_TYPE);
		note("random");
		break;
	}
	in.nr = number;
	/* Any argument: a valid struct of some command, or nothing. */
	put32(stage, (uint32_t)cmd_sizes[nr]);
	in.ksize = 0;
	note("nr=%#lx", number);
}

/* ---- placing the argument ---- */

static void place_argument(uint64_t *arg)
{
	unsigned int r = below(100);
	size_t off;

	in.target = NULL;
	in.placed = 0;
	in.invalid_arg = false;
	if (r < 84) {
		in.where = A_VALID;
		off = chance(90) ? 0 : below(64);
		if (off + in.extent > ARENA_SIZE)
			off = 0;
		in.target = arena + off;
		in.placed = in.extent;
	} else if (r < 88) {
		in.where = A_RO;
		off = in.extent < PAGE ? below((uint32_t)(PAGE - in.extent)) & ~7u : 0;
		memcpy(ro_rw + off, stage, in.extent < PAGE ? in.extent : PAGE);
		*arg = (uintptr_t)ro + off;
		in.target = ro + off;
		in.placed = in.extent < PAGE - off ? in.extent : PAGE - off;
		note("arg=readonly");
		return;
	} else if (r < 92) {
		/* The struct runs into the guard page: size field readable. */
		in.where = A_CROSS;
		off = ARENA_SIZE - 4 - below((uint32_t)(in.extent > 4 ? in.extent - 4 : 1));
		in.target = arena + off;
		in.placed = ARENA_SIZE - off;
		note("arg=crossing-guard(+%zu)", in.placed);
	} else {
		in.where = (enum addr_kind)(r < 93 ? A_NULL : r < 94 ? A_UNMAPPED : r < 95 ? A_GUARD :
					    r < 96 ? A_KERNEL : r < 97 ? A_NONCANON :
					    r < 98 ? A_RANDOM_HIGH : A_LOW);
		in.invalid_arg = true;
		*arg = in.where == A_GUARD ? (uintptr_t)arena + ARENA_SIZE + below(PAGE - 8) :
					     user_addr(in.where, 8);
		note("arg=%s", addr_names[in.where]);
		return;
	}
	memcpy(in.target, stage, in.placed);
	*arg = (uintptr_t)in.target;
}

/* ---- the expectation: what the contract says this input must get ---- */

/*
 * Rules in the driver's order of checks (svsm_diag(4): privilege, the
 * argument, an SVSM, the CPU, then the work). R_VALID and after: the input
 * breaks none.
 */
enum rule {
	R_UNKNOWN_IOCTL, R_UNPRIVILEGED, R_BAD_POINTER, R_SIZE_SMALL, R_SIZE_OVER_PAGE,
	R_TAIL_FAULT, R_TAIL_NONZERO, R_STRUCT_FAULT,
	R_INFO_FLAGS, R_INFO_OUTPUT, R_CPU_FLAGS, R_CPU_OUTPUT,
	R_CALL_FLAGS, R_CALL_OUTPUT, R_CALL_STRAY_BUFFER, R_CALL_BOTH_PLACEMENTS, R_CALL_BUF_REG,
	R_CALL_REG_BUSY, R_CALL_BUF_NULL, R_CALL_BUF_LEN_0, R_CALL_BUF_TOO_BIG,
	R_REMAP_FLAGS, R_REMAP_OUTPUT,
	R_ATTEST_FLAGS, R_ATTEST_SINGLE_FIELDS, R_ATTEST_BUF_FIELDS, R_ATTEST_OUTPUT,
	R_ATTEST_BUF_TOO_BIG,
	R_NO_SVSM, R_CPU_IMPOSSIBLE, R_CPU_UNUSABLE,
	R_VALID, R_VALID_READONLY_ARG, R_VALID_BAD_BUFFER, NR_RULES
};

_Static_assert(NR_RULES <= 64, "struct stats.rule_hits is too small");

static const char *const rule_names[NR_RULES] = {
	"unknown-ioctl", "unprivileged", "bad-pointer", "size-below-struct", "size-over-page",
	"tail-unreadable", "tail-nonzero", "struct-unreadable",
	"info-flags", "info-output-nonzero", "cpu-flags", "cpu-output-nonzero",
	"call-flags", "call-output-nonzero", "call-buffer-without-placement",
	"call-both-placements", "call-buf-reg", "call-buf-reg-not-free", "call-buf-addr-0",
	"call-buf-len-0", "call-buf-len-over-cap",
	"remap-flags", "remap-output-nonzero",
	"attest-flags", "attest-single-fields-without-single", "attest-buf-used-rsvd-addr",
	"attest-output-nonzero", "attest-buf-len-over-cap",
	"no-svsm", "cpu-impossible", "cpu-not-usable",
	"valid", "valid-readonly-struct", "valid-bad-buffer",
};

struct expectation {
	enum rule rule;
	int err;		/* the errno due (invalid input), or -1: valid */
	bool efault_ok;		/* valid: EFAULT may come from a buffer */
};

static bool stage_zero(size_t from, size_t to)
{
	for (; from < to; from++)
		if (stage[from])
			return false;
	return true;
}

#define ZERO_FROM(type, field) stage_zero(offsetof(type, field), sizeof(type))

static bool buf_fields_ok(const struct svsm_diag_buf *b)
{
	return !b->used && !b->rsvd[0] && !b->rsvd[1] && (b->addr || !b->len);
}

/* Is [addr, addr + len) in this thread's read-write data area? */
static bool in_data(uint64_t addr, uint64_t len)
{
	return addr >= (uintptr_t)data && len <= DATA_SIZE &&
	       addr - (uintptr_t)data <= DATA_SIZE - len;
}

/* The checks of the argument's contents, as svsm_diag(4) and the header state them. */
static enum rule content_rule(int cmd)
{
	switch (cmd) {
	case C_INFO: {
		const struct svsm_diag_info *a = (const void *)stage;

		if (a->flags)
			return R_INFO_FLAGS;
		return ZERO_FROM(struct svsm_diag_info, abi_version) ? R_VALID : R_INFO_OUTPUT;
	}
	case C_CPU: {
		const struct svsm_diag_cpu *a = (const void *)stage;

		if (a->flags)
			return R_CPU_FLAGS;
		return ZERO_FROM(struct svsm_diag_cpu, state) ? R_VALID : R_CPU_OUTPUT;
	}
	case C_CALL: {
		const struct svsm_diag_call *a = (const void *)stage;
		const uint32_t both = SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE;
		uint32_t place = a->flags & both;
		const uint64_t regs[] = { 0, a->rcx, a->rdx, a->r8, a->r9 };

		if (a->flags & ~both)
			return R_CALL_FLAGS;
		if (!ZERO_FROM(struct svsm_diag_call, result))
			return R_CALL_OUTPUT;
		if (!place)
			return a->buf_reg || a->buf_addr || a->buf_len ? R_CALL_STRAY_BUFFER : R_VALID;
		if (place == both)
			return R_CALL_BOTH_PLACEMENTS;
		if (a->buf_reg < SVSM_DIAG_REG_RCX || a->buf_reg > SVSM_DIAG_REG_R9)
			return R_CALL_BUF_REG;
		if (regs[a->buf_reg])
			return R_CALL_REG_BUSY;
		if (!a->buf_addr)
			return R_CALL_BUF_NULL;
		if (!a->buf_len)
			return R_CALL_BUF_LEN_0;
		if (a->buf_len > call_buf_len_cap(place))
			return R_CALL_BUF_TOO_BIG;
		return R_VALID;
	}
	case C_REMAP: {
		const struct svsm_diag_remap_test *a = (const void *)stage;

		if (a->flags)
			return R_REMAP_FLAGS;
		return ZERO_FROM(struct svsm_diag_remap_test, steps_done) ? R_VALID : R_REMAP_OUTPUT;
	}
	case C_ATTEST: {
		const struct svsm_diag_attest *a = (const void *)stage;
		static const uint8_t no_guid[16];

		if (a->flags & ~SVSM_DIAG_ATTEST_SINGLE)
			return R_ATTEST_FLAGS;
		if (!(a->flags & SVSM_DIAG_ATTEST_SINGLE) &&
		    (a->manifest_version || memcmp(a->service_guid, no_guid, 16)))
			return R_ATTEST_SINGLE_FIELDS;
		if (!buf_fields_ok(&a->report) || !buf_fields_ok(&a->manifest) ||
		    !buf_fields_ok(&a->certs))
			return R_ATTEST_BUF_FIELDS;
		if (!ZERO_FROM(struct svsm_diag_attest, result))
			return R_ATTEST_OUTPUT;
		if (a->report.len > SVSM_DIAG_ATTEST_BUF_MAX ||
		    a->manifest.len > SVSM_DIAG_ATTEST_BUF_MAX ||
		    a->certs.len > SVSM_DIAG_ATTEST_BUF_MAX)
			return R_ATTEST_BUF_TOO_BIG;
		return R_VALID;
	}
	}
	return R_VALID;
}

static int rule_errno(enum rule r)
{
	switch (r) {
	case R_UNKNOWN_IOCTL: return ENOTTY;
	case R_UNPRIVILEGED: return EPERM;
	case R_BAD_POINTER: case R_TAIL_FAULT: case R_STRUCT_FAULT: return EFAULT;
	case R_SIZE_OVER_PAGE: case R_TAIL_NONZERO: case R_CALL_BUF_TOO_BIG:
	case R_ATTEST_BUF_TOO_BIG:
		return E2BIG;
	case R_NO_SVSM: return ENODEV;
	case R_CPU_IMPOSSIBLE: case R_CPU_UNUSABLE: return ENXIO;
	case R_VALID_READONLY_ARG: return EFAULT;
	case R_VALID: case R_VALID_BAD_BUFFER: return -1;
	default: return EINVAL;
	}
}

static bool cpu_online_known(uint32_t cpu)
{
	return cpu < sys.nr_cpu_ids && cpu < MAX_CPUS && sys.online[cpu];
}

/* The kernel's svsm_diag_call_is_query(): read-only and no buffer. */
static bool call_is_query(void)
{
	const struct svsm_diag_call *a = (const void *)stage;

	if (a->flags & (SVSM_DIAG_CALL_BUF_CA | SVSM_DIAG_CALL_BUF_PAGE))
		return false;
	switch (a->protocol) {
	case SVSM_PROTOCOL_CORE:
		return a->call_id == SVSM_CORE_QUERY_PROTOCOL ||
		       (a->call_id == SVSM_CORE_CONFIGURE_VTOM && a->rcx == 1);
	case SVSM_PROTOCOL_VTPM:
		return a->call_id == SVSM_VTPM_QUERY;
	case SVSM_PROTOCOL_APIC:
		return a->call_id == SVSM_APIC_QUERY_FEATURES;
	default:
		return false;
	}
}

/* The first rule the input breaks, hence the errno due; or valid. */
static struct expectation expect(void)
{
	struct expectation x = { .rule = R_VALID, .err = -1 };
	int cmd = in.cmd;
	bool svsm_cmd = cmd == C_CALL || cmd == C_REMAP || cmd == C_ATTEST;
	size_t i;

	if (cmd == C_UNKNOWN)
		x.rule = R_UNKNOWN_IOCTL;
	else if ((cmd == C_REMAP || cmd == C_ATTEST) && !privileged)
		x.rule = R_UNPRIVILEGED;
	else if (in.invalid_arg)
		x.rule = R_BAD_POINTER;
	else if (in.usize < in.ksize)
		x.rule = R_SIZE_SMALL;
	else if (in.usize > PAGE)
		x.rule = R_SIZE_OVER_PAGE;
	if (x.rule != R_VALID)
		goto out;

	/*
	 * copy_struct_from_user(): the bytes past the struct must be zero, read
	 * word by word up to the first non-zero one or a fault; then the struct.
	 * Only a struct running into the guard page (A_CROSS) can fault, and
	 * its end there is page- hence word-aligned.
	 */
	for (i = in.ksize; i < in.usize && x.rule == R_VALID; i++) {
		if (in.where == A_CROSS && i >= in.placed)
			x.rule = R_TAIL_FAULT;
		else if (stage[i])
			x.rule = R_TAIL_NONZERO;
	}
	if (x.rule == R_VALID && in.where == A_CROSS && in.placed < in.ksize)
		x.rule = R_STRUCT_FAULT;
	if (x.rule == R_VALID)
		x.rule = content_rule(cmd);
	/*
	 * An unprivileged CALL is read (and checked) first: only read-only
	 * queries without a buffer may go on, so that a monitoring group sees
	 * whether the SVSM answers (svsm_diag(4), PERMISSIONS).
	 */
	if (x.rule == R_VALID && cmd == C_CALL && !privileged && !call_is_query())
		x.rule = R_UNPRIVILEGED;
	if (x.rule != R_VALID)
		goto out;

	if (cmd != C_INFO && sys.backend == SVSM_DIAG_BACKEND_NONE) {
		x.rule = R_NO_SVSM;
		goto out;
	}
	if (cmd == C_CPU) {
		uint32_t cpu = ((const struct svsm_diag_cpu *)stage)->cpu;

		if (cpu >= sys.nr_cpu_ids || cpu >= MAX_CPUS || !sys.possible[cpu])
			x.rule = R_CPU_IMPOSSIBLE;
	} else if (svsm_cmd) {
		uint32_t cpu = ((const struct svsm_diag_remap_test *)stage)->cpu;

		if (!(cmd == C_ATTEST && cpu == SVSM_DIAG_ANY_CPU) && !cpu_online_known(cpu))
			x.rule = R_CPU_UNUSABLE;
	}
	if (x.rule != R_VALID)
		goto out;

	/* Valid. Write-back to a read-only struct fails, whatever else happened. */
	if (in.where == A_RO) {
		x.rule = R_VALID_READONLY_ARG;
	} else if (cmd == C_CALL) {
		const struct svsm_diag_call *a = (const void *)stage;

		if (a->flags && !in_data(a->buf_addr, a->buf_len))
			x.rule = R_VALID_BAD_BUFFER;
	} else if (cmd == C_ATTEST) {
		const struct svsm_diag_attest *a = (const void *)stage;

		if ((a->report.len && !in_data(a->report.addr, a->report.len)) ||
		    (a->manifest.len && !in_data(a->manifest.addr, a->manifest.len)) ||
		    (a->certs.len && !in_data(a->certs.addr, a->certs.len)))
			x.rule = R_VALID_BAD_BUFFER;
	}
out:
	x.err = rule_errno(x.rule);
	x.efault_ok = x.rule == R_VALID_BAD_BUFFER;
	return x;
}

/* What a valid input may get: 0 or an error of the SVSM's own. */
static bool svsm_level(int cmd, int err, bool efault_ok)
{
	bool ran = err == 0 || err == EIO || err == EBUSY || err == ECOMM || err == EREMOTEIO ||
		   err == EAGAIN;

	switch (cmd) {
	case C_INFO:
	case C_CPU:
		return err == 0;
	case C_CALL:
		/* A CALL buffer is read before the call: a bad one fails for sure. */
		if (efault_ok)
			return err == EFAULT || err == ENOMEM;
		return ran || err == ENOMEM;
	case C_REMAP:
		return ran || err == ENOMEM;
	case C_ATTEST:
		/* Buffers are written only after a call that returned data. */
		return ran || err == ENOSPC || err == EPROTO || err == ENOMEM ||
		       (efault_ok && err == EFAULT);
	}
	return false;
}

static void check_expectation(int err)
{
	struct expectation x = expect();
	int cmd = in.cmd;

	st->rule_hits[x.rule]++;
	if (x.err >= 0) {
		if (err == x.err || (x.err == EFAULT && err == ENOMEM &&
				      x.rule == R_VALID_READONLY_ARG && cmd != C_INFO && cmd != C_CPU))
			return;
		if (err == 0) {
			st->invalid_accepted++;
			record(samples, &nr_samples, "%s: invalid input accepted: breaks %s, %s due",
			       cmd_names[cmd], rule_names[x.rule], errname(x.err));
		} else {
			st->wrong_errno++;
			record(samples, &nr_samples, "%s: %s for an input that breaks %s, %s due",
			       cmd_names[cmd], errname(err), rule_names[x.rule], errname(x.err));
		}
		return;
	}
	if (svsm_level(cmd, err, x.efault_ok))
		return;
	if (err == EINVAL || err == E2BIG || err == ENXIO || err == ENODEV || err == EPERM ||
	    err == ENOTTY || err == EFAULT) {
		st->valid_refused++;
		record(samples, &nr_samples, "%s: valid input (%s) refused with %s", cmd_names[cmd],
		       rule_names[x.rule], errname(err));
	} else {
		st->wrong_errno++;
		record(samples, &nr_samples, "%s: valid input (%s) got %s", cmd_names[cmd],
		       rule_names[x.rule], errname(err));
	}
}

/* ---- oracles ---- */

/* May @cmd return @err at all, given the backend and our privileges? */
static bool errno_allowed(int cmd, int err)
{
	bool none = sys.backend == SVSM_DIAG_BACKEND_NONE;
	bool svsm_ran_errs = err == EIO || err == EBUSY || err == ECOMM || err == EREMOTEIO ||
			     err == EAGAIN;

	switch (err) {
	case 0: case EINVAL: case EFAULT: case E2BIG: case ENOTTY: case ENXIO: case EPERM:
	case ENODEV: case EIO: case EBUSY: case ECOMM: case EREMOTEIO: case ENOMEM: case ENOSPC:
	case EPROTO: case EAGAIN: case EHOSTDOWN:
		break;
	default:
		return false;		/* not in the uapi contract at all */
	}
	if (cmd == C_UNKNOWN)
		return err == ENOTTY;
	if (err == ENOTTY)
		return false;
	if (!privileged && (cmd == C_REMAP || cmd == C_ATTEST))
		return err == EPERM;
	/* Read-only queries without a buffer are open to the unprivileged. */
	if (!privileged && cmd == C_CALL && err == EPERM)
		return true;
	switch (cmd) {
	case C_INFO:
		return err == 0 || err == EINVAL || err == EFAULT || err == E2BIG;
	case C_CPU:
		if (none && err == 0)
			return false;
		return err == 0 || err == EINVAL || err == EFAULT || err == E2BIG || err == ENXIO ||
		       err == ENODEV;
	case C_CALL:
	case C_REMAP:
		if (none && (err == 0 || svsm_ran_errs || err == ENXIO))
			return false;
		return err != ENOSPC && err != EPROTO;
	case C_ATTEST:
		if (none && (err == 0 || svsm_ran_errs || err == ENXIO || err == ENOSPC ||
			     err == EPROTO))
			return false;
		return true;
	}
	return false;
}

/* Errors returned before anything is copied back: the struct must be untouched. */
static bool no_copy_back(int cmd, int err)
{
	if (err == EINVAL || err == ENOTTY || err == ENODEV || err == EPERM)
		return true;
	return err == E2BIG && cmd != C_ATTEST;	/* ATTEST may say E2BIG after a call */
}

static void check_success(int cmd, const uint8_t *s)
{
	uint32_t size;
	size_t i, want = in.usize < in.ksize ? in.usize : in.ksize;

	memcpy(&size, s, 4);
	if (size != want)
		VIOLATION("%s: success with size %u written back, sent %u (struct %zu)",
			  cmd_names[cmd], size, in.usize, in.ksize);
	for (i = in.ksize; i < in.placed; i++) {
		if (s[i] != before[i]) {
			VIOLATION("%s: success but byte %zu past the struct changed", cmd_names[cmd], i);
			break;
		}
	}

	switch (cmd) {
	case C_INFO: {
		const struct svsm_diag_info *a = (const void *)s;
		bool hidden = a->valid & SVSM_DIAG_INFO_ADDRS_HIDDEN;

		if (a->abi_version != SVSM_DIAG_ABI_VERSION || a->backend != sys.backend ||
		    a->rsvd || !memchr(a->module_version, 0, sizeof(a->module_version)))
			VIOLATION("info: abi %u backend %u rsvd %u or unterminated version",
				  a->abi_version, a->backend, a->rsvd);
		if (sys.backend != SVSM_DIAG_BACKEND_NONE &&
		    (hidden == privileged || (hidden && (a->svsm_base || a->svsm_caa))))
			VIOLATION("info: ADDRS_HIDDEN=%d as %s, base %#llx caa %#llx", hidden,
				  privileged ? "root" : "nobody", (unsigned long long)a->svsm_base,
				  (unsigned long long)a->svsm_caa);
		break;
	}
	case C_CPU: {
		const struct svsm_diag_cpu *a = (const void *)s;
		bool hidden = a->state & SVSM_DIAG_CPU_ADDRS_HIDDEN;

		if (hidden == privileged || (hidden && (a->ca_gpa || a->initial_ca_gpa)))
			VIOLATION("cpu: ADDRS_HIDDEN=%d as %s, ca %#llx", hidden,
				  privileged ? "root" : "nobody", (unsigned long long)a->ca_gpa);
		if (a->cpu < sys.nr_cpus && privileged && sys.backend == SVSM_DIAG_BACKEND_EMULATED &&
		    a->ca_gpa != sys.ca_gpa[a->cpu])
			VIOLATION("cpu %u: CA %#llx, was %#llx at start (a remap was not undone?)",
				  a->cpu, (unsigned long long)a->ca_gpa,
				  (unsigned long long)sys.ca_gpa[a->cpu]);
		break;
	}
	case C_CALL: {
		const struct svsm_diag_call *a = (const void *)s;

		if (want < offsetof(struct svsm_diag_call, retries))
			break;
		if ((a->status & (SVSM_DIAG_STATUS_ISSUED | SVSM_DIAG_STATUS_SERVICED)) !=
		    (SVSM_DIAG_STATUS_ISSUED | SVSM_DIAG_STATUS_SERVICED) || (a->result & 0x80000000U))
			VIOLATION("call: success with status %#x result %#x", a->status, a->result);
		break;
	}
	case C_REMAP: {
		const struct svsm_diag_remap_test *a = (const void *)s;

		if (want < sizeof(*a))
			break;
		if (a->steps_done != SVSM_DIAG_REMAP_STEPS || !(a->outcome & SVSM_DIAG_REMAP_RESTORED))
			VIOLATION("remap: success with %u steps, outcome %#x", a->steps_done, a->outcome);
		break;
	}
	case C_ATTEST: {
		const struct svsm_diag_attest *a = (const void *)s;

		if (want < sizeof(*a))
			break;
		if (a->report.used > a->report.len || a->manifest.used > a->manifest.len ||
		    a->certs.used > a->certs.len || a->report.used < SNP_REPORT_SIZE)
			VIOLATION("attest: success with used %u/%u %u/%u %u/%u", a->report.used,
				  a->report.len, a->manifest.used, a->manifest.len, a->certs.used,
				  a->certs.len);
		break;
	}
	}
}

static void check_result(int err)
{
	int cmd = in.cmd;
	const uint8_t *s = in.target;

	st->calls[cmd]++;
	st->results[cmd][err < MAX_ERRNO ? err : MAX_ERRNO - 1]++;

	check_expectation(err);
	if (!errno_allowed(cmd, err)) {
		st->unexpected_errnos++;
		record(samples, &nr_samples, "%s: unexpected %s (%d)%s", cmd_names[cmd], errname(err),
		       err, privileged ? "" : " as nobody");
		return;
	}
	if (cmd == C_UNKNOWN)
		return;
	if (in.invalid_arg && err != EFAULT && !(err == EPERM && !privileged)) {
		VIOLATION("%s: bad argument pointer gave %s, not EFAULT", cmd_names[cmd], errname(err));
		return;
	}
	if (in.where == A_RO && err == 0)
		VIOLATION("%s: success although the struct is read-only", cmd_names[cmd]);
	if (!s || in.where == A_RO || in.where == A_CROSS) {
		if (in.where == A_CROSS && err == 0 && in.placed < in.ksize)
			VIOLATION("%s: success with the struct running into the guard", cmd_names[cmd]);
		return;
	}
	if (cmd == C_CALL && in.placed >= sizeof(struct svsm_diag_call)) {
		const struct svsm_diag_call *a = (const void *)s;

		learn_gpa(a->rcx_out);
		learn_gpa(a->rdx_out);
		learn_gpa(a->r8_out);
	} else if (cmd == C_REMAP && in.placed >= sizeof(struct svsm_diag_remap_test)) {
		learn_gpa(((const struct svsm_diag_remap_test *)s)->test_ca);
	}
	if (no_copy_back(cmd, err)) {
		if (memcmp(s, before, in.placed))
			VIOLATION("%s: %s but the struct was written", cmd_names[cmd], errname(err));
		return;
	}
	if (err == 0)
		check_success(cmd, s);
	if (cmd == C_ATTEST && err == ENOSPC && in.usize >= sizeof(struct svsm_diag_attest)) {
		const struct svsm_diag_attest *a = (const void *)s;

		if (a->report.used <= a->report.len && a->manifest.used <= a->manifest.len &&
		    a->certs.used <= a->certs.len)
			VIOLATION("attest: ENOSPC but every buffer is large enough (%u/%u %u/%u %u/%u)",
				  a->report.used, a->report.len, a->manifest.used, a->manifest.len,
				  a->certs.used, a->certs.len);
	}
}

/* ---- one iteration ---- */

static bool trace;

static void one_iteration(void)
{
	static const unsigned int weights[NCMD] = { 10, 14, 38, 8, 22, 8 };
	unsigned int sum = 0, r, i;
	uint64_t arg = 0;
	int err;

	memset(&in, 0, sizeof(in));
	memset(stage, 0, sizeof(stage));
	for (i = 0; i < NCMD; i++)
		sum += weights[i];
	r = below(sum);
	for (i = 0; r >= weights[i]; i++)
		r -= weights[i];
	in.cmd = (int)i;
	in.buf_kind = A_VALID;

	switch (in.cmd) {
	case C_INFO: gen_info(); break;
	case C_CPU: gen_cpu(); break;
	case C_CALL: gen_call(); break;
	case C_REMAP: gen_remap(); break;
	case C_ATTEST: gen_attest(); break;
	default: gen_unknown(); break;
	}
	if (in.cmd != C_UNKNOWN) {
		in.nr = cmd_numbers[in.cmd];
		in.ksize = cmd_sizes[in.cmd];
		in.usize = chance(80) ? (uint32_t)in.ksize : mutate_size(in.ksize, &in.extent);
		if (!in.extent)
			in.extent = in.ksize;
		put32(stage, in.usize);
	} else {
		in.extent = 256;
	}
	place_argument(&arg);
	if (in.target && in.placed <= sizeof(before))
		memcpy(before, in.target, in.placed);

	if (trace)	/* written before the call: the last line names a crashing input */
		fprintf(stderr, "%u#%" PRIu64 " %s %s", tid, st->iterations, cmd_names[in.cmd], in.desc);
	err = do_ioctl(in.nr, arg);
	if (trace)
		fprintf(stderr, " -> %s\n", errname(err));
	check_result(err);
	kmsg_check();
	st->iterations++;
}

/* ---- reporting ---- */

static unsigned int distinct(bool errors_only)
{
	unsigned int n = 0;
	int c, e;

	for (c = 0; c < NCMD; c++)
		for (e = errors_only ? 1 : 0; e < MAX_ERRNO; e++)
			n += total.results[c][e] != 0;
	return n;
}

/* Contract rules (before R_VALID) that at least one input broke first. */
static unsigned int rules_broken(void)
{
	unsigned int n = 0;
	int r;

	for (r = 0; r < R_VALID; r++)
		n += total.rule_hits[r] != 0;
	return n;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_samples(const char *key, const struct sample *arr, unsigned int nr)
{
	unsigned int i;

	printf(", \"%s\": [", key);
	for (i = 0; i < nr; i++) {
		printf("%s{\"thread\": %u, \"iteration\": %" PRIu64 ", \"what\": ", i ? ", " : "",
		       arr[i].thread, arr[i].iteration);
		json_string(arr[i].what);
		printf(", \"input\": ");
		json_string(arr[i].desc);
		printf("}");
	}
	printf("]");
}

static void report(bool json, uint64_t seed, unsigned int threads, double secs,
		   uint64_t unpriv_from)
{
	double rate = secs > 0 ? (double)total.iterations / secs : 0.0;
	unsigned int i;
	int c, e;
	bool first;

	if (json) {
		printf("{\"seed\": %" PRIu64 ", \"threads\": %u, \"iterations\": %" PRIu64
		       ", \"seconds\": %.3f, \"iterations_per_second\": %.1f, \"backend\": %u, "
		       "\"nr_cpu_ids\": %u, \"unprivileged_from\": %" PRIu64 ", \"calls\": {",
		       seed, threads, total.iterations, secs, rate, sys.backend, sys.nr_cpu_ids,
		       unpriv_from);
		for (c = 0; c < NCMD; c++)
			printf("%s\"%s\": %" PRIu64, c ? ", " : "", cmd_names[c], total.calls[c]);
		printf("}, \"results\": {");
		for (c = 0; c < NCMD; c++) {
			printf("%s\"%s\": {", c ? ", " : "", cmd_names[c]);
			first = true;
			for (e = 0; e < MAX_ERRNO; e++) {
				if (!total.results[c][e])
					continue;
				printf("%s\"%s\": %" PRIu64, first ? "" : ", ", errname(e),
				       total.results[c][e]);
				first = false;
			}
			printf("}");
		}
		printf("}, \"distinct_error_paths\": %u, \"distinct_outcomes\": %u, "
		       "\"unexpected_errnos\": %" PRIu64 ", \"invariant_violations\": %" PRIu64
		       ", \"kernel_log_events\": %" PRIu64,
		       distinct(true), distinct(false), total.unexpected_errnos,
		       total.invariant_violations, kernel_log_events);
		printf(", \"invalid_accepted\": %" PRIu64 ", \"valid_refused\": %" PRIu64
		       ", \"wrong_errno\": %" PRIu64 ", \"rules_broken\": %u, \"rules\": %u"
		       ", \"rule_hits\": {", total.invalid_accepted, total.valid_refused,
		       total.wrong_errno, rules_broken(), (unsigned int)R_VALID);
		for (c = 0; c < NR_RULES; c++)
			printf("%s\"%s\": %" PRIu64, c ? ", " : "", rule_names[c], total.rule_hits[c]);
		printf("}");
		json_samples("failures", samples, nr_samples);
		json_samples("kernel_log", klog, nr_klog);
		printf("}\n");
		return;
	}

	printf("svsm-fuzz: seed %" PRIu64 ", %u thread%s, %" PRIu64 " iterations in %.1fs (%.0f/s), "
	       "backend %u, unprivileged from iteration %" PRIu64 "\n",
	       seed, threads, threads == 1 ? "" : "s", total.iterations, secs, rate, sys.backend,
	       unpriv_from);
	for (c = 0; c < NCMD; c++) {
		printf("  %-8s %8" PRIu64 " calls:", cmd_names[c], total.calls[c]);
		for (e = 0; e < MAX_ERRNO; e++)
			if (total.results[c][e])
				printf(" %s=%" PRIu64, errname(e), total.results[c][e]);
		printf("\n");
	}
	printf("distinct error paths hit: %u (outcomes incl. success: %u)\n", distinct(true),
	       distinct(false));
	printf("unexpected errnos: %" PRIu64 ", invariant violations: %" PRIu64
	       ", kernel log events: %" PRIu64 "\n",
	       total.unexpected_errnos, total.invariant_violations, kernel_log_events);
	printf("invalid input accepted: %" PRIu64 ", valid input refused: %" PRIu64
	       ", wrong errno: %" PRIu64 "; contract rules broken by some input: %u of %u\n",
	       total.invalid_accepted, total.valid_refused, total.wrong_errno, rules_broken(),
	       (unsigned int)R_VALID);
	for (i = 0; i < nr_samples; i++)
		printf("  FAIL thread %u #%" PRIu64 ": %s\n        input: %s\n", samples[i].thread,
		       samples[i].iteration, samples[i].what, samples[i].desc);
	for (i = 0; i < nr_klog; i++)
		printf("  KLOG thread %u after #%" PRIu64 ": %s\n        input: %s\n", klog[i].thread,
		       klog[i].iteration, klog[i].what, klog[i].desc);
}

static uint64_t number_arg(const char *opt, const char *v)
{
	char *end;
	unsigned long long n;

	if (!v) {
		fprintf(stderr, "svsm-fuzz: %s needs a value\n", opt);
		exit(2);
	}
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || !*v) {
		fprintf(stderr, "svsm-fuzz: %s: not a number: %s\n", opt, v);
		exit(2);
	}
	return n;
}

/*
 * --race-remap: one thread keeps issuing CALLs with a BUF_PAGE buffer on one
 * CPU (an unsupported call, so RCX comes back holding the buffer's GPA);
 * the other issues core REMAP_CA on another CPU to the GPA just seen. The
 * module must never let the SVSM move a CA onto a page that another call
 * allocated and is about to free: each REMAP_CA must fail (EINVAL from the
 * module, or EIO when the SVSM refuses) and leave nothing in the kernel log.
 */
static volatile int race_stop;
static unsigned int race_cpu[2];

static void pin_to(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int race_call(struct svsm_diag_call *a)
{
	struct svsm_diag_call *arg = (void *)arena;
	int err;

	memcpy(arg, a, sizeof(*a));
	err = do_ioctl(SVSM_DIAG_CALL, (uintptr_t)arg);
	memcpy(a, arg, sizeof(*a));
	st->calls[C_CALL]++;
	st->results[C_CALL][err < MAX_ERRNO ? err : MAX_ERRNO - 1]++;
	return err;
}

static void race_churn(void)
{
	pin_to(race_cpu[1]);
	while (!race_stop) {
		struct svsm_diag_call a = {
			.size = sizeof(a), .cpu = race_cpu[1], .protocol = 99,
			.flags = SVSM_DIAG_CALL_BUF_PAGE, .buf_reg = SVSM_DIAG_REG_RCX,
			.buf_addr = (uintptr_t)data, .buf_len = PAGE,
		};

		race_call(&a);
		learn_gpa(a.rcx_out);
	}
}

static void race_remap(uint64_t iterations)
{
	uint64_t i, gpa;
	int err;

	pin_to(race_cpu[0]);
	while (!__atomic_load_n(&learned_next, __ATOMIC_RELAXED) && !race_stop)
		usleep(1000);
	for (i = 0; i < iterations; i++) {
		struct svsm_diag_call a = {
			.size = sizeof(a), .cpu = race_cpu[0], .protocol = SVSM_PROTOCOL_CORE,
			.call_id = SVSM_CORE_REMAP_CA,
		};

		gpa = __atomic_load_n(&learned[(__atomic_load_n(&learned_next, __ATOMIC_RELAXED) - 1) %
					       NR_LEARNED], __ATOMIC_RELAXED);
		a.rcx = gpa;
		in.desc_len = 0;
		note("race: REMAP_CA on cpu %u to %#llx, the buffer page of a CALL on cpu %u",
		     race_cpu[0], (unsigned long long)gpa, race_cpu[1]);
		err = race_call(&a);
		if (!errno_allowed(C_CALL, err)) {
			st->unexpected_errnos++;
			record(samples, &nr_samples, "call: unexpected %s (%d)", errname(err), err);
		} else if (!err || (a.status & SVSM_DIAG_STATUS_CA_RESTORED)) {
			VIOLATION("call: REMAP_CA onto another call's buffer page was accepted "
				  "(%s, status %#x, result %#x)", errname(err), a.status, a.result);
		}
		kmsg_check();
		st->iterations++;
	}
}

struct worker {
	pthread_t thread;
	unsigned int tid;
	uint64_t seed, iterations, unpriv_from;
	struct stats *stats;
	struct memory mem;
	int race;		/* 0: fuzz; 1: race remapper; 2: race churner */
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	uint64_t i;

	tid = w->tid;
	st = w->stats;
	/* Thread 0 draws exactly the single-threaded sequence of the seed. */
	rng_state = w->seed + (uint64_t)w->tid * 0x632be59bd9b4e019ULL;
	arena = w->mem.arena;
	ro = w->mem.ro;
	ro_rw = w->mem.ro_rw;
	data = w->mem.data;
	if (w->race == 1) {
		race_remap(w->iterations);
		race_stop = 1;
		return NULL;
	}
	if (w->race == 2) {
		race_churn();
		return NULL;
	}
	for (i = 0; i < w->iterations; i++) {
		if (i == w->unpriv_from && privileged)
			drop_privileges();
		one_iteration();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/svsm_diag";
	uint64_t iterations = 10000, seed = 1, unpriv_percent = 10, threads = 1, unpriv_from;
	struct worker *workers;
	struct timespec t0, t1;
	bool json = false, race = false;
	unsigned int t;
	double secs;
	int a, c, e;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--iterations"))
			iterations = number_arg(argv[a], argv[a + 1]), a++;
		else if (!strcmp(argv[a], "--seed"))
			seed = number_arg(argv[a], argv[a + 1]), a++;
		else if (!strcmp(argv[a], "--unpriv-percent"))
			unpriv_percent = number_arg(argv[a], argv[a + 1]), a++;
		else if (!strcmp(argv[a], "--threads"))
			threads = number_arg(argv[a], argv[a + 1]), a++;
		else if (!strcmp(argv[a], "--device") && a + 1 < argc)
			dev = argv[++a];
		else if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!strcmp(argv[a], "--trace"))
			trace = true;
		else if (!strcmp(argv[a], "--race-remap"))
			race = true;
		else {
			fprintf(stderr, "usage: svsm-fuzz [--iterations N] [--seed S] [--threads T] [--json] "
					"[--trace] [--unpriv-percent P] [--race-remap] [--device PATH]\n");
			return 2;
		}
	}
	if (unpriv_percent > 100)
		unpriv_percent = 100;
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "svsm-fuzz: --threads must be 1 to 64\n");
		return 2;
	}
	if (race)
		threads = 2;
	if (threads > 1)
		unpriv_percent = 0;	/* a uid change mid-call would confuse the oracles */

	dev_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die(dev);
	discover();
	if (race) {
		if (sys.backend == SVSM_DIAG_BACKEND_NONE || sys.nr_online < 2) {
			fprintf(stderr, "svsm-fuzz: --race-remap needs an SVSM backend and 2 CPUs\n");
			return 2;
		}
		race_cpu[0] = sys.nr_online > 2 ? 1 : 0;
		race_cpu[1] = race_cpu[0] + 1;
	}
	kmsg_open();

	unpriv_from = iterations - iterations * unpriv_percent / 100;
	if (getuid() != 0)
		unpriv_from = 0, privileged = false;

	workers = calloc(threads, sizeof(*workers));
	if (!workers)
		die("calloc");
	for (t = 0; t < threads; t++) {
		struct worker *w = &workers[t];

		w->tid = t;
		w->seed = seed;
		w->iterations = iterations / threads + (t == 0 ? iterations % threads : 0);
		w->unpriv_from = threads == 1 ? unpriv_from : UINT64_MAX;
		w->race = race ? (int)t + 1 : 0;
		if (race)
			w->iterations = t == 0 ? iterations : 0;
		w->stats = calloc(1, sizeof(*w->stats));
		if (!w->stats)
			die("calloc");
		setup_memory(&w->mem);
	}
	/*
	 * A 16-page hole between two PROT_NONE pages: later mappings (thread
	 * stacks, malloc arenas) are too large to land in it.
	 */
	unmapped = (uintptr_t)map(18 * PAGE, PROT_NONE) + PAGE;
	munmap((void *)(uintptr_t)unmapped, 16 * PAGE);
	unmapped += 8 * PAGE;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = 0; t < threads; t++) {
		struct worker *w = &workers[t];

		if (threads == 1) {
			worker_main(w);	/* on the main thread: setresuid then covers the process */
		} else if ((errno = pthread_create(&w->thread, NULL, worker_main, w))) {
			die("pthread_create");
		}
	}
	for (t = 0; threads > 1 && t < threads; t++)
		pthread_join(workers[t].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (kmsg_fd >= 0)
		kmsg_read();	/* whatever came last */
	for (t = 0; t < threads; t++) {
		const struct stats *w = workers[t].stats;

		for (c = 0; c < NCMD; c++) {
			total.calls[c] += w->calls[c];
			for (e = 0; e < MAX_ERRNO; e++)
				total.results[c][e] += w->results[c][e];
		}
		total.unexpected_errnos += w->unexpected_errnos;
		total.invariant_violations += w->invariant_violations;
		total.invalid_accepted += w->invalid_accepted;
		total.valid_refused += w->valid_refused;
		total.wrong_errno += w->wrong_errno;
		for (e = 0; e < NR_RULES; e++)
			total.rule_hits[e] += w->rule_hits[e];
		total.iterations += w->iterations;
	}

	report(json, seed, (unsigned int)threads, secs, threads > 1 ? UINT64_MAX : unpriv_from);
	return total.unexpected_errnos || total.invariant_violations || kernel_log_events ||
	       total.invalid_accepted || total.valid_refused || total.wrong_errno ? 1 : 0;
}
