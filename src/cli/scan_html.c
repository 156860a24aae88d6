#include "cli/scan_html.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/time_text.h"
#include "cli/html_page.h"
#include "cli/report.h"

static const char *const outcome_names[] = {"ok", "findings", "failed", "unreachable"};

static json_t *text_or_null(const char *s)
{
	return s ? report_json_text(s) : json_null();
}

static json_t *key_json(const char *spec, const struct scan_key *k)
{
	char when[32];
	json_t *findings = json_array();
	for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
		if (k->findings & (1u << f))
			json_array_append_new(findings, json_string(scan_finding_infos[f].name));
	if (k->last_used)
		time_text_iso(k->last_used, when);
	return json_pack("{s:o, s:o, s:o, s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:I, "
			 "s:o, s:b}",
			 "host", report_json_text(spec), "account", report_json_text(k->account),
			 "file", report_json_text(k->file), "line", (json_int_t)k->line, "type",
			 k->key->type->name, "short_type", k->key->type->short_name, "bits",
			 (json_int_t)k->key->bits, "fingerprint", k->fingerprint, "comment",
			 text_or_null(k->comment), "options", text_or_null(k->options), "findings",
			 findings, "last_used", k->last_used ? json_string(when) : json_null(),
			 "uses", (json_int_t)k->uses, "last_from",
			 k->last_from[0] ? report_json_text(k->last_from) : json_null(),
			 "used_undated", k->used_undated);
}

/* everything the page shows, as one JSON document */
static json_t *page_data(const char *const *specs, const struct scan_result *results,
			 const bool *counted, size_t n, long long generated)
{
	char when[32];
	time_text_iso(generated, when);
	json_t *hosts = json_array(), *keys = json_array(), *privs = json_array(),
	       *notes = json_array(), *names = json_object();
	for (unsigned f = 0; f < SCAN_FINDING_COUNT; f++)
		json_object_set_new(
			names, scan_finding_infos[f].name,
			json_pack("{s:s, s:s}", "text", scan_finding_infos[f].text, "severity",
				  scan_finding_infos[f].severity == SCAN_ERROR ? "error"
									       : "warning"));
	for (size_t i = 0; i < n; i++) {
		if (counted && !counted[i])
			continue;
		const struct scan_result *res = &results[i];
		json_array_append_new(hosts, json_pack("{s:o, s:s, s:o, s:b, s:o, s:I, s:I}",
						       "host", report_json_text(specs[i]), "status",
						       outcome_names[res->outcome], "reason",
						       report_json_text(res->diag.text),
						       "all_accounts", res->all_accounts,
						       "log_source", text_or_null(res->log_source),
						       "errors", (json_int_t)res->n_errors,
						       "warnings", (json_int_t)res->n_warnings));
		for (size_t j = 0; j < res->n_keys; j++)
			json_array_append_new(keys, key_json(specs[i], &res->keys[j]));
		for (size_t j = 0; j < res->n_private_keys; j++) {
			const struct scan_private_key *pk = &res->private_keys[j];
			json_array_append_new(
				privs, json_pack("{s:o, s:o, s:o, s:s, s:o, s:b, s:s}", "host",
						 report_json_text(specs[i]), "account",
						 report_json_text(pk->account), "path",
						 report_json_text(pk->path), "format", pk->format,
						 "encrypted",
						 pk->encrypted < 0 ? json_null()
								   : json_boolean(pk->encrypted),
						 "others_read", pk->others_read, "mode", pk->mode));
		}
		for (size_t j = 0; j < res->n_notes; j++)
			json_array_append_new(
				notes,
				json_pack("{s:o, s:o, s:o, s:s}", "host",
					  report_json_text(specs[i]), "account",
					  report_json_text(res->notes[j].account), "text",
					  report_json_text(res->notes[j].text), "level",
					  res->notes[j].info                     ? "info"
					  : res->notes[j].severity == SCAN_ERROR ? "error"
										 : "warning"));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "generated", when, "hosts", hosts,
			 "keys", keys, "private_keys", privs, "notes", notes, "findings", names);
}

#define PAGE_TITLE "sshkeyctl scan: who can log in where"

