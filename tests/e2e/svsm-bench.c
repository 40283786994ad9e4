// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm-bench: the timing half of bench/bench.py, the same binary on the host
 * and in the VM, so that both sides are measured by one harness.
 *
 *   svsm-bench run N CMD [ARG]... [::: CMD [ARG]...]...
 *	Run the commands N rounds, alternating A B C A B C..., each with
 *	stdout and stderr on /dev/null. One line per run:
 *	"<command index> <wall ns> <peak RSS KiB> <exit status>".
 *   svsm-bench xcpu CPU SECONDS
 *	A cross-CPU function call that sleeps: pread() of /dev/cpu/CPU/cpuid
 *	(the cpuid driver runs one CPUID on CPU through
 *	smp_call_function_single_async() and waits for a completion, or runs
 *	it directly when CPU is the caller's own). Prints "<calls> <ns>".
 *   svsm-bench xcpu-sync CPU SECONDS
 *	A bare one, waited for spinning as a CALL waits: read() of a counting
 *	perf event bound to CPU (perf_event_read() fetches the count there
 *	with smp_call_function_single(..., 1)). Prints "<calls> <ns>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "svsm-bench: %s: %s\n", what, detail);
	return 2;
}

static int run(int argc, char **argv)
{
	char **cmds[64];
	int ncmds = 0;
	long rounds = atol(argv[0]);

	if (rounds <= 0 || argc < 2)
		return die("usage", "svsm-bench run N CMD [ARG]... [::: CMD [ARG]...]...");
	cmds[ncmds++] = &argv[1];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], ":::"))
			continue;
		argv[i] = NULL;
		if (ncmds == 64 || i + 1 >= argc)
			return die("usage", "at most 64 commands, none empty");
		cmds[ncmds++] = &argv[i + 1];
	}
	for (long r = 0; r < rounds; r++) {
		for (int c = 0; c < ncmds; c++) {
			struct rusage ru;
			long long t0 = now_ns(), t1;
			int status;
			pid_t pid = fork();

			if (pid < 0)
				return die("fork", strerror(errno));
			if (pid == 0) {
				int null = open("/dev/null", O_RDWR);

				dup2(null, 1);
				dup2(null, 2);
				execvp(cmds[c][0], cmds[c]);
				_exit(127);
			}
			if (wait4(pid, &status, 0, &ru) < 0)
				return die("wait4", strerror(errno));
			t1 = now_ns();
			printf("%d %lld %ld %d\n", c, t1 - t0, ru.ru_maxrss,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
	}
	return 0;
}

/*
 * Read @len bytes from @fd (at offset 0 if @at_zero) over and over for
 * @seconds; prints "<calls> <ns>".
 */
static int read_loop(int fd, size_t len, int at_zero, const char *what, long seconds)
{
	long long start, end, calls = 0;
	char buf[16];

	start = now_ns();
	end = start + seconds * 1000000000LL;
	do {
		ssize_t n = at_zero ? pread(fd, buf, len, 0) : read(fd, buf, len);

		if (n != (ssize_t)len)
			return die(what, strerror(errno));
		calls++;
	} while (now_ns() < end);
	printf("%lld %lld\n", calls, now_ns() - start);
	return 0;
}

static int xcpu(const char *cpu, long seconds)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%s/cpuid", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return die(path, strerror(errno));
	/* The file offset selects the CPUID leaf: leaf 0, 16 bytes. */
	return read_loop(fd, 16, 1, path, seconds);
}

static int xcpu_sync(const char *cpu, long seconds)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,	/* counting: no timer on CPU */
	};
	int fd;

	fd = syscall(SYS_perf_event_open, &attr, -1, atoi(cpu), -1, 0);
	if (fd < 0)
		return die("perf_event_open", strerror(errno));
	return read_loop(fd, sizeof(unsigned long long), 0, "perf event read", seconds);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "run"))
		return run(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "xcpu"))
		return xcpu(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "xcpu-sync"))
		return xcpu_sync(argv[2], atol(argv[3]));
	return die("usage",
		   "svsm-bench run N CMD... [::: CMD...]... | xcpu CPU SECONDS | xcpu-sync CPU SECONDS");
}
