/* What `ssh-keygen -l -f FILE` (and `cat FILE`, read back) prints for a text of key lines
 * (a public key file, authorized_keys or known_hosts), made in pieces on every usable CPU and
 * handed over in order: a 100,000-line file is listed in a fraction of ssh-keygen's time.
 * Prints nothing: each piece carries its output bytes and the notes (bad lines, legacy keys)
 * that belong between them; the caller writes both. */
#ifndef SSHKEYCTL_OPS_KEY_LISTING_H
#define SSHKEYCTL_OPS_KEY_LISTING_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "keys/fingerprint.h"
#include "keys/key_type.h"

struct key_listing_options {
	bool fingerprints; /* -l: "BITS HASH:... COMMENT (TYPE)"; else the public key line */
	bool randomart;    /* -v, with fingerprints */
	enum fingerprint_hash hash;
	size_t bad_notes_max; /* bad lines noted per piece (the caller names the first few) */
};

enum key_listing_note_kind {
	KEY_LISTING_BAD_LINE,   /* error: why */
	KEY_LISTING_LEGACY_KEY, /* type: the key's (DSA) */
};

struct key_listing_note {
	size_t out_off; /* the note comes before out[out_off] */
	enum key_listing_note_kind kind;
	unsigned long lineno; /* in the whole text, from 1 */
	int error;
	const struct key_type *type;
};

struct key_listing_piece {
	struct dynbuf out;
	struct key_listing_note *notes;
	size_t n_notes;
	unsigned long lines, keys, bad, marked; /* marked: @revoked/@cert-authority, skipped */
	int error; /* negative: the listing stops after this piece's out and notes */
};

typedef int (*key_listing_emit_fn)(const struct key_listing_piece *piece, void *ctx);

/* List text[len], calling emit for each piece in the text's order. Stops at the first piece
 * with an error (returned after its emit) or the first negative emit (returned). */
int key_listing_run(const char *text, size_t len, const struct key_listing_options *o,
		    key_listing_emit_fn emit, void *ctx);

#endif
