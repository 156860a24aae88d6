/* Counters by text key (an address, an account, a fingerprint), for reports over inputs of
 * any size: open addressing, keys copied once into blocks of their own, at most max_keys
 * distinct keys (a report over a log an attacker wrote cannot grow without bound: beyond
 * it, new keys are counted in overflow). */
#ifndef SSHKEYCTL_BASE_STRING_COUNTS_H
#define SSHKEYCTL_BASE_STRING_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#define STRING_COUNTS_VALUES  4
#define STRING_COUNTS_KEY_MAX 4096 /* a longer key is counted in overflow */

struct string_count {
	const char *key; /* NUL-terminated; NULL: a free slot */
	size_t key_len;
	uint64_t n[STRING_COUNTS_VALUES];
	long long first, last; /* times (0: none) */
};

struct string_counts {
	struct string_count *slots;
	size_t n_slots, n_keys, max_keys;
	uint64_t overflow; /* additions whose new key did not fit under max_keys */
	char **blocks;     /* where the keys live */
	size_t n_blocks, block_used, block_size;
};

void string_counts_init(struct string_counts *c, size_t max_keys);
void string_counts_clear(struct string_counts *c);
/* The entry for key, NULL when there is none (nothing made). */
const struct string_count *string_counts_find(const struct string_counts *c, const char *key,
					      size_t len);
/* The entry for key (made when missing): NULL past max_keys (counted in overflow) or out of
 * memory. */
struct string_count *string_counts_get(struct string_counts *c, const char *key, size_t len);
/* Add value to counter i of key, and time (0: none) to its first and last. */
int string_counts_add(struct string_counts *c, const char *key, size_t len, unsigned i,
		      uint64_t value, long long time);
/* Every entry of from added to into (counters summed, first and last kept). */
int string_counts_merge(struct string_counts *into, const struct string_counts *from);
/* The same, each of from's keys renamed on the way: rename writes the new key into buf (size
 * bytes) and returns its length (over size - 1: counted in overflow). */
int string_counts_merge_renamed(struct string_counts *into, const struct string_counts *from,
				size_t (*rename)(const char *key, size_t len, char *buf,
						 size_t size, void *arg),
				void *arg);
/* Every entry, into a new array (free it) sorted by counter i, largest first (ties by key). */
int string_counts_sorted(const struct string_counts *c, unsigned i, struct string_count **ret,
			 size_t *ret_n);

#endif
