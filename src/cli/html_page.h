/* Self-contained HTML reports (scan --html, logs --html): the page's markup and program are
 * fixed text of ours; the data travels as JSON inside a <script type="application/json">
 * element, escaped so that no text can close it, and the program only ever puts it in the
 * page as text. Written atomically, mode 0600. */
#ifndef SSHKEYCTL_CLI_HTML_PAGE_H
#define SSHKEYCTL_CLI_HTML_PAGE_H

#include <jansson.h>

/* head ends inside the data element's start tag's content; tail closes it. data is not
 * released. A negative errno on failure. */
int html_page_write(const char *path, const char *head, const json_t *data, const char *tail);

#endif
