/* scan's history: an SQLite file (--db) that records every scan, and the drift between a
 * host's last two scans (--diff). The schema is part of the user's contract
 * (sshkeyctl(1), "INVENTORY DATABASE"), queryable with the sqlite3 shell:
 *
 *   scans(id, started, finished, version)              one row per scan run
 *   hosts(scan_id, target, status, error, all_accounts, log_source, reason)
 *   keys(scan_id, target, account, file, line, type, bits, fingerprint, public_key,
 *        comment, options, findings, last_used, uses, last_from)
 *   private_keys(scan_id, target, account, path, format, encrypted, others_read, mode)
 *   notes(scan_id, target, account, level, text)
 *
 * Times are UTC ISO 8601 text ("2026-11-30T21:00:00Z"); findings are the findings' names
 * separated by spaces; encrypted is 1, 0 or NULL (cannot tell). PRAGMA user_version is the
 * schema's version (1). The file is created 0600: it lists every key of the fleet.
 */
#ifndef SSHKEYCTL_OPS_SCAN_STORE_H
#define SSHKEYCTL_OPS_SCAN_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "ops/scan.h"

#define SCAN_STORE_SCHEMA_VERSION 1

struct scan_store;
/* Open (creating it when missing) the database at path; a file of another schema or not
 * SQLite is refused with the reason in d. */
int scan_store_open(const char *path, struct scan_store **ret, struct diag *d);
void scan_store_close(struct scan_store *st);

/* Record one scan: each target with its result (results[i] for targets[i]; counted[i]
 * false: not run, not recorded), in one transaction. ret_scan_id: the new scan's id. */
int scan_store_record(struct scan_store *st, const char *const *targets,
		      const struct scan_result *results, const bool *counted, size_t n,
		      long long started, long long *ret_scan_id, struct diag *d);

/* One key's place as the store keeps it, for the drift. */
struct scan_store_key {
	char *account;
	char *fingerprint;
	char *type;
	char *comment;
	char *options;
	char *file;
	long line;
};
struct scan_store_keys {
	struct scan_store_key *keys;
	size_t n;
	long long scan_id; /* the scan they come from; 0 when the host was never scanned */
	char when[32];     /* that scan's start */
};
/* The keys target had in its last successful scan before scan_id. */
int scan_store_previous(struct scan_store *st, const char *target, long long scan_id,
			struct scan_store_keys *ret, struct diag *d);
void scan_store_keys_clear(struct scan_store_keys *k);

/* Every key of each target's last successful scan: fn(target, account, fingerprint,
 * comment (NULL: none), arg) per key; a negative return of fn stops and is returned. */
int scan_store_inventory(struct scan_store *st,
			 int (*fn)(const char *target, const char *account, const char *fingerprint,
				   const char *comment, void *arg),
			 void *arg, struct diag *d);

/* Drift of one host: what changed between before and now, one change a line. */
enum scan_change_kind { SCAN_KEY_ADDED, SCAN_KEY_REMOVED, SCAN_KEY_CHANGED };
struct scan_change {
	enum scan_change_kind kind;
	const char *account;
	const char *fingerprint;
	const char *type;
	const char *comment;
	const char *place;  /* "file:line" now (added, changed) or before (removed) */
	const char *before; /* changed: the options and comment before */
	const char *after;
};
/* Compare a key set per account and fingerprint (pure: unit-tested); call fn for each
 * change, in the order of now's keys then before's. */
int scan_drift(const struct scan_store_keys *before, const struct scan_result *now,
	       int (*fn)(const struct scan_change *c, void *data), void *data);

#endif
