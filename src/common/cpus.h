/* cpus: how many CPUs this process may really use — the affinity mask,
 * capped by a cgroup v1 or v2 CPU quota — for `-i max`. PM2 counts the
 * host's CPUs, which oversubscribes a CPU-limited container. */
#ifndef PM2_CPUS_H
#define PM2_CPUS_H

/* At least 1. Every limit from our own cgroup up to the hierarchy root
 * counts (the smallest wins), rounded down. The cgroup root is
 * /sys/fs/cgroup unless PM2_CGROUP_ROOT points elsewhere (tests use a fake
 * one). */
int cpus_available(void);
/* instances as PM2 reads them: 0 = max, -1 = max - 1, N = N (at least 1). */
int cpus_resolve_instances(int instances);

#endif
