// SPDX-License-Identifier: GPL-2.0-only
/*
 * svsm-agent: the test VM's agent on the second serial port. One request per
 * line from the host:
 *   RUN <id> <base64 of a shell command>
 *   POWEROFF
 * and one answer per RUN:
 *   RESULT <id> <exit status> <base64 stdout>. <base64 stderr>.
 * (the dots keep empty fields visible). Written in C, not shell, because
 * every fork costs ~20 ms under TCG and the e2e suite makes thousands of
 * requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put_b64(struct buf *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
		put(out, q, 4);
	}
}

static size_t decode_b64(const char *in, char *out)
{
	size_t n = 0;
	unsigned v = 0, bits = 0;

	for (; *in && *in != '='; in++) {
		const char *c = strchr(b64, *in);

		if (!c)
			continue;
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(v >> bits & 0xff);
		}
	}
	out[n] = '\0';
	return n;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Run @cmd with sh, collecting its stdout and stderr; returns the exit status. */
static int run(const char *cmd, struct buf *out, struct buf *err)
{
	int po[2], pe[2], status;
	struct pollfd fds[2];
	char chunk[4096];
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return 127;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (chdir("/root"))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fds[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				put(i ? err : out, chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		}
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct buf line = { 0 };
	struct termios t;
	struct utsname u;
	char c, hello[512];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: svsm-agent PORT\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_NOCTTY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	uname(&u);
	snprintf(hello, sizeof(hello), "READY %s\n", u.release);
	write_all(fd, hello, strlen(hello));

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		if (c != '\n') {
			put(&line, &c, 1);
			continue;
		}
		if (!strncmp(line.p, "POWEROFF", 8)) {
			/* QEMU runs with -no-reboot: a reboot ends it, ACPI or not. */
			sync();
			reboot(RB_AUTOBOOT);
		} else if (!strncmp(line.p, "RUN ", 4)) {
			char *id = line.p + 4, *payload = strchr(id, ' ');
			struct buf out = { 0 }, err = { 0 }, ans = { 0 };
			char *cmd, head[64];
			int rc;

			if (payload) {
				*payload++ = '\0';
				cmd = malloc(strlen(payload) + 1);
				decode_b64(payload, cmd);
				rc = run(cmd, &out, &err);
				free(cmd);
				snprintf(head, sizeof(head), "RESULT %s %d ", id, rc);
				put(&ans, head, strlen(head));
				put_b64(&ans, (unsigned char *)out.p, out.len);
				put(&ans, ". ", 2);
				put_b64(&ans, (unsigned char *)err.p, err.len);
				put(&ans, ".\n", 2);
				write_all(fd, ans.p, ans.len);
				free(out.p);
				free(err.p);
				free(ans.p);
			}
		}
		line.len = 0;
	}
}
