/* Fuzz target: ~/.google_authenticator. What parses is written back, and that parses to the
 * same (a file read and rewritten keeps what the module reads). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/google_authenticator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ga_file f, g;
	struct diag d = {{0}};
	if (ga_file_parse((const char *)data, size, "fuzz", &f, &d) < 0)
		return 0;
	struct dynbuf out;
	dynbuf_init(&out, GA_FILE_MAX * 4);
	if (ga_file_write(&f, &out) < 0)
		abort();
	/* unknown options are not written back: the rest must be the same */
	if (ga_file_parse((const char *)out.data, out.len, "again", &g, &d) < 0)
		abort();
	f.unknown_options = g.unknown_options = 0;
	if (f.secret_len != g.secret_len || memcmp(f.secret, g.secret, f.secret_len) ||
	    f.totp != g.totp || f.window != g.window || f.step != g.step ||
	    f.disallow_reuse != g.disallow_reuse || f.rate_n != g.rate_n || f.rate_m != g.rate_m ||
	    f.n_scratch != g.n_scratch || memcmp(f.scratch, g.scratch, sizeof(f.scratch)))
		abort();
	dynbuf_free(&out);
	return 0;
}
