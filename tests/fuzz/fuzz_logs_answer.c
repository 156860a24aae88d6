/* Fuzz target: a server's logs answer (ops/logs_host.h): the header up to the token's line,
 * then the log's bytes through ops/log_stream (plain or gzip) pushed in pieces whose sizes
 * come from the input; the report must be the same as when the bytes come in one piece. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/log_stream.h"
#include "ops/logs_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report_of(const uint8_t *data, size_t size, size_t piece, struct log_report *r)
{
	struct log_stream s;
	log_report_init(r, 1796083200LL);
	if (log_stream_begin(&s, r, "fuzz") < 0)
		abort();
	for (size_t at = 0; at < size;) {
		size_t n = piece ? (size - at < piece ? size - at : piece) : size - at;
		if (log_stream_push(&s, data + at, n) < 0)
			abort();
		at += n;
		/* pieces of 1 to 64 bytes, then larger ones */
		if (piece)
			piece = piece % 64 + 1 + (at > 4096 ? 4096 : 0);
	}
	if (log_stream_end(&s) < 0)
		abort();
	log_stream_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logs_result res;
	size_t header = 0;
	logs_result_init(&res);
	if (logs_header_parse((const char *)data, size, "0123456789abcdef", &res, &header) == 0 &&
	    header > size)
		abort();
	logs_result_clear(&res);
	if (size > 1024 * 1024)
		return 0;
	struct log_report whole, pieces;
	report_of(data, size, 0, &whole);
	report_of(data, size, size ? data[0] % 7 + 1 : 1, &pieces);
	if (whole.lines != pieces.lines || whole.sshd_lines != pieces.sshd_lines ||
	    whole.too_long != pieces.too_long || whole.n_notes != pieces.n_notes ||
	    memcmp(whole.kinds, pieces.kinds, sizeof(whole.kinds)))
		abort();
	log_report_clear(&whole);
	log_report_clear(&pieces);
	return 0;
}
