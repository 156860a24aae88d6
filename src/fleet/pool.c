#include "fleet/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
	const struct pool_callbacks *cb;
	size_t n, next, finished;
	bool *done;
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->cb->run(i, p->cb->data);
		pthread_mutex_lock(&p->lock);
		p->done[i] = true;
		p->finished++;
		pthread_cond_signal(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
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
	pthread_t *threads = calloc(jobs, sizeof(*threads));
	if (!p.done || !threads) {
		free(p.done);
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
		while (reported < n && !p.done[reported] && p.finished == seen_finished)
			pthread_cond_wait(&p.changed, &p.lock);
		size_t finished = p.finished;
		size_t upto = reported;
		while (upto < n && p.done[upto])
			upto++;
		pthread_mutex_unlock(&p.lock);
		if (finished != seen_finished && cb->progress)
			cb->progress(finished, n, cb->data);
		seen_finished = finished;
		for (; reported < upto; reported++)
			cb->report(reported, cb->data);
		pthread_mutex_lock(&p.lock);
	}
	pthread_mutex_unlock(&p.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.changed);
	free(p.done);
	free(threads);
	return 0;
}