static const char page_style[] =
	"h2{font-size:16px;margin:4px 0 "
	"8px}#controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;position:sticky;top:"
	"0;z-index:2}\n"
	"input[type=search]{min-width:22em;padding:4px 6px}select{padding:3px}\n"
	"table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid "
	"#eaeef2;padding:3px 6px;text-align:left;vertical-align:top}\n"
	"th{background:#f6f8fa;position:sticky;top:0}.mono{font-family:ui-monospace,monospace;font-"
	"size:12px}\n"
	".scroll{overflow:auto;max-height:60vh}#matrix "
	"th[scope=row]{white-space:nowrap;width:1%}#matrix "
	"th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:"
	"normal}\n"
	"#matrix "
	"td.cell{text-align:center}.has{background:#dafbe1}.warning{background:#fff8c5}.error{"
	"background:#ffebe9}\n"
	".tag{display:inline-block;border-radius:10px;padding:0 7px;margin:1px "
	"2px;font-size:12px;border:1px solid #d0d7de}\n"
	".tag.warning{border-color:#d4a72c}.tag.error{border-color:#cf222e;color:#a40e26}\n"
	"tr.key{cursor:pointer}tr.key:hover{background:#f3f4f6}tr.detail td{background:#f6f8fa}\n"
	"#count{color:#57606a}.muted{color:#57606a}\n";

static const char page_body[] =
	"<header><h1>SSH keys: who can log in where</h1><p id=\"meta\"></p></header>\n"
	"<main>\n"
	"<section id=\"controls\" aria-label=\"filters\">\n"
	"<input id=\"search\" type=\"search\" placeholder=\"Search fingerprint, comment, account, "
	"host, file\" aria-label=\"search\">\n"
	"<select id=\"f-finding\" aria-label=\"finding\"><option value=\"\">every "
	"finding</option><option value=\"*\">any finding</option></select>\n"
	"<select id=\"f-type\" aria-label=\"type\"><option value=\"\">every "
	"type</option></select>\n"
	"<select id=\"f-host\" aria-label=\"host\"><option value=\"\">every "
	"host</option></select>\n"
	"<select id=\"f-account\" aria-label=\"account\"><option value=\"\">every "
	"account</option></select>\n"
	"<button id=\"reset\" type=\"button\">Clear</button> <span id=\"count\"></span>\n"
	"</section>\n"
	"<section><h2>Findings</h2><div id=\"summary\"></div></section>\n"
	"<section><h2>Access matrix: keys &times; hosts and accounts</h2><div "
	"class=\"scroll\"><table id=\"matrix\"></table></div></section>\n"
	"<section><h2>Keys and places</h2><p class=\"muted\">Click a row for the key's "
	"detail.</p><div class=\"scroll\"><table "
	"id=\"keys\"><thead><tr><th>Host</th><th>Account</th><th>Where</th><th>Type</"
	"th><th>Fingerprint</th><th>Comment</th><th>Last "
	"used</th><th>Findings</th></tr></thead><tbody></tbody></table></div></section>\n"
	"<section><h2>Private keys lying on servers</h2><table "
	"id=\"private\"><thead><tr><th>Host</th><th>Account</th><th>Path</th><th>Format</"
	"th><th>Protection</th><th>Mode</th></tr></thead><tbody></tbody></table></section>\n"
	"<section><h2>Hosts and notes</h2><table "
	"id=\"hosts\"><thead><tr><th>Host</th><th>Status</th><th>What</th></tr></thead><tbody></"
	"tbody></table></section>\n"
	"</main>\n";

/* the page's program (after html_page's prelude): every datum becomes text nodes
 * (textContent), never markup */
