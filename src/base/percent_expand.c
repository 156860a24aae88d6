#include "base/percent_expand.h"

#include <errno.h>
#include <string.h>

int percent_expand(const char *text, const struct percent_token *tokens, size_t n,
		   bool (*accept)(const char *value), struct dynbuf *out, char *ret_bad)
{
	int r = 0;
	for (const char *p = text; *p && r == 0; p++) {
		const char *percent = strchr(p, '%');
		size_t plain = percent ? (size_t)(percent - p) : strlen(p);
		if ((r = dynbuf_append(out, p, plain)) < 0 || !percent)
			break;
		p = percent + 1;
		if (*p == '%') {
			r = dynbuf_append(out, "%", 1);
			continue;
		}
		const char *value = NULL;
		for (size_t i = 0; i < n && !value; i++)
			if (tokens[i].letter == *p && *p)
				value = tokens[i].value;
		if (!value || (accept && !accept(value))) {
			if (ret_bad)
				*ret_bad = *p ? *p : ' ';
			return -EINVAL;
		}
		r = dynbuf_append_str(out, value);
	}
	return r;
}
