/* Fuzz target: the scan helper's answer (network data) parsed, then turned into the scan's
 * result as scan does (authorized keys of every file, private key headers, the log lines
 * of "Accepted publickey" matched to keys); and each line of the input as an sshd log line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text_lines.h"
#include "files/sshd_log.h"
#include "ops/scan.h"
#include "remote/scan_remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the corpus's token */
	static const char token[] = "0123456789abcdef0123456789abcdef";
	struct scan_answer a;
	if (scan_answer_parse((const char *)data, size, token, &a) == 0) {
		struct scan_result res;
		scan_result_init(&res);
		if (scan_result_from_answer(&a, &res) == 0) {
			res.outcome = SCAN_CLEAN;
			scan_cross_findings(&res, 1);
		}
		scan_result_clear(&res);
		scan_answer_clear(&a);
	}
	struct line_iter it;
	const char *line;
	size_t n;
	line_iter_init(&it, (const char *)data, size);
	while (line_iter_next(&it, &line, &n, NULL)) {
		struct sshd_log_accepted acc;
		sshd_log_parse_accepted(line, n, 1796000000, &acc);
		sshd_log_time(line, n, 1796000000);
	}
	return 0;
}
