#include "cli/fleet_run.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "base/file_io.h"
#include "cli/commands.h"
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
	run->job->work(i, &run->o->targets.items[i], run->job->request, result_at(run, i));
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

int fleet_report_not_ok(const struct fleet_options *o, const struct fleet_job *job,
			const void *results)
{
	struct dynbuf names, file;
	dynbuf_init(&names, 1024 * 1024);
	dynbuf_init(&file, 16 * 1024 * 1024);
	size_t n = 0;
	int status = EXIT_OK;
	for (size_t i = 0; job->ended_ok && i < o->targets.n; i++) {
		if (job->ended_ok((const char *)results + i * job->result_size))
			continue;
		const char *spec = o->targets.items[i].spec;
		dynbuf_printf(&names, "%s%s", n ? ", " : "", spec);
		dynbuf_printf(&file, "%s\n", spec);
		n++;
	}
	if (n && !o->json)
		printf("not OK: %.*s\n", (int)names.len, (const char *)names.data);
	if (o->failed_file) {
		int r = write_file_atomic(o->failed_file,
					  file.len ? file.data : (const uint8_t *)"", file.len,
					  0600, 0);
		if (r < 0) {
			cli_error("--failed-file %s: %s", o->failed_file, error_to_string(r));
			status = EXIT_FAIL;
		}
	}
	fflush(stdout);
	dynbuf_free(&names);
	dynbuf_free(&file);
	return status;
}
