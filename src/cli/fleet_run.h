/* The run every fleet command makes: work on each target, at most -j at once, and report
 * each host in the order given as soon as it and those before it are done, with a progress
 * line on a terminal. Results are typeless here (an array of result_size bytes each); the
 * command's callbacks know their type. */
#ifndef SSHKEYCTL_CLI_FLEET_RUN_H
#define SSHKEYCTL_CLI_FLEET_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/fleet_options.h"

struct fleet_job {
	size_t result_size;
	void (*init)(void *result);
	void (*clear)(void *result);
	/* on a worker thread; index: the target's place in the list */
	void (*work)(size_t index, const struct target *t, const void *request, void *result);
	/* on the calling thread, in input order */
	void (*report)(const struct target *t, const void *result, void *data);
	const void *request;
	void *data;
	/* did the host end OK (nothing left to do or look at)? NULL: every host did */
	bool (*ended_ok)(const void *result);
};

/* The untyped callbacks over a use case's typed functions: result_init and result_clear
 * from its X_result_init / X_result_clear, and (FLEET_WORK) work from its host function. */
#define FLEET_RESULT_CALLBACKS(init_fn, clear_fn) \
	static void result_init(void *result)     \
	{                                         \
		init_fn(result);                  \
	}                                         \
	static void result_clear(void *result)    \
	{                                         \
		clear_fn(result);                 \
	}
#define FLEET_WORK(host_fn)                                                                       \
	static void work(size_t index, const struct target *t, const void *request, void *result) \
	{                                                                                         \
		(void)index;                                                                      \
		host_fn(t, request, result);                                                      \
	}
/* The same for a request with keys and n_keys: each target gets its own keys from table
 * (a struct target_keys, see cli/local_keys.h). */
#define FLEET_WORK_KEYS(host_fn, request_type, table)                                             \
	static void work(size_t index, const struct target *t, const void *request, void *result) \
	{                                                                                         \
		request_type per_target = *(const request_type *)request;                         \
		target_keys_of(table, index, &per_target.keys, &per_target.n_keys);               \
		host_fn(t, &per_target, result);                                                  \
	}

/* A command's job over the callbacks above (result_init, result_clear, work, and its own
 * ended_ok) and its report function. */
#define FLEET_JOB(result_type, report_fn, request, run_data)                              \
	{                                                                                 \
		sizeof(result_type), result_init, result_clear, work, report_fn, request, \
			run_data, ended_ok                                                \
	}

/* ret_results: o->targets.n results, to read and then release with fleet_results_free. */
int fleet_run(const struct fleet_options *o, const struct fleet_job *job, void **ret_results);
void fleet_results_free(const struct fleet_options *o, const struct fleet_job *job, void *results);
/* After the summary line: the hosts that did not end OK named on one line (text output),
 * and written to --failed-file, one target a line, to run again with -H. Returns
 * EXIT_FAIL when the file cannot be written (said so), else EXIT_OK. */
int fleet_report_not_ok(const struct fleet_options *o, const struct fleet_job *job,
			const void *results);

#endif
