/* Helpers shared by the unit tests: reading test vectors. */
#ifndef SSHKEYCTL_TEST_SUPPORT_H
#define SSHKEYCTL_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/dynbuf.h"

/* Read TEST_DATA_DIR/relpath into b (fails the test when missing). */
void read_test_file(const char *relpath, struct dynbuf *b);
/* Same, returning false when the file does not exist. */
int try_read_test_file(const char *relpath, struct dynbuf *b);
/* Full path of a test data file (static buffer). */
const char *test_path(const char *relpath);
/* First line of a file, without newline, malloc'ed. */
char *read_test_line(const char *relpath);

#endif
