#include "ops/scan_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/time_text.h"
#include "config.h"
#include "keys/pubkey.h"

struct scan_store {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, started TEXT NOT NULL,\n"
	"  finished TEXT NOT NULL, version TEXT NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS hosts (scan_id INTEGER NOT NULL REFERENCES scans(id),\n"
	"  target TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL,\n"
	"  all_accounts INTEGER NOT NULL, log_source TEXT, reason TEXT,\n"
	"  PRIMARY KEY (scan_id, target));\n"
	"CREATE TABLE IF NOT EXISTS keys (scan_id INTEGER NOT NULL REFERENCES scans(id),\n"
	"  target TEXT NOT NULL, account TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT "
	"NULL,\n"
	"  type TEXT NOT NULL, bits INTEGER NOT NULL, fingerprint TEXT NOT NULL,\n"
	"  public_key TEXT NOT NULL, comment TEXT, options TEXT, findings TEXT NOT NULL,\n"
	"  last_used TEXT, uses INTEGER NOT NULL, last_from TEXT);\n"
	"CREATE INDEX IF NOT EXISTS keys_by_host ON keys (target, scan_id);\n"
	"CREATE INDEX IF NOT EXISTS keys_by_fingerprint ON keys (fingerprint);\n"
	"CREATE TABLE IF NOT EXISTS private_keys (scan_id INTEGER NOT NULL REFERENCES "
	"scans(id),\n"
	"  target TEXT NOT NULL, account TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT "
	"NULL,\n"
	"  encrypted INTEGER, others_read INTEGER NOT NULL, mode TEXT NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS notes (scan_id INTEGER NOT NULL REFERENCES scans(id),\n"
	"  target TEXT NOT NULL, account TEXT NOT NULL, level TEXT NOT NULL, text TEXT NOT "
	"NULL);\n";

static int db_error(sqlite3 *db, const char *what, struct diag *d)
{
	diag_set(d, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return -EIO;
}

int scan_store_open(const char *path, struct scan_store **ret, struct diag *d)
{
	struct scan_store *st = calloc(1, sizeof(*st));
	sqlite3_stmt *q = NULL;
	int r = 0;
	if (!st)
		return -ENOMEM;
	/* created 0600 before SQLite opens it: the inventory names every key */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		diag_set(d, "%s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		r = db_error(st->db, path, d);
		goto out;
	}
	sqlite3_busy_timeout(st->db, 10000);
	int version = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		r = db_error(st->db, path, d);
		goto out;
	}
	version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (version != 0 && version != SCAN_STORE_SCHEMA_VERSION) {
		diag_set(d, "%s: an inventory of schema version %d (this sshkeyctl knows %d)", path,
			 version, SCAN_STORE_SCHEMA_VERSION);
		r = ERR_FORMAT;
		goto out;
	}
	char *err = NULL;
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", SCAN_STORE_SCHEMA_VERSION);
	if (sqlite3_exec(st->db, schema, NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(st->db, pragma, NULL, NULL, &err) != SQLITE_OK) {
		diag_set(d, "%s: %s", path, err ? err : "cannot create the tables");
		sqlite3_free(err);
		r = -EIO;
		goto out;
	}
	*ret = st;
	st = NULL;
out:
	sqlite3_finalize(q);
	scan_store_close(st);
	return r;
}

void scan_store_close(struct scan_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

/* bind the values of one row: 's' text (NULL: SQL NULL), 'i' long long, 'b' bool */
static int bind_row(sqlite3_stmt *q, const char *types, ...)
{
	va_list ap;
	int r = SQLITE_OK;
	va_start(ap, types);
	sqlite3_reset(q);
	for (int i = 0; types[i] && r == SQLITE_OK; i++) {
		if (types[i] == 's') {
			const char *s = va_arg(ap, const char *);
			r = s ? sqlite3_bind_text(q, i + 1, s, -1, SQLITE_TRANSIENT)
			      : sqlite3_bind_null(q, i + 1);
		} else if (types[i] == 'i') {
			r = sqlite3_bind_int64(q, i + 1, va_arg(ap, long long));
		} else {
			r = sqlite3_bind_int(q, i + 1, va_arg(ap, int));
		}
	}
	va_end(ap);
	if (r == SQLITE_OK)
		r = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	return r;
}

static const char *const outcome_names[] = {"ok", "findings", "failed", "unreachable"};

static int record_host(sqlite3_stmt **q, long long id, const char *target,
		       const struct scan_result *res)
{
	int r = bind_row(q[0], "isssbss", id, target, outcome_names[res->outcome],
			 error_code_name(res->error), (int)res->all_accounts, res->log_source,
			 res->diag.text[0] ? res->diag.text : NULL);
	struct dynbuf line;
	dynbuf_init(&line, 64 * 1024);
	for (size_t i = 0; r == SQLITE_OK && i < res->n_keys; i++) {
		const struct scan_key *k = &res->keys[i];
		char findings[512] = "", when[32];
		for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
			if (k->findings & (1u << f))
				snprintf(findings + strlen(findings),
					 sizeof(findings) - strlen(findings), "%s%s",
					 findings[0] ? " " : "", scan_finding_infos[f].name);
		if (k->last_used)
			time_text_iso(k->last_used, when);
		dynbuf_reset(&line);
		if (pubkey_format_line(k->key, NULL, &line) < 0 ||
		    dynbuf_append_byte(&line, 0) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
		r = bind_row(q[1], "isssisissssssis", id, target, k->account, k->file,
			     (long long)k->line, k->key->type->name, (long long)k->key->bits,
			     k->fingerprint, (const char *)line.data, k->comment, k->options,
			     findings, k->last_used ? when : NULL, (long long)k->uses,
			     k->last_from[0] ? k->last_from : NULL);
	}
	dynbuf_free(&line);
	for (size_t i = 0; r == SQLITE_OK && i < res->n_private_keys; i++) {
		const struct scan_private_key *pk = &res->private_keys[i];
		r = bind_row(q[2], "isssssbs", id, target, pk->account, pk->path, pk->format,
			     pk->encrypted < 0 ? NULL
			     : pk->encrypted   ? "1"
					       : "0",
			     (int)pk->others_read, pk->mode);
	}
	for (size_t i = 0; r == SQLITE_OK && i < res->n_notes; i++) {
		const struct scan_note *nt = &res->notes[i];
		r = bind_row(q[3], "issss", id, target, nt->account,
			     nt->info                     ? "info"
			     : nt->severity == SCAN_ERROR ? "error"
							  : "warning",
			     nt->text);
	}
	return r;
}

int scan_store_record(struct scan_store *st, const char *const *targets,
		      const struct scan_result *results, const bool *counted, size_t n,
		      long long started, long long *ret_scan_id, struct diag *d)
{
	static const char *const inserts[] = {
		"INSERT INTO hosts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		"INSERT INTO keys VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
		"?14, ?15)",
		"INSERT INTO private_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		"INSERT INTO notes VALUES (?1, ?2, ?3, ?4, ?5)",
		"INSERT INTO scans (started, finished, version) VALUES (?1, ?2, ?3)",
	};
	sqlite3_stmt *q[5] = {0};
	char start_text[32], end_text[32];
	time_text_iso(started, start_text);
	time_text_iso((long long)time(NULL), end_text);
	int r = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; r == SQLITE_OK && i < 5; i++)
		r = sqlite3_prepare_v2(st->db, inserts[i], -1, &q[i], NULL);
	if (r == SQLITE_OK)
		r = bind_row(q[4], "sss", start_text, end_text, SSHKEYCTL_VERSION);
	long long id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; r == SQLITE_OK && i < n; i++)
		if (!counted || counted[i])
			r = record_host(q, id, targets[i], &results[i]);
	if (r == SQLITE_OK)
		r = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	int out = 0;
	if (r != SQLITE_OK) {
		out = db_error(st->db, "recording the scan", d);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (size_t i = 0; i < 5; i++)
		sqlite3_finalize(q[i]);
	if (out == 0)
		*ret_scan_id = id;
	return out;
}

static char *column_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? strdup((const char *)t) : NULL;
}

void scan_store_keys_clear(struct scan_store_keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->keys[i].account);
		free(k->keys[i].fingerprint);
		free(k->keys[i].type);
		free(k->keys[i].comment);
		free(k->keys[i].options);
		free(k->keys[i].file);
	}
	free(k->keys);
	memset(k, 0, sizeof(*k));
}

