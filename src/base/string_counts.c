#include "base/string_counts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (256 * 1024)

void string_counts_init(struct string_counts *c, size_t max_keys)
{
	memset(c, 0, sizeof(*c));
	c->max_keys = max_keys ? max_keys : 1;
	c->block_size = BLOCK_SIZE;
}

void string_counts_clear(struct string_counts *c)
{
	for (size_t i = 0; i < c->n_blocks; i++)
		free(c->blocks[i]);
	free(c->blocks);
	free(c->slots);
	size_t max = c->max_keys;
	string_counts_init(c, max);
}

/* FNV-1a */
static uint64_t hash_of(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int grow(struct string_counts *c)
{
	size_t n = c->n_slots ? c->n_slots * 2 : 64;
	struct string_count *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_slots; i++) {
		if (!c->slots[i].key)
			continue;
		size_t j = hash_of(c->slots[i].key, c->slots[i].key_len) & (n - 1);
		while (slots[j].key)
			j = (j + 1) & (n - 1);
		slots[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->n_slots = n;
	return 0;
}

static const char *keep_key(struct string_counts *c, const char *key, size_t len)
{
	size_t need = len + 1; /* at most STRING_COUNTS_KEY_MAX + 1: fits a block */
	if (!c->n_blocks || c->block_used + need > c->block_size) {
		char **blocks = realloc(c->blocks, (c->n_blocks + 1) * sizeof(*blocks));
		if (!blocks)
			return NULL;
		c->blocks = blocks;
		if (!(c->blocks[c->n_blocks] = malloc(c->block_size)))
			return NULL;
		c->n_blocks++;
		c->block_used = 0;
	}
	char *at = c->blocks[c->n_blocks - 1] + c->block_used;
	memcpy(at, key, len);
	at[len] = 0;
	c->block_used += need;
	return at;
}

const struct string_count *string_counts_find(const struct string_counts *c, const char *key,
					      size_t len)
{
	if (!c->n_slots)
		return NULL;
	size_t j = hash_of(key, len) & (c->n_slots - 1);
	for (; c->slots[j].key; j = (j + 1) & (c->n_slots - 1))
		if (c->slots[j].key_len == len && !memcmp(c->slots[j].key, key, len))
			return &c->slots[j];
	return NULL;
}

struct string_count *string_counts_get(struct string_counts *c, const char *key, size_t len)
{
	if (len > STRING_COUNTS_KEY_MAX) {
		c->overflow++;
		return NULL;
	}
	const struct string_count *found = string_counts_find(c, key, len);
	if (found)
		return &c->slots[found - c->slots];
	if (c->n_keys >= c->max_keys) {
		c->overflow++;
		return NULL;
	}
	/* at most half full */
	if ((c->n_keys + 1) * 2 > c->n_slots && grow(c) < 0)
		return NULL;
	size_t j = hash_of(key, len) & (c->n_slots - 1);
	while (c->slots[j].key)
		j = (j + 1) & (c->n_slots - 1);
	const char *kept = keep_key(c, key, len);
	if (!kept)
		return NULL;
	c->slots[j] = (struct string_count){.key = kept, .key_len = len};
	c->n_keys++;
	return &c->slots[j];
}

int string_counts_add(struct string_counts *c, const char *key, size_t len, unsigned i,
		      uint64_t value, long long time)
{
	struct string_count *e = string_counts_get(c, key, len);
	if (!e)
		return c->n_keys >= c->max_keys || len > STRING_COUNTS_KEY_MAX ? 0 : -ENOMEM;
	if (i < STRING_COUNTS_VALUES)
		e->n[i] += value;
	if (time && (!e->first || time < e->first))
		e->first = time;
	if (time > e->last)
		e->last = time;
	return 0;
}

static int by_counter(const void *a, const void *b, void *arg)
{
	const struct string_count *x = a, *y = b;
	unsigned i = *(const unsigned *)arg;
	if (x->n[i] != y->n[i])
		return x->n[i] > y->n[i] ? -1 : 1;
	return strcmp(x->key, y->key);
}

int string_counts_sorted(const struct string_counts *c, unsigned i, struct string_count **ret,
			 size_t *ret_n)
{
	struct string_count *all = calloc(c->n_keys ? c->n_keys : 1, sizeof(*all));
	size_t n = 0;
	if (!all)
		return -ENOMEM;
	for (size_t j = 0; j < c->n_slots; j++)
		if (c->slots[j].key)
			all[n++] = c->slots[j];
	unsigned counter = i < STRING_COUNTS_VALUES ? i : 0;
	qsort_r(all, n, sizeof(*all), by_counter, &counter);
	*ret = all;
	*ret_n = n;
	return 0;
}

int string_counts_merge_renamed(struct string_counts *into, const struct string_counts *from,
				size_t (*rename)(const char *key, size_t len, char *buf,
						 size_t size, void *arg),
				void *arg)
{
	char renamed[STRING_COUNTS_KEY_MAX + 1];
	into->overflow += from->overflow;
	for (size_t j = 0; j < from->n_slots; j++) {
		const struct string_count *f = &from->slots[j];
		if (!f->key)
			continue;
		const char *key = f->key;
		size_t len = f->key_len;
		if (rename) {
			len = rename(f->key, f->key_len, renamed, sizeof(renamed), arg);
			key = renamed;
		}
		struct string_count *e =
			len <= STRING_COUNTS_KEY_MAX ? string_counts_get(into, key, len) : NULL;
		if (!e) {
			if (len <= STRING_COUNTS_KEY_MAX && into->n_keys < into->max_keys)
				return -ENOMEM;
			into->overflow += len > STRING_COUNTS_KEY_MAX;
			continue; /* counted in overflow */
		}
		for (unsigned i = 0; i < STRING_COUNTS_VALUES; i++)
			e->n[i] += f->n[i];
		if (f->first && (!e->first || f->first < e->first))
			e->first = f->first;
		if (f->last > e->last)
			e->last = f->last;
	}
	return 0;
}

int string_counts_merge(struct string_counts *into, const struct string_counts *from)
{
	return string_counts_merge_renamed(into, from, NULL, NULL);
}
