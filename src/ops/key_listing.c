#include "ops/key_listing.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/cpus.h"
#include "base/error.h"
#include "base/text_lines.h"
#include "files/authorized_keys.h"
#include "files/known_hosts.h"

#define PIECE_SIZE       (512 * 1024) /* input bytes a thread lists at once */
#define THREADS_MAX      4
#define RING_SLOTS       (2 * THREADS_MAX)
#define OUTPUT_LINE_MAX  (1024 * 1024)
#define OUTPUT_PER_INPUT 6

struct piece_work {
	const char *text; /* the piece: whole lines */
	size_t len;
	const struct key_listing_options *o;
	struct key_listing_piece result;
};

/* ssh-keygen -l's choice of comment: the text after the key unless it is empty or starts
 * with '#'; else what stood before the key (options or host names). */
static void listing_comment(const char *raw, struct text_span before, struct text_span after,
			    const char **ret, size_t *ret_len)
{
	if (after.len && raw[after.off] != '#') {
		*ret = raw + after.off;
		*ret_len = after.len;
	} else {
		*ret = raw + before.off;
		*ret_len = before.len;
	}
}

static int add_note(struct key_listing_piece *p, enum key_listing_note_kind kind,
		    unsigned long lineno, int error, const struct key_type *type)
{
	struct key_listing_note *note =
		array_append(&p->notes, &p->n_notes, sizeof(*note), SIZE_MAX / sizeof(*note));
	if (!note)
		return -ENOMEM;
	*note = (struct key_listing_note){.out_off = p->out.len,
					  .kind = kind,
					  .lineno = lineno,
					  .error = error,
					  .type = type};
	return 0;
}

/* One line: 0, or negative when memory runs out. */
static int list_line(struct piece_work *w, const char *line, size_t len, unsigned long lineno)
{
	struct key_listing_piece *p = &w->result;
	const struct key_listing_options *o = w->o;
	/* a line read as authorized_keys takes known_hosts host names in its options place;
	 * marker lines, and host lists that are no valid options, are read as known_hosts */
	struct authorized_keys_entry ak;
	struct known_hosts_entry kh;
	struct pubkey *key = NULL;
	struct text_span before = {0}, after = {0};
	enum key_line_kind kind = KEY_LINE_INVALID;
	int error = 0, r = 0;
	size_t lead = 0;
	while (lead < len && is_blank_char(line[lead]))
		lead++;
	bool as_known_hosts = lead < len && line[lead] == '@';
	if (!as_known_hosts) {
		r = authorized_keys_parse_line(line, len, &ak);
		kind = ak.kind, error = ak.error, key = ak.key, before = ak.options,
		after = ak.comment;
		if (r == 0 && kind == KEY_LINE_INVALID && error == ERR_OPTIONS) {
			/* not options: a known_hosts host list, such as a hashed name with '=' */
			authorized_keys_entry_clear(&ak);
			as_known_hosts = true;
		}
	}
	char *renamed = NULL;
	if (as_known_hosts) {
		r = known_hosts_parse_line(line, len, &kh);
		if (r == 0 && kh.kind == KEY_LINE_INVALID && kh.error == ERR_MARKER_UNKNOWN &&
		    (renamed = strndup(line, len))) {
			/* as ssh-keygen -l: a word after '@' that is no marker is a host name;
			 * the line is read again with it as one */
			renamed[lead] = 'x';
			known_hosts_entry_clear(&kh);
			r = known_hosts_parse_line(renamed, len, &kh);
		}
		kind = kh.kind, error = kh.error, key = kh.key, before = kh.hosts,
		after = kh.comment;
		/* @revoked and @cert-authority keys are no host's keys: ssh-keygen -l skips them */
		if (r == 0 && kind == KEY_LINE_KEY && kh.marker != KNOWN_HOSTS_MARKER_NONE) {
			kind = KEY_LINE_COMMENT;
			p->marked++;
		}
	}
	if (r < 0) {
		/* nothing to clear: the parsers leave no entry behind on failure */
		free(renamed);
		return r;
	}
	if (kind == KEY_LINE_INVALID) {
		if (p->bad < o->bad_notes_max)
			r = add_note(p, KEY_LISTING_BAD_LINE, lineno, error, NULL);
		p->bad++;
	} else if (kind == KEY_LINE_KEY) {
		p->keys++;
		if (key->type->legacy)
			r = add_note(p, KEY_LISTING_LEGACY_KEY, lineno, 0, key->type);
		if (r == 0 && o->fingerprints) {
			const char *comment;
			size_t comment_len;
			listing_comment(line, before, after, &comment, &comment_len);
			r = fingerprint_listing(key, o->hash, comment, comment_len, o->randomart,
						&p->out);
		} else if (r == 0) {
			char *comment = after.len ? strndup(line + after.off, after.len) : NULL;
			if (after.len && !comment)
				r = -ENOMEM;
			if (r == 0)
				r = pubkey_format_line(key, comment, &p->out);
			if (r == 0)
				r = dynbuf_append_byte(&p->out, '\n');
			free(comment);
		}
	}
	if (as_known_hosts)
		known_hosts_entry_clear(&kh);
	else
		authorized_keys_entry_clear(&ak);
	free(renamed);
	return r;
}

static void *list_piece(void *arg)
{
	struct piece_work *w = arg;
	struct line_iter it;
	const char *line;
	size_t len;
	line_iter_init(&it, w->text, w->len);
	while (line_iter_next(&it, &line, &len, NULL)) {
		int r = list_line(w, line, len, it.lineno);
		if (r < 0) {
			w->result.error = r;
			break;
		}
	}
	w->result.lines = it.lineno;
	return NULL;
}

