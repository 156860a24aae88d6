/* The doctor use case: why is my key refused? The checklist the tutorials give, run from both
 * ends in order (the client, the network, the server before and after a login), each check
 * PASS / WARN / FAIL with what was observed and the fix, and the most likely cause in one
 * sentence. A cause is only ever named from something observed. */
#ifndef SSHKEYCTL_OPS_DOCTOR_H
#define SSHKEYCTL_OPS_DOCTOR_H

#include <stdbool.h>

#include "base/dynbuf.h"
#include "ops/local_key.h"
#include "ops/login.h"

struct doctor_request {
	const struct local_key *key; /* the key being diagnosed */
	const char *private_path;    /* its private half's file, when there is one */
	const struct connect_options *connect;
	const char *for_user; /* diagnose this account, looking in as the target's (root) */
	bool fix;
	bool dry_run;
	/* to log in another way and look inside; NULL: no password */
	const struct password_source *password;
};

enum doctor_status {
	DOCTOR_PASS,
	DOCTOR_WARN,
	DOCTOR_FAIL,
	DOCTOR_SKIP, /* could not be checked (said why) */
};

struct doctor_check {
	char name[48]; /* "client: private key", "network: TCP", ... */
	enum doctor_status status;
	char evidence[1024]; /* what was observed */
	char fix[512];       /* a command the user can run, or what --fix does; may be "" */
	char cause[512];     /* FAIL: the one-sentence cause it stands for */
	int weight;          /* how specific the cause is: the first line names the heaviest */
};

/* A broken key line that --fix can mend in place. */
enum doctor_repair {
	DOCTOR_REPAIR_NONE,
	DOCTOR_REPAIR_JOIN, /* the key split over lines repair_line and repair_line + 1 */
	DOCTOR_REPAIR_BOM,  /* a byte-order mark before line 1 */
};

struct doctor_result {
	struct doctor_check *checks;
	size_t n_checks;
	char cause[512]; /* the first line: the most likely cause, or that key login works */
	bool key_login;  /* our key logged in (with the server's view; ssh may still fail) */
	/* the key is accepted and sshd then asks a second factor (key_login is true too: the
	 * key's side works); second_prompt: the factor's first prompt, "" when unknown */
	bool second_factor;
	char second_prompt[128];
	bool fixable_key_file; /* the key is missing, or the path's modes: copy's work */
	enum doctor_repair repair;
	unsigned long repair_line;
	bool private_key_mode; /* the local private key is readable by others */
	bool owner_fix;        /* as root: authorized_keys back to the account, so it can read it */
	struct dynbuf fixes;   /* --fix: one line per change made (or, dry run, to make) */
	char fix_outcome[512]; /* --fix: how it ended ("" when nothing was tried) */
};

void doctor_result_init(struct doctor_result *res);
void doctor_result_clear(struct doctor_result *res);
/* Never fails as a function: everything is in res. */
void doctor_host(const struct target *t, const struct doctor_request *req,
		 struct doctor_result *res);

#endif
