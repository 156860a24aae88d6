#include "base/line_diff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_lines.h"

#define CONTEXT 3

struct line {
	const char *text;
	size_t len;
	bool newline;
};

static int split(const char *data, size_t len, struct line **ret, size_t *ret_n)
{
	struct line_iter it;
	struct line *lines = NULL;
	size_t n = 0, alloc = 0;
	const char *l;
	size_t ll;
	bool nl;
	line_iter_init(&it, data, len);
	while (line_iter_next(&it, &l, &ll, &nl)) {
		if (n == alloc) {
			size_t grow = alloc ? alloc * 2 : 64;
			struct line *g = realloc(lines, grow * sizeof(*g));
			if (!g) {
				free(lines);
				return -ENOMEM;
			}
			lines = g;
			alloc = grow;
		}
		lines[n++] = (struct line){l, ll, nl};
	}
	*ret = lines;
	*ret_n = n;
	return 0;
}

static bool same(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->newline == b->newline &&
	       memcmp(a->text, b->text, a->len) == 0;
}

enum op { KEEP, DEL, ADD };

/* The edit script, from the LCS table (suffix lengths), as a list of ops. */
static int edit_script(const struct line *a, size_t na, const struct line *b, size_t nb,
		       enum op **ret, size_t *ret_n)
{
	enum op *ops = malloc((na + nb + 1) * sizeof(*ops));
	size_t n = 0;
	if (!ops)
		return -ENOMEM;
	if ((uint64_t)(na + 1) * (nb + 1) > LINE_DIFF_MAX_CELLS) {
		for (size_t i = 0; i < na; i++)
			ops[n++] = DEL;
		for (size_t j = 0; j < nb; j++)
			ops[n++] = ADD;
		*ret = ops;
		*ret_n = n;
		return 0;
	}
	uint32_t *t = calloc((na + 1) * (nb + 1), sizeof(*t));
	if (!t) {
		free(ops);
		return -ENOMEM;
	}
#define T(i, j) t[(i) * (nb + 1) + (j)]
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			T(i, j) = same(&a[i], &b[j])           ? T(i + 1, j + 1) + 1
				  : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j)
							       : T(i, j + 1);
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && same(&a[i], &b[j])) {
			ops[n++] = KEEP;
			i++, j++;
		} else if (i < na && (j == nb || T(i + 1, j) >= T(i, j + 1))) {
			ops[n++] = DEL; /* removals before additions, as diff prints them */
			i++;
		} else {
			ops[n++] = ADD;
			j++;
		}
	}
#undef T
	free(t);
	*ret = ops;
	*ret_n = n;
	return 0;
}

static int put_line(struct dynbuf *out, char sign, const struct line *l)
{
	int r = dynbuf_append_byte(out, (uint8_t)sign);
	if (r == 0)
		r = dynbuf_append(out, l->text, l->len);
	if (r == 0)
		r = dynbuf_append_str(out, l->newline ? "\n" : "\n\\ No newline at end of file\n");
	return r;
}

/* diff's range: "start,count", start 0 for an empty range, ",count" left out when 1 */
static int put_range(struct dynbuf *out, size_t start, size_t count)
{
	if (count == 1)
		return dynbuf_printf(out, "%zu", start + 1);
	return dynbuf_printf(out, "%zu,%zu", count ? start + 1 : start, count);
}

int line_diff_unified(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
		      const char *old_label, const char *new_label, struct dynbuf *out)
{
	struct line *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, n_ops = 0;
	enum op *ops = NULL;
	int r = split(old_text, old_len, &a, &na);
	if (r == 0)
		r = split(new_text, new_len, &b, &nb);
	if (r == 0)
		r = edit_script(a, na, b, nb, &ops, &n_ops);
	bool header = false;
	/* walk the ops; a hunk runs from CONTEXT keeps before a change to CONTEXT after the
	 * last change that is no more than 2 * CONTEXT keeps from the next */
	size_t k = 0, ai = 0, bi = 0;
	while (r == 0 && k < n_ops) {
		if (ops[k] == KEEP) {
			k++, ai++, bi++;
			continue;
		}
		size_t lead = 0;
		while (lead < CONTEXT && lead < k && ops[k - lead - 1] == KEEP)
			lead++;
		size_t start = k - lead, end = k;
		while (end < n_ops) {
			if (ops[end] != KEEP) {
				end++;
				continue;
			}
			size_t run = 0;
			while (end + run < n_ops && ops[end + run] == KEEP)
				run++;
			if (end + run == n_ops || run > 2 * CONTEXT) {
				end += run < CONTEXT ? run : CONTEXT;
				break;
			}
			end += run;
		}
		size_t a_start = ai - lead, b_start = bi - lead, a_count = 0, b_count = 0;
		for (size_t x = start; x < end; x++) {
			a_count += ops[x] != ADD;
			b_count += ops[x] != DEL;
		}
		if (!header) {
			r = dynbuf_printf(out, "--- %s\n+++ %s\n", old_label, new_label);
			header = true;
		}
		if (r == 0)
			r = dynbuf_append_str(out, "@@ -");
		if (r == 0)
			r = put_range(out, a_start, a_count);
		if (r == 0)
			r = dynbuf_append_str(out, " +");
		if (r == 0)
			r = put_range(out, b_start, b_count);
		if (r == 0)
			r = dynbuf_append_str(out, " @@\n");
		size_t x = a_start, y = b_start;
		for (size_t o = start; r == 0 && o < end; o++) {
			if (ops[o] == KEEP)
				r = put_line(out, ' ', &a[x++]), y++;
			else if (ops[o] == DEL)
				r = put_line(out, '-', &a[x++]);
			else
				r = put_line(out, '+', &b[y++]);
		}
		ai = x, bi = y, k = end;
	}
	free(ops);
	free(a);
	free(b);
	return r;
}
