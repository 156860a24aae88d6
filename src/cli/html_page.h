/* Self-contained HTML reports (scan --html, logs --html): the page's markup and program are
 * fixed text of ours; the data travels as JSON inside a <script type="application/json">
 * element, escaped so that no text can close it, and the program only ever puts it in the
 * page as text. Written atomically, mode 0600. */
#ifndef SSHKEYCTL_CLI_HTML_PAGE_H
#define SSHKEYCTL_CLI_HTML_PAGE_H

#include <jansson.h>

/* The page: its title (text of ours), the style every page shares and style, body (the
 * markup before the data), then the data in <script type="application/json" id="data">,
 * then the page's program: a prelude that every page shares
 * (D: the data, parsed; $(id); el(tag, attrs, ...kids): an element whose children are
 * text nodes or elements, never markup), script, and the page's end. data is not released.
 * A negative errno on failure. */
int html_page_write(const char *path, const char *title, const char *style, const char *body,
		    const json_t *data, const char *script);

#endif