static const char page_script[] =
	"function severity(k) { let s = ''; for (const f of k.findings) { if "
	"(D.findings[f].severity "
	"=== 'error') return 'error'; s = 'warning'; } return s; }\n"
	"function tag(f) { return el('span', {class: 'tag ' + D.findings[f].severity, title: "
	"D.findings[f].text, 'data-finding': f}, f); }\n"
	"function lastUsed(k) { return k.last_used ? k.last_used.replace('T', ' ').replace('Z', "
	"'') "
	": k.used_undated ? 'logged, no date' : k.uses ? 'logged' : 'never'; }\n"
	"function options(sel, values) { for (const v of [...new Set(values)].sort()) "
	"sel.append(el('option', {value: v}, v)); }\n"
	"options($('f-type'), D.keys.map(k => k.short_type));\n"
	"options($('f-host'), D.hosts.map(h => h.host));\n"
	"options($('f-account'), D.keys.map(k => k.account));\n"
	"for (const f of Object.keys(D.findings)) $('f-finding').append(el('option', {value: f, "
	"title: D.findings[f].text}, f));\n"
	"$('meta').textContent = 'Scanned ' + D.generated + ': ' + D.hosts.length + ' host(s), ' + "
	"D.keys.length + ' key place(s).';\n"
	"function matches(k, q, f) {\n"
	"  if (f.finding === '*' ? !k.findings.length : f.finding && "
	"!k.findings.includes(f.finding)) return false;\n"
	"  if (f.type && k.short_type !== f.type) return false;\n"
	"  if (f.host && k.host !== f.host) return false;\n"
	"  if (f.account && k.account !== f.account) return false;\n"
	"  if (!q) return true;\n"
	"  return [k.fingerprint, k.comment, k.account, k.host, k.file, k.options, "
	"k.type].some(s => s && s.toLowerCase().includes(q)); }\n"
	"function filters() { return {finding: $('f-finding').value, type: $('f-type').value, "
	"host: "
	"$('f-host').value, account: $('f-account').value}; }\n"
	"function detail(k) { const places = D.keys.filter(o => o.fingerprint === k.fingerprint);\n"
	"  const box = el('div', {class: 'mono'});\n"
	"  box.append(el('div', {}, k.type + ' ' + k.bits + ' bits ' + k.fingerprint + (k.comment "
	"? "
	"' ' + k.comment : '')));\n"
	"  for (const p of places) box.append(el('div', {}, p.host + ' ' + p.account + ' ' + "
	"p.file "
	"+ ':' + p.line + (p.options ? ' options ' + p.options : '') + '; last used ' + "
	"lastUsed(p) + (p.last_from ? ' from ' + p.last_from : '') + '; ' + p.uses + ' login(s) "
	"logged'));\n"
	"  for (const f of k.findings) box.append(el('div', {}, f + ': ' + D.findings[f].text));\n"
	"  return box; }\n"
	"function render() {\n"
	"  const q = $('search').value.trim().toLowerCase(), f = filters();\n"
	"  const keys = D.keys.filter(k => matches(k, q, f));\n"
	"  $('count').textContent = keys.length + ' of ' + D.keys.length + ' key places shown';\n"
	"  const tbody = $('keys').tBodies[0]; tbody.replaceChildren();\n"
	"  for (const k of keys) {\n"
	"    const tr = el('tr', {class: 'key ' + severity(k), 'data-fingerprint': "
	"k.fingerprint},\n"
	"      el('td', {}, k.host), el('td', {}, k.account), el('td', {class: 'mono'}, k.file + "
	"':' "
	"+ k.line),\n"
	"      el('td', {}, k.short_type + ' ' + k.bits), el('td', {class: 'mono'}, "
	"k.fingerprint),\n"
	"      el('td', {}, k.comment || ''), el('td', {}, lastUsed(k)), el('td', {}, "
	"...k.findings.map(tag)));\n"
	"    tr.addEventListener('click', () => { const next = tr.nextSibling;\n"
	"      if (next && next.classList && next.classList.contains('detail')) { next.remove(); "
	"return; }\n"
	"      tr.after(el('tr', {class: 'detail'}, el('td', {colspan: 8}, detail(k)))); });\n"
	"    tbody.append(tr); }\n"
	"  const cols = [...new Set(keys.map(k => k.host + ' ' + k.account))].sort();\n"
	"  const rows = [...new Map(keys.map(k => [k.fingerprint, k])).values()];\n"
	"  const m = $('matrix'); m.replaceChildren();\n"
	"  m.append(el('thead', {}, el('tr', {}, el('th', {}, 'Key'), ...cols.map(c => el('th', "
	"{class: 'col', scope: 'col'}, c)))));\n"
	"  const mb = el('tbody');\n"
	"  for (const r of rows) {\n"
	"    const tr = el('tr', {'data-fingerprint': r.fingerprint}, el('th', {class: 'mono', "
	"scope: 'row'}, r.short_type + ' ' + r.fingerprint.slice(7, 19) + '\\u2026 ' + (r.comment "
	"|| '')));\n"
	"    for (const c of cols) { const at = keys.filter(k => k.fingerprint === r.fingerprint "
	"&& "
	"k.host + ' ' + k.account === c);\n"
	"      const sev = at.map(severity).includes('error') ? 'error' : "
	"at.map(severity).includes('warning') ? 'warning' : '';\n"
	"      tr.append(at.length ? el('td', {class: 'cell has ' + sev, title: at.map(k => k.file "
	"+ ':' + k.line).join(', ')}, '\\u2713') : el('td', {class: 'cell'}, '')); }\n"
	"    mb.append(tr); }\n"
	"  m.append(mb);\n"
	"  const counts = {}; for (const k of keys) for (const x of k.findings) counts[x] = "
	"(counts[x] || 0) + 1;\n"
	"  $('summary').replaceChildren(...(Object.keys(counts).length ? Object.keys(counts).map(x "
	"=> el('span', {class: 'tag ' + D.findings[x].severity}, x + ': ' + counts[x])) : "
	"[el('span', "
	"{class: 'muted'}, 'no finding among the keys shown')]));\n"
	"  const params = new URLSearchParams(); if (q) params.set('q', q);\n"
	"  for (const [k, v] of Object.entries(f)) if (v) params.set(k, v);\n"
	"  history.replaceState(null, '', params.toString() ? '#' + params : location.pathname); "
	"}\n"
	"for (const p of D.private_keys) $('private').tBodies[0].append(el('tr', {class: "
	"p.others_read ? 'error' : p.encrypted === false ? 'warning' : ''}, el('td', {}, p.host), "
	"el('td', {}, p.account), el('td', {class: 'mono'}, p.path), el('td', {}, p.format), "
	"el('td', {}, p.encrypted === null ? 'cannot tell' : p.encrypted ? 'encrypted' : 'not "
	"encrypted'), el('td', {class: 'mono'}, p.mode + (p.others_read ? ' (readable by others)' "
	": ''))));\n"
	"for (const h of D.hosts) $('hosts').tBodies[0].append(el('tr', {class: h.status === 'ok' "
	"? "
	"'' : h.status === 'findings' ? 'warning' : 'error'}, el('td', {}, h.host), el('td', {}, "
	"h.status), el('td', {}, h.reason || (h.errors + ' error(s), ' + h.warnings + ' "
	"warning(s); ' + (h.all_accounts ? 'every account' : 'the login account') + '; last used "
	"from ' + (h.log_source || 'no log')))));\n"
	"for (const n of D.notes) $('hosts').tBodies[0].append(el('tr', {class: n.level === 'info' "
	"? '' : n.level}, el('td', {}, n.host), el('td', {}, n.level), el('td', {}, n.account + "
	"': ' + n.text)));\n"
	"const initial = new URLSearchParams(location.hash.slice(1));\n"
	"$('search').value = initial.get('q') || '';\n"
	"for (const k of ['finding', 'type', 'host', 'account']) if (initial.get(k)) $('f-' + "
	"k).value = initial.get(k);\n"
	"for (const id of ['f-finding', 'f-type', 'f-host', 'f-account']) "
	"$(id).addEventListener('change', render);\n"
	"$('search').addEventListener('input', render);\n"
	"$('reset').addEventListener('click', () => { $('search').value = ''; for (const id of "
	"['f-finding', 'f-type', 'f-host', 'f-account']) $(id).value = ''; render(); });\n"
	"render();\n"
	"";

int scan_html_write(const char *path, const char *const *specs, const struct scan_result *results,
		    const bool *counted, size_t n, long long generated)
{
	json_t *data = page_data(specs, results, counted, n, generated);
	int r = data ? html_page_write(path, PAGE_TITLE, page_style, page_body, data, page_script)
		     : -ENOMEM;
	json_decref(data);
	return r;
}
