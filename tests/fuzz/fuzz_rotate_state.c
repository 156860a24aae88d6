/* Fuzz target: rotate's state file (KEY.rotate.json), which a person may edit or truncate. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/rotate_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rotate_state st;
	struct diag d = {{0}};
	if (rotate_state_parse((const char *)data, size, "fuzz", &st, &d) < 0)
		return 0;
	/* what was read writes back, and reads again the same */
	struct dynbuf out;
	dynbuf_init(&out, ROTATE_STATE_FILE_MAX);
	struct rotate_state again;
	if (rotate_state_format(&st, &out) == 0) {
		if (rotate_state_parse((const char *)out.data, out.len, "fuzz", &again, &d) < 0 ||
		    again.n_hosts != st.n_hosts || strcmp(again.key, st.key) != 0)
			abort();
		rotate_state_clear(&again);
	}
	rotate_state_host(&st, "alice@web1", true);
	dynbuf_free(&out);
	rotate_state_clear(&st);
	return 0;
}
