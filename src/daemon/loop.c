/* loop: see loop.h. */
#define _GNU_SOURCE
#include "loop.h"
#include "../common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 64

static void timers_fire(struct loop *l, struct io *io, uint32_t events);

int loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->armed_for = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -1;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0)
		return -1;
	io_init(&l->tio, l->tfd, timers_fire, NULL);
	return loop_io_add(l, &l->tio, EPOLLIN);
}

void loop_close(struct loop *l)
{
	for (size_t i = 0; i < l->ngrave; i++)
		free(l->graveyard[i]);
	free(l->graveyard);
	free(l->heap);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
}

void io_init(struct io *io, int fd, io_fn fn, void *ctx)
{
	io->fd = fd;
	io->fn = fn;
	io->ctx = ctx;
	io->events = 0;
	io->added = false;
}

int loop_io_add(struct loop *l, struct io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -1;
	io->events = events;
	io->added = true;
	return 0;
}

int loop_io_mod(struct loop *l, struct io *io, uint32_t events)
{
	if (!io->added)
		return loop_io_add(l, io, events);
	if (io->events == events)
		return 0;
	struct epoll_event ev = { .events = events, .data.ptr = io };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -1;
	io->events = events;
	return 0;
}

void loop_io_del(struct loop *l, struct io *io)
{
	if (!io->added)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->added = false;
	io->events = 0;
}

/* --- timers: a binary min-heap on `due` ------------------------------ */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->slot = a + 1;
	l->heap[b]->slot = b + 1;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->due <= l->heap[i]->due)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t a = 2 * i + 1, b = a + 1, m = i;
		if (a < l->nheap && l->heap[a]->due < l->heap[m]->due)
			m = a;
		if (b < l->nheap && l->heap[b]->due < l->heap[m]->due)
			m = b;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove(struct loop *l, struct timer *t)
{
	size_t i = t->slot - 1;
	size_t last = l->nheap - 1;
	if (i != last) {
		heap_swap(l, i, last);
		l->nheap--;
		heap_down(l, i);
		heap_up(l, i);
	} else {
		l->nheap--;
	}
	t->slot = 0;
}

/* Point the timerfd at the earliest due timer (or disarm it). */
static void timerfd_sync(struct loop *l)
{
	int64_t due = l->nheap ? l->heap[0]->due : -1;
	if (due == l->armed_for)
		return;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (due >= 0) {
		if (due == 0)
			due = 1; /* zero would disarm */
		its.it_value.tv_sec = due / 1000;
		its.it_value.tv_nsec = (due % 1000) * 1000000;
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_for = due;
}

void timer_init(struct timer *t, timer_fn fn, void *ctx)
{
	t->due = 0;
	t->fn = fn;
	t->ctx = ctx;
	t->slot = 0;
}

void loop_timer_arm(struct loop *l, struct timer *t, int64_t delay_ms)
{
	if (t->slot)
		heap_remove(l, t);
	if (delay_ms < 0)
		delay_ms = 0;
	t->due = mono_ms() + delay_ms;
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 16;
		l->heap = xrealloc(l->heap, l->capheap * sizeof(*l->heap));
	}
	l->heap[l->nheap++] = t;
	t->slot = l->nheap;
	heap_up(l, l->nheap - 1);
	timerfd_sync(l);
}

void loop_timer_cancel(struct loop *l, struct timer *t)
{
	if (!t->slot)
		return;
	heap_remove(l, t);
	timerfd_sync(l);
}

static void timers_fire(struct loop *l, struct io *io, uint32_t events)
{
	(void)events;
	uint64_t n;
	while (read(io->fd, &n, sizeof(n)) > 0)
		;
	l->armed_for = -1; /* expired: the fd is no longer armed */
	int64_t now = mono_ms();
	while (l->nheap && l->heap[0]->due <= now) {
		struct timer *t = l->heap[0];
		heap_remove(l, t);
		t->fn(l, t);
	}
	timerfd_sync(l);
}

void loop_defer_free(struct loop *l, void *p)
{
	if (l->ngrave == l->capgrave) {
		l->capgrave = l->capgrave ? l->capgrave * 2 : 16;
		l->graveyard = xrealloc(l->graveyard, l->capgrave * sizeof(void *));
	}
	l->graveyard[l->ngrave++] = p;
}

void loop_run_once(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, -1);
	if (n < 0 && errno != EINTR)
		return;
	for (int i = 0; i < n; i++) {
		struct io *io = evs[i].data.ptr;
		/* An io removed earlier in this round: its owner may be in
		 * the graveyard, still allocated, so this check is safe. */
		if (!io->added)
			continue;
		io->fn(l, io, evs[i].events);
	}
	for (size_t i = 0; i < l->ngrave; i++)
		free(l->graveyard[i]);
	l->ngrave = 0;
}
