/* orphans: the PID-1 reaping figure. Run by the app inside a fresh PID
 * namespace whose /proc is its own: an intermediate process forks `count`
 * children that block on a pipe, then exits, so they are reparented to
 * PID 1. Closing the pipe makes them all exit at once: `count` zombies
 * that only PID 1 can reap. We time how long until /proc lists no more
 * processes than before, and count the zombies still there. */
#define _GNU_SOURCE
#include "bt.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Time between two looks at /proc: short next to a reap of thousands of
 * processes, long enough not to steal the CPU the reaper needs. */
#define POLL_MS 1

/* State is the field after "(comm)"; comm may hold spaces or ')'. */
static bool is_zombie(const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'Z';
}

/* Processes in our /proc (our PID namespace) that `keep` accepts; all of
 * them when keep is NULL. */
static int count_procs(bool (*keep)(const char *pid))
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]) && (!keep || keep(e->d_name)))
			n++;
	closedir(d);
	return n;
}

/* The intermediate process: fork the blocked children, then exit. */
static void make_orphans(int count, int gate[2])
{
	close(gate[1]);
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			char c;
			(void)!read(gate[0], &c, 1);
			_exit(0);
		}
	}
	_exit(0);
}

int orphans_run(int count, int timeout_ms, int64_t *reap_us, int *zombies)
{
	int before = count_procs(NULL);
	int gate[2];
	if (before < 0 || pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	pid_t maker = fork();
	if (maker < 0)
		return -1;
	if (maker == 0)
		make_orphans(count, gate);
	close(gate[0]);
	waitpid(maker, NULL, 0);
	int made = count_procs(NULL) - before;
	if (made < count)
		fprintf(stderr, "benchtool: made %d orphans of %d\n", made, count);

	int64_t t0 = now_ns();
	int64_t end = t0 + (int64_t)timeout_ms * 1000000;
	close(gate[1]);
	*reap_us = -1;
	while (now_ns() < end) {
		if (count_procs(NULL) <= before) {
			*reap_us = (now_ns() - t0) / 1000;
			break;
		}
		sleep_ms(POLL_MS);
	}
	*zombies = count_procs(is_zombie);
	return 0;
}