int scan_store_inventory(struct scan_store *st,
			 int (*fn)(const char *target, const char *account, const char *fingerprint,
				   const char *comment, void *arg),
			 void *arg, struct diag *d)
{
	sqlite3_stmt *q = NULL;
	int r = 0, step;
	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT k.target, k.account, k.fingerprint, k.comment FROM keys k "
		    "JOIN (SELECT target, MAX(scan_id) AS sid FROM hosts WHERE status IN "
		    "('ok', 'findings') GROUP BY target) h ON k.target = h.target AND "
		    "k.scan_id = h.sid ORDER BY k.target, k.account, k.rowid",
		    -1, &q, NULL) != SQLITE_OK)
		return db_error(st->db, "reading the inventory", d);
	while (r == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *target = (const char *)sqlite3_column_text(q, 0),
			   *account = (const char *)sqlite3_column_text(q, 1),
			   *fp = (const char *)sqlite3_column_text(q, 2),
			   *comment = (const char *)sqlite3_column_text(q, 3);
		if (target && account && fp)
			r = fn(target, account, fp, comment, arg);
	}
	if (r == 0 && step != SQLITE_DONE)
		r = db_error(st->db, "reading the inventory", d);
	sqlite3_finalize(q);
	return r;
}

int scan_store_previous(struct scan_store *st, const char *target, long long scan_id,
			struct scan_store_keys *ret, struct diag *d)
{
	struct scan_store_keys k = {0};
	sqlite3_stmt *q = NULL;
	int r = 0;
	/* the last scan before this one where the host was read */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT h.scan_id, s.started FROM hosts h JOIN scans s ON s.id = "
			       "h.scan_id WHERE h.target = ?1 AND h.scan_id < ?2 AND h.status IN "
			       "('ok', 'findings') ORDER BY h.scan_id DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(q, 1, target, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 2, scan_id) != SQLITE_OK) {
		r = db_error(st->db, "reading the previous scan", d);
		goto out;
	}
	int step = sqlite3_step(q);
	if (step == SQLITE_DONE)
		goto done; /* never scanned before */
	if (step != SQLITE_ROW) {
		r = db_error(st->db, "reading the previous scan", d);
		goto out;
	}
	k.scan_id = sqlite3_column_int64(q, 0);
	snprintf(k.when, sizeof(k.when), "%s", (const char *)sqlite3_column_text(q, 1));
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT account, fingerprint, type, comment, options, file, line FROM "
		    "keys WHERE scan_id = ?1 AND target = ?2 ORDER BY rowid",
		    -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 1, k.scan_id) != SQLITE_OK ||
	    sqlite3_bind_text(q, 2, target, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		r = db_error(st->db, "reading the previous scan", d);
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct scan_store_key *more = realloc(k.keys, (k.n + 1) * sizeof(*more));
		if (!more) {
			r = -ENOMEM;
			goto out;
		}
		k.keys = more;
		struct scan_store_key *e = &k.keys[k.n++];
		memset(e, 0, sizeof(*e));
		e->account = column_text(q, 0);
		e->fingerprint = column_text(q, 1);
		e->type = column_text(q, 2);
		e->comment = column_text(q, 3);
		e->options = column_text(q, 4);
		e->file = column_text(q, 5);
		e->line = sqlite3_column_int(q, 6);
		if (!e->account || !e->fingerprint || !e->type || !e->file) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		r = db_error(st->db, "reading the previous scan", d);
		goto out;
	}
