#include "cli/fleet_run.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/error.h"
#include "base/file_io.h"
#include "cli/commands.h"
#include "cli/fleet_prompts.h"
#include "cli/passphrase.h"
#include "cli/report.h"
#include "cli/terminal_safe.h"
#include "fleet/pool.h"
#include "keys/fingerprint.h"
#include "remote/openssh_client.h"

/* how long the steps in progress get to finish or roll back after Ctrl-C */
#define INTERRUPT_GRACE_SECONDS 15

struct run {
	struct fleet_options *o;
	const struct fleet_job *job;
	char *results;
	bool status_line;
	/* per target, for the status line: when its work started (0: not yet), done */
	_Atomic long long *started_ms;
	_Atomic bool *finished;
	bool interrupt_seen;
	/* per target, for its JSON: how long its work took, the first host key it met */
	long long *duration_ms;
	char (*host_key)[128];
};

/* the target a worker thread is on, for the host key observer */
static _Thread_local struct run *current_run;
static _Thread_local size_t current_target;

static void note_host_key(const char *fingerprint, void *data)
{
	(void)data;
	struct run *run = current_run;
	if (run && !run->host_key[current_target][0])
		snprintf(run->host_key[current_target], sizeof(run->host_key[0]), "%s",
			 fingerprint);
}

