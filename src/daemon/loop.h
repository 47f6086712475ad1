/* loop: the daemon's only event source. One epoll set; file descriptors are
 * watched through `struct io` embedded in their owner; timers are a binary
 * heap behind one timerfd, so the loop sleeps in epoll_wait with no timeout
 * and wakes only when something happened or a timer is due. */
#ifndef PM2_LOOP_H
#define PM2_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct io;
struct timer;

typedef void (*io_fn)(struct loop *l, struct io *io, uint32_t events);
typedef void (*timer_fn)(struct loop *l, struct timer *t);

struct io {
	int fd;
	uint32_t events;
	io_fn fn;
	void *ctx;
	bool added;
};

struct timer {
	int64_t due; /* monotonic ms */
	timer_fn fn;
	void *ctx;
	size_t slot; /* index in the heap + 1; 0 when not armed */
};

struct loop {
	int epfd;
	int tfd;
	struct io tio;
	struct timer **heap;
	size_t nheap, capheap;
	int64_t armed_for; /* what the timerfd is set to, -1 if disarmed */
	/* Objects released during a dispatch round are freed after it, so a
	 * pending event never points at freed memory. */
	void **graveyard;
	size_t ngrave, capgrave;
	bool stop;
};

int loop_init(struct loop *l);
void loop_close(struct loop *l);

void io_init(struct io *io, int fd, io_fn fn, void *ctx);
int loop_io_add(struct loop *l, struct io *io, uint32_t events);
int loop_io_mod(struct loop *l, struct io *io, uint32_t events);
void loop_io_del(struct loop *l, struct io *io);

void timer_init(struct timer *t, timer_fn fn, void *ctx);
void loop_timer_arm(struct loop *l, struct timer *t, int64_t delay_ms);
void loop_timer_cancel(struct loop *l, struct timer *t);
static inline bool timer_armed(const struct timer *t) { return t->slot != 0; }

/* free(p) once the current dispatch round is over. */
void loop_defer_free(struct loop *l, void *p);

/* Wait for events and dispatch them once. */
void loop_run_once(struct loop *l);

#endif
