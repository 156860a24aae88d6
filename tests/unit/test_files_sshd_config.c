/* The sshd_config model against the rules verified with sshd -T (reference/openssh.md §4):
 * first value wins, Include order and scope, Match blocks, aliases. */
#include "test_support.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "files/sshd_config.h"

struct memfile {
	const char *path;
	const char *content;
};

/* a file set in memory, as a helper would fetch it from a server */
static const struct memfile *files;

static int mem_read(const char *path, struct dynbuf *out, void *arg)
{
	(void)arg;
	for (const struct memfile *f = files; f->path; f++)
		if (!strcmp(f->path, path))
			return dynbuf_append(out, f->content, strlen(f->content));
	return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mem_glob(const char *pattern, char ***ret, size_t *ret_n, void *arg)
{
	(void)arg;
	char **paths = calloc(64, sizeof(*paths));
	size_t n = 0;
	for (const struct memfile *f = files; f->path; f++)
		if (fnmatch(pattern, f->path, FNM_PATHNAME | FNM_PERIOD) == 0)
			paths[n++] = strdup(f->path);
	qsort(paths, n, sizeof(*paths), cmp_str);
	*ret = paths;
	*ret_n = n;
	return 0;
}

static const struct sshd_config_source source = {mem_read, mem_glob, NULL};

static struct sshd_config *load(const struct memfile *set)
{
	struct sshd_config *cfg = NULL;
	char err[256] = "";
	files = set;
	assert_int_equal(sshd_config_load(&source, "/etc/ssh/sshd_config", &cfg, err, sizeof(err)),
			 0);
	return cfg;
}

/* "file:line" of the directive giving keyword its global value, or "default" */
static const char *where(const struct sshd_config *cfg, const char *keyword)
{
	static char buf[256];
	const struct sshd_directive *d = sshd_config_global(cfg, keyword);
	if (!d)
		return "default";
	snprintf(buf, sizeof(buf), "%s:%lu %s", cfg->files[d->file].path, d->line, d->args);
	return buf;
}

static void test_debian_layout_dropin_wins(void **state)
{
	(void)state;
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config",
		 "# Debian\nInclude /etc/ssh/sshd_config.d/*.conf\n\n"
		 "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
		 "UsePAM yes\n"},
		{"/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n"},
		{"/etc/ssh/sshd_config.d/01-harden.conf", "passwordauthentication=no\n"},
		{"/etc/ssh/sshd_config.d/README", "PasswordAuthentication yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	/* the lexically first drop-in wins over the later one and the main file */
	assert_string_equal(where(cfg, "PasswordAuthentication"),
			    "/etc/ssh/sshd_config.d/01-harden.conf:1 no");
	assert_string_equal(where(cfg, "usepam"), "/etc/ssh/sshd_config:6 yes");
	assert_string_equal(where(cfg, "PermitRootLogin"), "default");
	assert_int_equal(cfg->n_files, 3); /* README does not match *.conf */
	sshd_config_free(cfg);

	static const struct memfile cloud[] = {
		{"/etc/ssh/sshd_config",
		 "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n"},
		{"/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n"},
		{NULL, NULL},
	};
	cfg = load(cloud);
	assert_string_equal(where(cfg, "PasswordAuthentication"),
			    "/etc/ssh/sshd_config.d/50-cloud-init.conf:1 yes");
	sshd_config_free(cfg);
}

static void test_match_blocks(void **state)
{
	(void)state;
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "PasswordAuthentication no\n"
					 "Match User alice\n"
					 "\tPasswordAuthentication yes\n"
					 "Match Address 10.0.0.0/8\n"
					 "  ChallengeResponseAuthentication yes\n"
					 "# after the last Match: still inside it\n"
					 "PermitRootLogin yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	assert_string_equal(where(cfg, "passwordauthentication"), "/etc/ssh/sshd_config:1 no");
	/* a line added after a Match block belongs to the block: not global */
	assert_string_equal(where(cfg, "PermitRootLogin"), "default");
	size_t *list, n;
	assert_int_equal(sshd_config_match_overrides(cfg, "PasswordAuthentication", &list, &n), 0);
	assert_int_equal(n, 1);
	const struct sshd_directive *d = &cfg->directives[list[0]];
	assert_string_equal(cfg->directives[d->match].args, "User alice");
	free(list);
	/* the alias counts as the keyword */
	assert_int_equal(
		sshd_config_match_overrides(cfg, "KbdInteractiveAuthentication", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cfg->directives[list[0]].line, 5);
	free(list);
	assert_string_equal(sshd_config_canonical("ChallengeResponseAuthentication"),
			    "kbdinteractiveauthentication");
	sshd_config_free(cfg);
}

static void test_include_scope(void **state)
{
	(void)state;
	/* a Match inside an included file ends with that file; an Include after a Match is
	 * conditional on it; relative paths are under /etc/ssh */
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "Include a.conf \"/etc/ssh/with space.conf\"\n"
					 "X11Forwarding no\n"
					 "Match User bob\n"
					 "Include b.conf\n"},
		{"/etc/ssh/a.conf", "Match User carol\nPubkeyAuthentication no\n"},
		{"/etc/ssh/with space.conf", "LogLevel QUIET\n"},
		{"/etc/ssh/b.conf", "PasswordAuthentication yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	assert_string_equal(where(cfg, "X11Forwarding"), "/etc/ssh/sshd_config:2 no");
	assert_string_equal(where(cfg, "LogLevel"), "/etc/ssh/with space.conf:1 QUIET");
	assert_string_equal(where(cfg, "PubkeyAuthentication"), "default");
	assert_string_equal(where(cfg, "PasswordAuthentication"), "default");
	size_t *list, n;
	assert_int_equal(sshd_config_match_overrides(cfg, "PasswordAuthentication", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cfg->directives[cfg->directives[list[0]].match].args, "User bob");
	free(list);
	sshd_config_free(cfg);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct memfile loop[] = {
		{"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = NULL;
	char err[256] = "";
	files = loop;
	assert_int_equal(sshd_config_load(&source, "/etc/ssh/sshd_config", &cfg, err, sizeof(err)),
			 -ELOOP);
	assert_non_null(strstr(err, "too many levels of Include"));
	static const struct memfile missing[] = {{NULL, NULL}};
	files = missing;
	assert_int_equal(sshd_config_load(&source, "/etc/ssh/sshd_config", &cfg, err, sizeof(err)),
			 -ENOENT);
	/* CRLF and trailing blanks do not stick to the value; bytes are all kept */
	static const char crlf[] = "PermitRootLogin  prohibit-password \r\n";
	assert_int_equal(sshd_config_parse("x", crlf, sizeof(crlf) - 1, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->directives[0].args, "prohibit-password");
	assert_memory_equal(cfg->files[0].content.data, crlf, sizeof(crlf) - 1);
	sshd_config_free(cfg);
}

static const struct sshd_setting harden[] = {
	{"PasswordAuthentication", "no"},
	{"KbdInteractiveAuthentication", "no"},
};

static const char *edit_text(const struct sshd_file_edit *e)
{
	return e->content.len ? (const char *)e->content.data : "";
}

static void test_plan_dropin(void **state)
{
	(void)state;
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"
					 "PasswordAuthentication no\n"},
		{"/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n"},
		{"/etc/ssh/sshd_config.d/00-aaa.conf", "X11Forwarding no\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	struct sshd_config_plan plan;
	assert_int_equal(sshd_config_plan_settings(cfg, harden, 2, "set by a test", NULL, 0, &plan),
			 0);
	assert_true(plan.dropin);
	assert_int_equal(plan.n_edits, 1);
	/* sorts before 00-aaa.conf, so it is read first */
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config.d/00-0-sshkeyctl.conf");
	assert_true(strcmp("00-0-sshkeyctl.conf", "00-aaa.conf") < 0);
	assert_true(plan.edits[0].create);
	assert_string_equal(edit_text(&plan.edits[0]), "# set by a test\n"
						       "PasswordAuthentication no\n"
						       "KbdInteractiveAuthentication no\n");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
}

static void test_plan_dropin_again(void **state)
{
	(void)state;
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"},
		{"/etc/ssh/sshd_config.d/00-sshkeyctl.conf", "PasswordAuthentication no\n"},
		{"/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	struct sshd_config_plan plan;
	assert_int_equal(sshd_config_plan_settings(cfg, harden, 2, "again", NULL, 0, &plan), 0);
	assert_true(plan.dropin);
	assert_int_equal(plan.n_edits, 1);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config.d/00-sshkeyctl.conf");
	assert_false(plan.edits[0].create);
	assert_string_equal(
		edit_text(&plan.edits[0]),
		"# again\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
}

static void test_plan_main_file(void **state)
{
	(void)state;
	/* no Include before the competing line; the last block is a Match; CRLF */
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "Port 22\r\n"
					 "ChallengeResponseAuthentication yes\r\n"
					 "Include /etc/ssh/extra.conf\r\n"
					 "# keep me\r\n"
					 "Match User alice\r\n"
					 "\tPasswordAuthentication yes\r\n"},
		{"/etc/ssh/extra.conf", "PasswordAuthentication yes\nUsePAM yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	struct sshd_config_plan plan;
	assert_int_equal(sshd_config_plan_settings(cfg, harden, 2, "set by a test", NULL, 0, &plan),
			 0);
	assert_false(plan.dropin);
	assert_int_equal(plan.n_edits, 2);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config");
	assert_string_equal(edit_text(&plan.edits[0]),
			    "Port 22\r\n"
			    "# sshkeyctl: ChallengeResponseAuthentication yes\r\n"
			    "Include /etc/ssh/extra.conf\r\n"
			    "# keep me\r\n"
			    "# set by a test\r\n"
			    "PasswordAuthentication no\r\n"
			    "KbdInteractiveAuthentication no\r\n"
			    "Match User alice\r\n"
			    "\tPasswordAuthentication yes\r\n");
	assert_string_equal(plan.edits[1].path, "/etc/ssh/extra.conf");
	assert_string_equal(edit_text(&plan.edits[1]),
			    "# sshkeyctl: PasswordAuthentication yes\nUsePAM yes\n");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);

	/* no Match and no final newline: appended after one */
	static const struct memfile plain[] = {
		{"/etc/ssh/sshd_config", "UsePAM yes"},
		{NULL, NULL},
	};
	cfg = load(plain);
	assert_int_equal(sshd_config_plan_settings(cfg, harden, 1, "h", NULL, 0, &plan), 0);
	assert_string_equal(edit_text(&plan.edits[0]),
			    "UsePAM yes\n# h\nPasswordAuthentication no\n");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
}

static void test_plan_fix_match(void **state)
{
	(void)state;
	static const struct memfile set[] = {
		{"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"
					 "UsePAM yes\n"
					 "Match User alice\n"
					 "  PasswordAuthentication yes\n"
					 "  X11Forwarding yes\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(set);
	size_t *over = NULL, n_over = 0;
	assert_int_equal(sshd_config_match_overrides(cfg, "passwordauthentication", &over, &n_over),
			 0);
	assert_int_equal(n_over, 1);
	struct sshd_config_plan plan;
	assert_int_equal(
		sshd_config_plan_settings(cfg, harden, 2, "set by a test", over, n_over, &plan), 0);
	assert_true(plan.dropin);
	assert_int_equal(plan.n_edits, 2);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config.d/00-sshkeyctl.conf");
	assert_string_equal(plan.edits[1].path, "/etc/ssh/sshd_config");
	assert_false(plan.edits[1].create);
	assert_string_equal(edit_text(&plan.edits[1]), "Include /etc/ssh/sshd_config.d/*.conf\n"
						       "UsePAM yes\n"
						       "Match User alice\n"
						       "  # sshkeyctl: PasswordAuthentication yes\n"
						       "  X11Forwarding yes\n");
	free(over);
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
}

/* mfa's Match block: a drop-in of its own (which harden's drop-in then still sorts
 * before: it sets no global value), or the end of the main file, replaced whole again */
static const char *const mfa_keys[] = {"KbdInteractiveAuthentication", "AuthenticationMethods"};
#define MFA_BLOCK "Match User alice\n\tAuthenticationMethods publickey,keyboard-interactive\n"

static void test_plan_block(void **state)
{
	(void)state;
	struct sshd_config_plan plan;
	unsigned long line = 0;
	static const struct memfile debian[] = {
		{"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n"},
		{"/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf", "# mfa\n" MFA_BLOCK},
		{"/etc/ssh/sshd_config.d/00-sshkeyctl.conf", "PasswordAuthentication no\n"},
		{NULL, NULL},
	};
	struct sshd_config *cfg = load(debian);
	assert_int_equal(
		sshd_config_plan_block(cfg, "00-sshkeyctl-mfa.conf", "mfa",
				       "Match Group g\n\tKbdInteractiveAuthentication yes\n",
				       mfa_keys, 2, &plan, &line),
		0);
	assert_int_equal(plan.n_edits, 1);
	assert_true(plan.dropin && !plan.edits[0].create && !plan.edits[0].remove);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config.d/00-sshkeyctl-mfa.conf");
	assert_string_equal(edit_text(&plan.edits[0]),
			    "# mfa\nMatch Group g\n\tKbdInteractiveAuthentication yes\n");
	sshd_config_plan_clear(&plan);
	assert_int_equal(sshd_config_plan_block(cfg, "00-sshkeyctl-mfa.conf", "mfa", NULL, mfa_keys,
						2, &plan, &line),
			 0);
	assert_int_equal(plan.n_edits, 1);
	assert_true(plan.edits[0].remove);
	sshd_config_plan_clear(&plan);
	/* harden again: its own file is still the first that sets anything */
	assert_int_equal(sshd_config_plan_settings(cfg, harden, 2, "again", NULL, 0, &plan), 0);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config.d/00-sshkeyctl.conf");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);

	/* no drop-ins: the end of the main file; again: the old block replaced */
	static const struct memfile main_only[] = {
		{"/etc/ssh/sshd_config", "UsePAM yes\nMatch User bob\n\tX11Forwarding no"},
		{NULL, NULL},
	};
	cfg = load(main_only);
	assert_int_equal(
		sshd_config_plan_block(cfg, "x.conf", "mfa", MFA_BLOCK, mfa_keys, 2, &plan, &line),
		0);
	assert_false(plan.dropin);
	assert_string_equal(plan.edits[0].path, "/etc/ssh/sshd_config");
	/* (the file's last line had no newline: the one added goes with the block) */
	const char *once = "UsePAM yes\nMatch User bob\n\tX11Forwarding no\n"
			   "# mfa (a newline added before it)\n" MFA_BLOCK;
	assert_string_equal(edit_text(&plan.edits[0]), once);
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
	const struct memfile again[] = {{"/etc/ssh/sshd_config", once}, {NULL, NULL}};
	cfg = load(again);
	assert_int_equal(sshd_config_plan_block(cfg, "x.conf", "mfa", "Match all\n", mfa_keys, 2,
						&plan, &line),
			 0);
	assert_string_equal(edit_text(&plan.edits[0]),
			    "UsePAM yes\nMatch User bob\n\tX11Forwarding no\n"
			    "# mfa (a newline added before it)\nMatch all\n");
	sshd_config_plan_clear(&plan);
	assert_int_equal(
		sshd_config_plan_block(cfg, "x.conf", "mfa", NULL, mfa_keys, 2, &plan, &line), 0);
	assert_string_equal(edit_text(&plan.edits[0]),
			    "UsePAM yes\nMatch User bob\n\tX11Forwarding no");
	sshd_config_plan_clear(&plan);
	sshd_config_free(cfg);
	/* two blocks of ours: neither is cut */
	const struct memfile twice[] = {
		{"/etc/ssh/sshd_config", "# mfa\n" MFA_BLOCK "# mfa\n" MFA_BLOCK}, {NULL, NULL}};
	cfg = load(twice);
	assert_int_equal(
		sshd_config_plan_block(cfg, "x.conf", "mfa", NULL, mfa_keys, 2, &plan, &line),
		ERR_CHANGED_UNDER_US);
	sshd_config_free(cfg);
	/* someone's line in our block: never cut away with it */
	const struct memfile foreign[] = {
		{"/etc/ssh/sshd_config", "UsePAM yes\n# mfa\n" MFA_BLOCK "\tPermitTTY no\n"},
		{NULL, NULL}};
	cfg = load(foreign);
	assert_int_equal(
		sshd_config_plan_block(cfg, "x.conf", "mfa", NULL, mfa_keys, 2, &plan, &line),
		ERR_CHANGED_UNDER_US);
	assert_int_equal(line, 2);
	sshd_config_free(cfg);
}

static void test_effective_output(void **state)
{
	(void)state;
	struct dynbuf out;
	dynbuf_init(&out, 4096);
	assert_int_equal(dynbuf_append_str(&out, "port 22\nallowusers a\nallowusers b@10.0.0.1\n"
						 "authorizedkeysfile .ssh/authorized_keys /k/%u\n"),
			 0);
	char buf[256];
	sshd_effective_values(&out, "allowusers", buf, sizeof(buf));
	assert_string_equal(buf, "a b@10.0.0.1");
	sshd_effective_values(&out, "authorizedkeysfile", buf, sizeof(buf));
	assert_string_equal(buf, ".ssh/authorized_keys /k/%u");
	sshd_effective_values(&out, "allow", buf, sizeof(buf));
	assert_string_equal(buf, "");
	dynbuf_free(&out);
	sshd_authorized_keys_path(".ssh/authorized_keys", "/home/al", "al", 1001, buf, sizeof(buf));
	assert_string_equal(buf, "/home/al/.ssh/authorized_keys");
	sshd_authorized_keys_path("/etc/keys/%u.%U.100%%", "/home/al", "al", 1001, buf,
				  sizeof(buf));
	assert_string_equal(buf, "/etc/keys/al.1001.100%");
	sshd_authorized_keys_path("%h/k", "/home/al", "al", -1, buf, sizeof(buf));
	assert_string_equal(buf, "/home/al/k");
	sshd_authorized_keys_path("/k/%U", "/h", "al", -1, buf, sizeof(buf));
	assert_string_equal(buf, "/k/%U");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_layout_dropin_wins),
		cmocka_unit_test(test_match_blocks),
		cmocka_unit_test(test_include_scope),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plan_dropin),
		cmocka_unit_test(test_plan_dropin_again),
		cmocka_unit_test(test_plan_main_file),
		cmocka_unit_test(test_plan_fix_match),
		cmocka_unit_test(test_plan_block),
		cmocka_unit_test(test_effective_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