done:
	*ret = k;
	memset(&k, 0, sizeof(k));
out:
	sqlite3_finalize(q);
	scan_store_keys_clear(&k);
	return r;
}

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* "options [comment]" as a change shows it */
static char *option_comment(const char *options, const char *comment, const char *file)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s in %s", options ? options : "(no options)", comment ? " " : "",
		     comment ? comment : "", file) < 0)
		return NULL;
	return s;
}

int scan_drift(const struct scan_store_keys *before, const struct scan_result *now,
	       int (*fn)(const struct scan_change *c, void *data), void *data)
{
	bool *matched = calloc(before->n ? before->n : 1, sizeof(*matched));
	int r = matched ? 0 : -ENOMEM;
	char place[4200];
	for (size_t i = 0; r == 0 && i < now->n_keys; i++) {
		const struct scan_key *k = &now->keys[i];
		/* a key twice in one account is one key for the drift */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(now->keys[j].account, k->account) &&
			       !strcmp(now->keys[j].fingerprint, k->fingerprint);
		if (seen)
			continue;
		size_t b = before->n;
		for (size_t j = 0; j < before->n; j++)
			if (!strcmp(before->keys[j].account, k->account) &&
			    !strcmp(before->keys[j].fingerprint, k->fingerprint)) {
				matched[j] = true;
				if (b == before->n)
					b = j;
			}
		snprintf(place, sizeof(place), "%s:%lu", k->file, k->line);
		struct scan_change c = {.account = k->account,
					.fingerprint = k->fingerprint,
					.type = k->key->type->name,
					.comment = k->comment,
					.place = place};
		if (b == before->n) {
			c.kind = SCAN_KEY_ADDED;
			r = fn(&c, data);
			continue;
		}
		const struct scan_store_key *o = &before->keys[b];
		if (same_text(o->options, k->options) && same_text(o->comment, k->comment) &&
		    !strcmp(o->file, k->file))
			continue;
		char *was = option_comment(o->options, o->comment, o->file);
		char *is = option_comment(k->options, k->comment, k->file);
		c.kind = SCAN_KEY_CHANGED;
		c.before = was;
		c.after = is;
		r = was && is ? fn(&c, data) : -ENOMEM;
		free(was);
		free(is);
	}
	for (size_t j = 0; r == 0 && j < before->n; j++) {
		const struct scan_store_key *o = &before->keys[j];
		if (matched[j])
			continue;
		/* once per account and key */
		bool seen = false;
		for (size_t i = 0; i < j && !seen; i++)
			seen = !matched[i] && !strcmp(before->keys[i].account, o->account) &&
			       !strcmp(before->keys[i].fingerprint, o->fingerprint);
		if (seen)
			continue;
		snprintf(place, sizeof(place), "%s:%ld", o->file, o->line);
		struct scan_change c = {.kind = SCAN_KEY_REMOVED,
					.account = o->account,
					.fingerprint = o->fingerprint,
					.type = o->type,
					.comment = o->comment,
					.place = place};
		r = fn(&c, data);
	}
	free(matched);
	return r;
}