static void piece_free(struct key_listing_piece *p)
{
	dynbuf_free(&p->out);
	free(p->notes);
	*p = (struct key_listing_piece){0};
}

/* The end of the piece that starts at off: about PIECE_SIZE bytes, cut after a newline. */
static size_t piece_end(const char *text, size_t len, size_t off)
{
	if (len - off <= PIECE_SIZE)
		return len;
	const char *nl = memchr(text + off + PIECE_SIZE, '\n', len - off - PIECE_SIZE);
	return nl ? (size_t)(nl - text) + 1 : len;
}

/* Workers claim pieces in order and list them into a ring of slots; the caller's thread
 * hands finished slots over in order. A worker waits while its piece would not fit in the
 * ring, so memory stays bounded whatever the text's size. */
struct listing_run {
	const char *text;
	size_t len;
	const struct key_listing_options *o;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	size_t next_off; /* where the next piece to claim starts */
	size_t claimed;  /* pieces claimed so far */
	size_t emitted;  /* pieces handed over so far */
	size_t n_pieces; /* known once the last piece is claimed; else SIZE_MAX */
	bool stop;       /* an error: claim nothing more */
	struct piece_work slots[RING_SLOTS];
	bool done[RING_SLOTS];
};

/* Claim the next piece and list it (the lock held on entry and on return); false when there
 * is none to claim now. */
static bool list_next_piece(struct listing_run *run)
{
	if (run->stop || run->next_off >= run->len || run->claimed >= run->emitted + RING_SLOTS)
		return false;
	size_t k = run->claimed++, off = run->next_off;
	run->next_off = piece_end(run->text, run->len, off);
	if (run->next_off >= run->len)
		run->n_pieces = run->claimed;
	struct piece_work *w = &run->slots[k % RING_SLOTS];
	*w = (struct piece_work){.text = run->text + off, .len = run->next_off - off, .o = run->o};
	/* a key line is 80 bytes at least, its listing with randomart ~400 bytes more than
	 * the comment it repeats */
	dynbuf_init(&w->result.out, OUTPUT_PER_INPUT * w->len + OUTPUT_LINE_MAX);
	pthread_mutex_unlock(&run->lock);
	/* a listing is about as long as its input (shorter for -l, longer with -v) */
	if (dynbuf_reserve(&w->result.out, w->len) < 0)
		w->result.error = -ENOMEM;
	else
		list_piece(w);
	pthread_mutex_lock(&run->lock);
	run->done[k % RING_SLOTS] = true;
	pthread_cond_broadcast(&run->changed);
	return true;
}

static void *worker(void *arg)
{
	struct listing_run *run = arg;
	pthread_mutex_lock(&run->lock);
	for (;;) {
		while (!run->stop && run->next_off < run->len &&
		       run->claimed >= run->emitted + RING_SLOTS)
			pthread_cond_wait(&run->changed, &run->lock);
		if (!list_next_piece(run))
			break;
	}
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

int key_listing_run(const char *text, size_t len, const struct key_listing_options *o,
		    key_listing_emit_fn emit, void *ctx)
{
	if (len == 0) {
		/* no piece at all: the caller still hears of the (empty) text */
		struct key_listing_piece empty = {0};
		return emit(&empty, ctx);
	}
	struct listing_run *run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->text = text, run->len = len, run->o = o, run->n_pieces = SIZE_MAX;
	pthread_mutex_init(&run->lock, NULL);
	pthread_cond_init(&run->changed, NULL);
	unsigned n_threads = usable_cpus(), started = 0;
	if (n_threads > THREADS_MAX)
		n_threads = THREADS_MAX;
	pthread_t threads[THREADS_MAX];
	for (unsigned i = 0; i < n_threads; i++)
		if (pthread_create(&threads[started], NULL, worker, run) == 0)
			started++;

	unsigned long lines_before = 0;
	int r = 0;
	pthread_mutex_lock(&run->lock);
	for (size_t k = 0; k < run->n_pieces || run->n_pieces == SIZE_MAX; k++) {
		/* no thread to be had: each piece listed here when its turn comes */
		while (!run->done[k % RING_SLOTS] && (started || list_next_piece(run)))
			if (started)
				pthread_cond_wait(&run->changed, &run->lock);
		if (!run->done[k % RING_SLOTS])
			break;
		struct key_listing_piece *p = &run->slots[k % RING_SLOTS].result;
		pthread_mutex_unlock(&run->lock);
		for (size_t i = 0; i < p->n_notes; i++)
			p->notes[i].lineno += lines_before;
		lines_before += p->lines;
		if (r == 0)
			r = emit(p, ctx);
		if (r == 0)
			r = p->error;
		piece_free(p);
		pthread_mutex_lock(&run->lock);
		run->done[k % RING_SLOTS] = false;
		run->emitted++;
		if (r < 0)
			run->stop = true;
		pthread_cond_broadcast(&run->changed);
		if (r < 0)
			break;
	}
	pthread_mutex_unlock(&run->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* pieces listed after a stop are dropped unseen */
	for (size_t i = 0; i < RING_SLOTS; i++)
		if (run->done[i])
			piece_free(&run->slots[i].result);
	pthread_cond_destroy(&run->changed);
	pthread_mutex_destroy(&run->lock);
	free(run);
	return r;
}
