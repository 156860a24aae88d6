#include "cli/fleet_run.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fleet/pool.h"

struct run {
	const struct fleet_options *o;
	const struct fleet_job *job;
	char *results;
	bool progress;
};

static void *result_at(const struct run *run, size_t i)
{
	return run->results + i * run->job->result_size;
}

static void work_one(size_t i, void *data)
{
	struct run *run = data;
	run->job->work(&run->o->targets.items[i], run->job->request, result_at(run, i));
}

static void report_one(size_t i, void *data)
{
	struct run *run = data;
	if (run->progress)
		fleet_progress_clear();
	run->job->report(&run->o->targets.items[i], result_at(run, i), run->job->data);
}

static void show_progress(size_t done, size_t total, void *data)
{
	struct run *run = data;
	if (run->progress)
		fleet_progress_show(done, total);
}

int fleet_run(const struct fleet_options *o, const struct fleet_job *job, void **ret_results)
{
	size_t n = o->targets.n;
	struct run run = {.o = o,
			  .job = job,
			  .results = calloc(n ? n : 1, job->result_size),
			  .progress = isatty(STDERR_FILENO) && n > 1};
	if (!run.results)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		job->init(result_at(&run, i));
	struct pool_callbacks cb = {work_one, report_one, show_progress, &run};
	int r = pool_run(n, o->jobs, &cb);
	*ret_results = run.results;
	fleet_password_report(o);
	return r;
}

void fleet_results_free(const struct fleet_options *o, const struct fleet_job *job, void *results)
{
	for (size_t i = 0; results && i < o->targets.n; i++)
		job->clear((char *)results + i * job->result_size);
	free(results);
}
