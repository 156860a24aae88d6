#include "fleet/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct pool {
	const struct pool_callbacks *cb;
	size_t n, next, finished;
	bool *done;
	size_t *finish_order; /* items in the order they finished */
	bool stopping;        /* no item starts any more */
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (!p->stopping && p->cb->stop && p->cb->stop(p->cb->data))
			p->stopping = true;
		size_t i = p->next < p->n && !p->stopping ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->cb->run(i, p->cb->data);
		pthread_mutex_lock(&p->lock);
		p->done[i] = true;
		p->finish_order[p->finished++] = i;
		pthread_cond_signal(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
}

/* Wait (lock held) until something changes, or a quarter second passes: the stop flag is
 * polled and the status line's clock advances. */
static void wait_a_little(struct pool *p)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 250 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->changed, &p->lock, &until);
}

/* Report what can be reported now (lock not held); returns how many items are accounted
 * for in all. */
static size_t report_ready(struct pool *p, size_t reported, size_t finished, size_t next,
			   bool stopping)
{
	const struct pool_callbacks *cb = p->cb;
	if (cb->completion_order) {
		for (; reported < finished; reported++)
			cb->report(p->finish_order[reported], cb->data);
		/* stopped and nothing runs any more: the rest never started */
		if (stopping && finished == next) {
			for (size_t i = next; i < p->n; i++)
				if (cb->not_run)
					cb->not_run(i, cb->data);
			return p->n;
		}
		return reported;
	}
	for (; reported < p->n; reported++) {
		if (stopping && reported >= next) {
			if (cb->not_run)
				cb->not_run(reported, cb->data);
			continue;
		}
		pthread_mutex_lock(&p->lock);
		bool done = p->done[reported];
		pthread_mutex_unlock(&p->lock);
		if (!done)
			break;
		cb->report(reported, cb->data);
	}
	return reported;
}

int pool_run(size_t n, unsigned jobs, const struct pool_callbacks *cb)
{
	struct pool p = {.cb = cb, .n = n};
	if (n == 0)
		return 0;
	if (jobs == 0)
		jobs = 1;
	if (jobs > n)
		jobs = (unsigned)n;
	p.done = calloc(n, sizeof(*p.done));
	p.finish_order = calloc(n, sizeof(*p.finish_order));
	pthread_t *threads = calloc(jobs, sizeof(*threads));
	if (!p.done || !p.finish_order || !threads) {
		free(p.done);
		free(p.finish_order);
		free(threads);
		return -ENOMEM;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	unsigned started = 0;
	for (; started < jobs; started++)
		if (pthread_create(&threads[started], NULL, worker, &p) != 0)
			break;
	if (started == 0)
		worker(&p); /* no thread could start: do the work here */

	size_t reported = 0, seen_finished = 0;
	pthread_mutex_lock(&p.lock);
	while (reported < n) {
		if (!p.stopping && cb->stop && cb->stop(cb->data))
			p.stopping = true;
		size_t finished = p.finished, next = p.next;
		bool stopping = p.stopping;
		pthread_mutex_unlock(&p.lock);
		if (cb->progress)
			cb->progress(finished, n, cb->data);
		seen_finished = finished;
		reported = report_ready(&p, reported, finished, next, stopping);
		pthread_mutex_lock(&p.lock);
		if (reported < n && p.finished == seen_finished)
			wait_a_little(&p);
	}
	pthread_mutex_unlock(&p.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.changed);
	free(p.done);
	free(p.finish_order);
	free(threads);
	return 0;
}