/* Ctrl-C and SIGTERM: the first asks the run to stop, the second ends at once */
static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig)
{
	(void)sig;
	if (++interrupts >= 2) {
		static const char bye[] =
			"\r\033[K\nsshkeyctl: interrupted twice: stopped at once\n";
		if (write(STDERR_FILENO, bye, sizeof(bye) - 1) < 0) {
			/* nothing more to do */
		}
		_exit(130);
	}
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *result_at(const struct run *run, size_t i)
{
	return run->results + i * run->job->result_size;
}

static void work_one(size_t i, void *data)
{
	struct run *run = data;
	run->started_ms[i] = now_ms();
	current_run = run;
	current_target = i;
	run->job->work(i, &run->o->targets.items[i], run->job->request, result_at(run, i));
	current_run = NULL;
	run->duration_ms[i] = now_ms() - run->started_ms[i];
	run->finished[i] = true;
}

enum fleet_level fleet_level_of(const struct fleet_job *job, const void *result)
{
	const struct fleet_outcomes *oc = job->outcomes;
	return oc ? oc->outcomes[oc->of(result)].level : FLEET_LEVEL_OK;
}

static bool ended_ok_at(const struct run *run, size_t i)
{
	return fleet_level_of(run->job, result_at(run, i)) == FLEET_LEVEL_OK;
}

/* What every host's JSON carries: where it connected (as ssh -G resolved it), the outcome's
 * machine name and error code, the key's and the host key's SHA256, and the time taken. */
static void host_fields_of(const struct run *run, size_t i, struct report_host_fields *f,
			   struct dynbuf *key_fp)
{
	const struct fleet_options *o = run->o;
	const struct target *t = &o->targets.items[i];
	const void *res = result_at(run, i);
	const struct openssh_client_config *c = NULL;
	unsigned port = t->port ? t->port : o->connect.port;
	const char *user = t->user ? t->user : o->connect.login_user;
	if (openssh_client_config_get(t->host, port, user, o->connect.config_file,
				      o->connect.ssh_options, o->connect.n_ssh_options, &c, NULL,
				      0) < 0)
		c = NULL;
	*f = (struct report_host_fields){
		.host = c && c->hostname[0] ? c->hostname : t->host,
		.port = c      ? c->port
			: port ? port
			       : 22,
		.user = c && c->user[0] ? c->user : user,
		.status = run->job->outcomes
				  ? run->job->outcomes->outcomes[run->job->outcomes->of(res)].json
				  : NULL,
		.error = error_code_name(run->job->error_of ? run->job->error_of(res) : 0),
		.host_key_sha256 = run->host_key[i][0] ? run->host_key[i] : NULL,
		.duration_ms = (long)run->duration_ms[i]};
	struct local_key *keys;
	size_t n_keys = 0;
	if (run->job->keys)
		target_keys_of(run->job->keys, i, &keys, &n_keys);
	if (n_keys && keys[0].pub &&
	    fingerprint_format(keys[0].pub, FINGERPRINT_SHA256, key_fp) == 0 &&
	    dynbuf_append(key_fp, "", 1) == 0)
		f->key_sha256 = (const char *)key_fp->data;
}

static void report_one(size_t i, void *data)
{
	struct run *run = data;
	struct report_host_fields fields;
	struct dynbuf key_fp;
	dynbuf_init(&key_fp, 1024);
	if (run->o->json) {
		host_fields_of(run, i, &fields, &key_fp);
		report_json_host_fields(&fields);
	}
	terminal_lock();
	if (run->status_line)
		fleet_status_clear();
	/* -q: the hosts that ended OK are counted, not shown */
	bool mute = run->o->quiet && ended_ok_at(run, i);
	if (mute)
		terminal_safe_mute_stdout(true);
	run->job->report(&run->o->targets.items[i], result_at(run, i), run->job->data);
	if (mute)
		terminal_safe_mute_stdout(false);
	terminal_unlock();
	report_json_host_fields(NULL);
	dynbuf_free(&key_fp);
}

/* reports wait for every host (fleet_job.all_done) */
static void report_later(size_t i, void *data)
{
	(void)i;
	(void)data;
}

static void not_run(size_t i, void *data)
{
	struct run *run = data;
	const struct target *t = &run->o->targets.items[i];
	terminal_lock();
	if (run->status_line)
		fleet_status_clear();
	if (run->o->json)
		report_json_line(json_pack("{s:o, s:s}", "target", report_json_text(t->spec),
					   "status", "not_started"));
	else
		printf("%s: not started (interrupted)\n", t->spec);
	fflush(stdout);
	terminal_unlock();
}

static bool should_stop(void *data)
{
	(void)data;
	return interrupts > 0;
}

/* On the calling thread: the first time the interrupt is seen, the steps in progress get
 * their bound, and the person is told what happens now. */
static void notice_interrupt(struct run *run)
{
	if (interrupts && !run->interrupt_seen) {
		run->interrupt_seen = true;
		run->o->interrupted = true;
		remote_interrupt(INTERRUPT_GRACE_SECONDS);
		size_t running = 0;
		for (size_t i = 0; i < run->o->targets.n; i++)
			running += run->started_ms[i] && !run->finished[i];
		terminal_lock();
		if (run->status_line)
			fleet_status_clear();
		if (running)
			fprintf(stderr,
				"sshkeyctl: interrupted: no new host starts; the %zu in progress "
				"get up to %d s to finish or roll back (Ctrl-C again to stop at "
				"once)\n",
				running, INTERRUPT_GRACE_SECONDS);
		else
			fprintf(stderr, "sshkeyctl: interrupted: no new host starts\n");
		fflush(stderr);
		terminal_unlock();
	}
}

static void show_status(size_t done, size_t total, void *data)
{
	struct run *run = data;
	notice_interrupt(run);
	if (!run->status_line)
		return;
	struct fleet_status st = {.done = done, .total = total, .interrupted = run->interrupt_seen};
	long long now = now_ms(), oldest = 0;
	for (size_t i = 0; i < total; i++) {
		if (run->finished[i]) {
			st.failed += !ended_ok_at(run, i);
			continue;
		}
		long long started = run->started_ms[i];
		if (started && (!oldest || started < oldest)) {
			oldest = started;
			st.slowest = run->o->targets.items[i].spec;
		}
	}
	st.slowest_seconds = oldest ? (long)((now - oldest) / 1000) : 0;
	fleet_status_show(&st);
}

/* -v: each connection's steps on stderr, as ssh -v shows them */
static void trace_line(const char *label, const char *text, void *data)
{
	(void)data;
	terminal_lock();
	if (terminal_status_line_is_shown())
		fleet_status_clear();
	fprintf(stderr, "debug1: %s: %s\n", label, text);
	fflush(stderr);
	terminal_unlock();
}

int fleet_run(struct fleet_options *o, const struct fleet_job *job, void **ret_results)
{
	size_t n = o->targets.n;
	if (o->verbose)
		remote_set_trace(trace_line, NULL);
	int status = fleet_prepare(o, job->keys, job->password_login, job->sudo_password);
	if (status != EXIT_OK)
		return -ECANCELED;
	struct run run = {.o = o,
			  .job = job,
			  .results = calloc(n ? n : 1, job->result_size),
			  .status_line = isatty(STDERR_FILENO) && n > 1,
			  .started_ms = calloc(n ? n : 1, sizeof(*run.started_ms)),
			  .finished = calloc(n ? n : 1, sizeof(*run.finished)),
			  .duration_ms = calloc(n ? n : 1, sizeof(*run.duration_ms)),
			  .host_key = calloc(n ? n : 1, sizeof(*run.host_key))};
	if (!run.results || !run.started_ms || !run.finished || !run.duration_ms || !run.host_key) {
		free(run.results);
		free(run.started_ms);
		free(run.finished);
		free(run.duration_ms);
		free(run.host_key);
		return -ENOMEM;
	}
	remote_set_host_key_observer(note_host_key, NULL);
	for (size_t i = 0; i < n; i++)
		job->init(result_at(&run, i));
	struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	interrupts = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct pool_callbacks cb = {.run = work_one,
				    .report = job->all_done ? report_later : report_one,
				    .progress = show_status,
				    .data = &run,
				    .stop = should_stop,
				    .not_run = not_run,
				    .completion_order = o->order_done};
	int r = pool_run(n, o->jobs, &cb);
	if (run.status_line)
		fleet_status_clear();
	if (job->all_done) {
		job->all_done(run.results, n, job->data);
		for (size_t i = 0; i < n; i++)
			if (run.finished[i])
				report_one(i, &run);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(o->not_started); /* setup runs copy, then harden */
	o->not_started = calloc(n ? n : 1, sizeof(*o->not_started));
	for (size_t i = 0; o->not_started && i < n; i++)
		o->not_started[i] = !run.started_ms[i];
	if (o->interrupted && o->json) { /* before the command's summary, which ends the JSON */
		size_t never = 0;
		for (size_t i = 0; o->not_started && i < n; i++)
			never += o->not_started[i];
		report_json_line(json_pack("{s:b, s:I}", "interrupted", 1, "not_started",
					   (json_int_t)never));
	}
	remote_set_host_key_observer(NULL, NULL);
	free(run.started_ms);
	free(run.finished);
	free(run.duration_ms);
	free(run.host_key);
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
	struct dynbuf names, file, never;
	dynbuf_init(&names, 1024 * 1024);
	dynbuf_init(&file, 16 * 1024 * 1024);
	dynbuf_init(&never, 1024 * 1024);
	size_t n = 0, n_never = 0;
	int status = EXIT_OK;
	for (size_t i = 0; i < o->targets.n; i++) {
		const char *spec = o->targets.items[i].spec;
		bool started = !o->not_started || !o->not_started[i];
		if (!started)
			dynbuf_printf(&never, "%s%s", n_never++ ? ", " : "", spec);
		else if (fleet_level_of(job, (const char *)results + i * job->result_size) ==
			 FLEET_LEVEL_OK)
			continue;
		else
			dynbuf_printf(&names, "%s%s", n++ ? ", " : "", spec);
		dynbuf_printf(&file, "%s\n", spec);
	}
	if (n && !o->json)
		printf("not OK: %.*s\n", (int)names.len, (const char *)names.data);
	if (o->interrupted) {
		if (!o->json)
			printf("interrupted: %zu host%s not started%s%.*s\n", n_never,
			       n_never == 1 ? "" : "s", n_never ? ": " : "", (int)never.len,
			       never.len ? (const char *)never.data : "");
		status = EXIT_PARTIAL;
	}
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
	dynbuf_free(&never);
	return status;
}

int fleet_summarize(const struct fleet_options *o, const struct fleet_job *job, const void *results,
		    const bool *counted)
{
	const struct fleet_outcomes *oc = job->outcomes;
	size_t counts[32] = {0}, total = 0, failed = 0, warned = 0, never = 0;
	for (size_t i = 0; i < o->targets.n; i++) {
		const void *res = (const char *)results + i * job->result_size;
		if (counted && !counted[i])
			continue;
		if (o->not_started && o->not_started[i]) {
			total++;
			never++;
			continue;
		}
		const struct fleet_outcome *out = &oc->outcomes[oc->of(res)];
		if (out->group < 32)
			counts[out->group]++;
		total++;
		failed += out->level == FLEET_LEVEL_FAIL;
		warned += out->level == FLEET_LEVEL_WARN;
	}
	if (o->json) {
		json_t *sum = json_pack("{s:I}", "hosts", (json_int_t)total);
		for (size_t g = 0; sum && g < oc->n_groups; g++)
			json_object_set_new(sum, oc->groups[g].json,
					    json_integer((json_int_t)counts[g]));
		if (sum && never)
			json_object_set_new(sum, "not_started", json_integer((json_int_t)never));
		report_json_line(json_pack("{s:o}", "summary", sum));
	} else if (oc->text_summary) {
		printf("%zu host%s:", total, total == 1 ? "" : "s");
		bool first = true;
		for (size_t g = 0; g < oc->n_groups; g++) {
			if (oc->groups[g].only_if_any && !counts[g])
				continue;
			printf("%s %zu %s", first ? "" : ",", counts[g], oc->groups[g].text);
			first = false;
		}
		if (never)
			printf(", %zu not started", never);
		printf("\n");
	}
	/* "every host failed" counts the hosts that ran */
	int status = total > never && failed == total - never ? EXIT_FAIL
		     : failed                                 ? EXIT_PARTIAL
		     : warned                                 ? EXIT_WARN
							      : EXIT_OK;
	int listed = fleet_report_not_ok(o, job, results);
	if (listed == EXIT_FAIL || (listed != EXIT_OK && status == EXIT_OK))
		status = listed;
	return status;
}
