/* The run every fleet command makes: first what the person must be asked (host keys, the
 * password: cli/fleet_prompts.h), then the work on each target, at most -j at once, each
 * host reported in the order given as soon as it and those before it are done (or, with
 * --order done, as it finishes), with a status line on a terminal; -q reports only the
 * hosts that did not end OK.
 *
 * Ctrl-C or SIGTERM stops the run: no new host starts, the steps in progress get a short
 * time to finish or roll back (remote_interrupt), every finished host is reported, the
 * hosts never started are named, and the summary says the run was interrupted. A second
 * Ctrl-C ends sshkeyctl at once. Results are typeless here (an array of result_size bytes
 * each); the command's callbacks know their type. */
#ifndef SSHKEYCTL_CLI_FLEET_RUN_H
#define SSHKEYCTL_CLI_FLEET_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/fleet_options.h"
#include "cli/local_keys.h"

/* What a host of a command can end with, declared once per command: the machine name (the
 * host's JSON "status"), whether it is OK, a warning or a failure (which decides the exit
 * status and the "not OK" list), and the summary count it adds to. */
enum fleet_level { FLEET_LEVEL_OK, FLEET_LEVEL_WARN, FLEET_LEVEL_FAIL };
struct fleet_outcome {
	const char *json;
	enum fleet_level level;
	unsigned group;
};
/* A count of the summary: "%zu TEXT" in the text line, JSON key in the summary object. */
struct fleet_group {
	const char *text;
	const char *json;
	bool only_if_any; /* left out of the text line when 0 (a dry run's "would change") */
};
struct fleet_outcomes {
	const struct fleet_outcome *outcomes; /* indexed by of() */
	const struct fleet_group *groups;
	size_t n_groups;
	unsigned (*of)(const void *result); /* a host's outcome */
	bool text_summary;                  /* the text line too (doctor has its own output) */
};

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
	/* the outcomes a host can end with (the summary, the exit status, "not OK") */
	const struct fleet_outcomes *outcomes;
	/* for the questions before the run: each target's keys (NULL: none), and whether
	 * the command may log in with a password */
	const struct target_keys *keys;
	bool password_login;
	bool sudo_password; /* the command works as root, through sudo where needed */
	/* When set, no host is reported before every host is done: then all_done sees all n
	 * results (findings that need them all: scan's shared keys), and the hosts are
	 * reported in order. */
	void (*all_done)(void *results, size_t n, void *data);
	/* for every host's JSON: the error (0: none) */
	int (*error_of)(const void *result);
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

/* outcome_of and error_of over a result type with the fields outcome and error */
#define FLEET_RESULT_ACCESSORS(result_type)                    \
	static unsigned outcome_of(const void *result)         \
	{                                                      \
		return ((const result_type *)result)->outcome; \
	}                                                      \
	static int error_of(const void *result)                \
	{                                                      \
		return ((const result_type *)result)->error;   \
	}

/* A command's job over the callbacks above (result_init, result_clear, work), its own
 * outcomes table and error_of, and its report function. */
#define FLEET_JOB(result_type, report_fn, request_, run_data)                                   \
	{                                                                                       \
		.result_size = sizeof(result_type), .init = result_init, .clear = result_clear, \
		.work = work, .report = report_fn, .request = request_, .data = run_data,       \
		.outcomes = &outcomes, .error_of = error_of                                     \
	}

/* ret_results: o->targets.n results, to read and then release with fleet_results_free.
 * A host that never started (an interrupt) keeps its result as init left it; the run
 * reports it itself ("not started"). */
int fleet_run(struct fleet_options *o, const struct fleet_job *job, void **ret_results);
void fleet_results_free(const struct fleet_options *o, const struct fleet_job *job, void *results);
/* After the summary line: the hosts that did not end OK named on one line (text output),
 * and written to --failed-file, one target a line, to run again with -H; after an
 * interrupt, the hosts never started, and the word. Returns EXIT_FAIL when the file cannot
 * be written (said so), EXIT_PARTIAL after an interrupt, else EXIT_OK. */
int fleet_report_not_ok(const struct fleet_options *o, const struct fleet_job *job,
			const void *results);
/* The level of a host's result. */
enum fleet_level fleet_level_of(const struct fleet_job *job, const void *result);
/* The summary of the hosts that ran (counted[i]; NULL: all): the text line "N hosts: ..."
 * (when the outcomes want one) or the JSON summary object, then the "not OK" line and
 * --failed-file (fleet_report_not_ok); the exit status: 1 when every host failed, 3 when
 * some did (or the run was interrupted), 5 when some ended with a warning, else 0. */
int fleet_summarize(const struct fleet_options *o, const struct fleet_job *job, const void *results,
		    const bool *counted);

#endif
