/* What doctor reads from others: ssh -G output, an SSH identification line, libssh's
 * negotiation failure, SELinux labels, the authorized_keys read helper's answer */
#include "test_support.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "ops/doctor_checks.h"
#include "remote/authorized_keys_remote.h"
#include "remote/frame.h"
#include "remote/negotiation.h"
#include "remote/openssh_client.h"
#include "remote/server_kind.h"
#include "remote/tcp_probe.h"

/* libssh 0.10.6 against a server with only sntrup761x25519 (measured) */
static const char kex_failure[] =
	"kex error : no match for method kex algos: server "
	"[sntrup761x25519-sha512@openssh.com,kex-strict-s-v00@openssh.com], client "
	"[curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	"diffie-hellman-group14-sha256]";

/* Feed text to a frame reader in pieces of size step; the answer into out. */
static void feed_in_steps(struct frame_reader *fr, const char *text, size_t step,
			  struct dynbuf *out)
{
	for (size_t off = 0; off < strlen(text); off += step) {
		size_t n = strlen(text) - off < step ? strlen(text) - off : step;
		assert_int_equal(frame_reader_feed(fr, text + off, n, out), 0);
	}
}

/* A helper's answer after the login shell's chatter, however the output is cut */
static void test_frame(void **state)
{
	(void)state;
	static const char frame[] = "0123456789abcdef0123456789abcdef";
	static const char chatter[] =
		"This is the rc file talking\n"
		/* the frame's text, but not alone on its line: not the frame */
		"x0123456789abcdef0123456789abcdef\n"
		"\n0123456789abcdef0123456789abcdef\n"
		"uid 1000\n\n0123456789abcdef0123456789abcdef\ncontent -\n";
	for (size_t step = 1; step <= sizeof(chatter); step++) {
		struct frame_reader fr;
		struct dynbuf out;
		dynbuf_init(&out, 4096);
		frame_reader_init(&fr, frame);
		feed_in_steps(&fr, chatter, step, &out);
		assert_true(fr.framed);
		/* the first frame line starts the answer; a later one is the answer's */
		assert_string_equal((const char *)out.data,
				    "uid 1000\n\n0123456789abcdef0123456789abcdef\ncontent -\n");
		assert_string_equal(frame_reader_preface(&fr),
				    "This is the rc file talking\n"
				    "x0123456789abcdef0123456789abcdef\n");
		frame_reader_clear(&fr);
		dynbuf_free(&out);
	}
	/* no frame yet: nothing is the answer, all of it is the preface */
	struct frame_reader fr;
	struct dynbuf out;
	dynbuf_init(&out, 4096);
	frame_reader_init(&fr, frame);
	feed_in_steps(&fr, "This account is currently not available.\n", 7, &out);
	assert_false(fr.framed);
	assert_int_equal(out.len, 0);
	assert_string_equal(frame_reader_preface(&fr),
			    "This account is currently not available.\n");
	frame_reader_clear(&fr);
	/* no frame asked: everything is the answer */
	frame_reader_init(&fr, NULL);
	feed_in_steps(&fr, "uid 0\n", 2, &out);
	assert_string_equal((const char *)out.data, "uid 0\n");
	assert_string_equal(frame_reader_preface(&fr), "");
	frame_reader_clear(&fr);
	/* bounded: a shell that prints without end */
	frame_reader_init(&fr, frame);
	static char big[64 * 1024];
	memset(big, 'y', sizeof(big));
	int r = 0;
	for (size_t i = 0; r == 0 && i <= FRAME_PREFACE_MAX / sizeof(big); i++)
		r = frame_reader_feed(&fr, big, sizeof(big), &out);
	assert_int_equal(r, ERR_TOO_LARGE);
	frame_reader_clear(&fr);
	dynbuf_free(&out);
}

/* The version facts, on the banners of the servers of the test bed and a few more */
static void test_server_kind(void **state)
{
	(void)state;
	static const struct {
		const char *banner;
		enum server_software software;
		unsigned major, minor;
		bool debian, include, penalties;
		const char *kbd, *name;
	} cases[] = {
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", SERVER_OPENSSH, 9, 2, true, true, false,
		 "kbdinteractiveauthentication", "OpenSSH 9.2p1"},
		{"SSH-2.0-OpenSSH_10.5\r\n", SERVER_OPENSSH, 10, 5, false, true, true,
		 "kbdinteractiveauthentication", "OpenSSH 10.5"},
		{"SSH-2.0-OpenSSH_8.0", SERVER_OPENSSH, 8, 0, false, false, false,
		 "challengeresponseauthentication", "OpenSSH 8.0"},
		{"SSH-2.0-OpenSSH_8.6", SERVER_OPENSSH, 8, 6, false, true, false,
		 "challengeresponseauthentication", "OpenSSH 8.6"},
		{"SSH-2.0-OpenSSH_9.8p1 Ubuntu-3", SERVER_OPENSSH, 9, 8, true, true, true,
		 "kbdinteractiveauthentication", "OpenSSH 9.8p1"},
		{"SSH-2.0-dropbear_2022.83", SERVER_DROPBEAR, 2022, 83, false, false, false,
		 "kbdinteractiveauthentication", "Dropbear 2022.83"},
		{"SSH-2.0-tinyssh_20230101-1 egx4TKQn", SERVER_TINYSSH, 20230, 0, false, false,
		 false, "kbdinteractiveauthentication", "tinysshd 20230101-1"},
		{"SSH-1.99-Cisco-1.25", SERVER_OTHER, 0, 0, false, false, false,
		 "kbdinteractiveauthentication", "\"Cisco-1.25\""},
		{"HTTP/1.1 400 Bad Request", SERVER_OTHER, 0, 0, false, false, false,
		 "kbdinteractiveauthentication", "an unknown server"},
		/* the comment cannot make a server OpenSSH */
		{"SSH-2.0-dropbear_2020.81 OpenSSH_9.9", SERVER_DROPBEAR, 2020, 81, false, false,
		 false, "kbdinteractiveauthentication", "Dropbear 2020.81"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct server_kind k;
		server_kind_from_banner(cases[i].banner, strlen(cases[i].banner), &k);
		assert_int_equal(k.software, cases[i].software);
		if (k.software != SERVER_TINYSSH) {
			assert_int_equal(k.major, cases[i].major);
			assert_int_equal(k.minor, cases[i].minor);
		}
		assert_int_equal(k.debian, cases[i].debian);
		assert_int_equal(server_has_include(&k), cases[i].include);
		assert_int_equal(server_has_penalties(&k), cases[i].penalties);
		assert_string_equal(server_kbdinteractive_keyword(&k), cases[i].kbd);
		assert_string_equal(k.name, cases[i].name);
	}
	assert_true(server_openssh_at_least(
		&(struct server_kind){.software = SERVER_OPENSSH, .major = 10, .minor = 4}, 10, 4));
	assert_false(server_openssh_at_least(
		&(struct server_kind){.software = SERVER_DROPBEAR, .major = 2022, .minor = 83}, 8,
		0));
	/* bounded: a banner cut inside the version */
	struct server_kind k;
	server_kind_from_banner("SSH-2.0-OpenSSH_10.5", 17, &k);
	assert_int_equal(k.major, 1);
	assert_string_equal(k.name, "OpenSSH 1");
}

static void test_negotiation(void **state)
{
	struct negotiation_failure f;
	assert_int_equal(negotiation_failure_parse(kex_failure, strlen(kex_failure), &f), 0);
	assert_int_equal(f.kind, NEGOTIATION_KEX);
	/* the strict-kex marker is a signal, not an algorithm anyone could pick */
	assert_string_equal(f.server, "sntrup761x25519-sha512@openssh.com");
	assert_string_equal(negotiation_kind_keyword(f.kind), "KexAlgorithms");

	const char *mac = "no match for method mac algo server->client: server "
			  "[hmac-md5,ext-info-s,hmac-sha1], client [hmac-sha2-256]";
	assert_int_equal(negotiation_failure_parse(mac, strlen(mac), &f), 0);
	assert_int_equal(f.kind, NEGOTIATION_MAC);
	assert_string_equal(f.server, "hmac-md5,hmac-sha1");

	const char *hostkey = "kex error : no match for method server host key algo: server "
			      "[ssh-rsa], client [ssh-ed25519]";
	assert_int_equal(negotiation_failure_parse(hostkey, strlen(hostkey), &f), 0);
	assert_int_equal(f.kind, NEGOTIATION_HOST_KEY);
	assert_string_equal(f.server, "ssh-rsa");

	const char *other[] = {
		"Connection refused",
		"kex error : no match for method kex algos",
		"no match for method kex algos: server [unterminated",
		"",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(negotiation_failure_parse(other[i], strlen(other[i]), &f),
				 -ENOENT);
	/* bounded: the text ends before the closing bracket in memory */
	assert_int_equal(negotiation_failure_parse(mac, strlen(mac) - 30, &f), -ENOENT);

	char common[64];
	assert_true(negotiation_common("a,b,c", "x,c,b", common, sizeof(common)));
	assert_string_equal(common, "b");
	assert_false(negotiation_common("a,b", "ab,bb,", common, sizeof(common)));
	assert_false(negotiation_common("", "a", common, sizeof(common)));
}

static void test_ssh_g(void **state)
{
	const char *text = "user alice\nhostname 10.0.0.5\nport 2222\nidentitiesonly yes\n"
			   "pubkeyauthentication no\n"
			   "kexalgorithms curve25519-sha256,sntrup761x25519-sha512@openssh.com\n"
			   "ciphers aes128-ctr\nmacs hmac-sha2-256\n"
			   "hostkeyalgorithms ssh-ed25519\n"
			   "identityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ed25519\n"
			   "port 99999";
	struct openssh_client_config c;
	assert_int_equal(openssh_client_config_parse(text, strlen(text), &c), 0);
	assert_string_equal(c.user, "alice");
	assert_string_equal(c.hostname, "10.0.0.5");
	assert_int_equal(c.port, 22); /* the last port line is out of range */
	assert_true(c.identities_only);
	assert_false(c.pubkey_authentication);
	assert_string_equal(c.kex_algorithms,
			    "curve25519-sha256,sntrup761x25519-sha512@openssh.com");
	assert_string_equal(c.ciphers, "aes128-ctr");
	assert_string_equal(c.macs, "hmac-sha2-256");
	assert_string_equal(c.host_key_algorithms, "ssh-ed25519");
	assert_int_equal(c.n_identity_files, 2);
	assert_string_equal(c.identity_files[1], "~/.ssh/id_ed25519");
	assert_true(openssh_algorithm_listed(c.kex_algorithms, "curve25519-sha256"));
	assert_false(openssh_algorithm_listed(c.kex_algorithms, "curve25519"));
	openssh_client_config_clear(&c);
}

/* what connections take from ssh -G: known_hosts files, host key policy, timeouts, and
 * whether the identity files are ssh's defaults or the configuration's */
static void test_ssh_g_connection(void **state)
{
	const char *text =
		"User bob\nHostName web1.example\nPort 2200\n"
		"UserKnownHostsFile /home/bob/.ssh/known_hosts /home/bob/.ssh/kh2\n"
		"globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2\n"
		"stricthostkeychecking accept-new\nhashknownhosts yes\nbatchmode no\n"
		"connecttimeout 7\nproxyjump bastion,me@jump:2022\n"
		"certificatefile ~/.ssh/web1-cert.pub\n"
		"identityfile ~/.ssh/web1_key\nidentityagent none\n";
	struct openssh_client_config c;
	assert_int_equal(openssh_client_config_parse(text, strlen(text), &c), 0);
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.port, 2200);
	assert_int_equal(c.n_user_known_hosts_files, 2);
	assert_string_equal(c.user_known_hosts_files[1], "/home/bob/.ssh/kh2");
	assert_int_equal(c.n_global_known_hosts_files, 2);
	assert_int_equal(c.strict_host_key_checking, STRICT_HOST_KEY_ACCEPT_NEW);
	assert_true(c.hash_known_hosts);
	assert_false(c.batch_mode);
	assert_int_equal(c.connect_timeout, 7);
	assert_string_equal(c.proxy_jump, "bastion,me@jump:2022");
	assert_int_equal(c.n_certificate_files, 1);
	assert_false(c.identity_files_default); /* one file, named by the configuration */
	assert_string_equal(c.identity_agent, "none");
	char *path = NULL;
	assert_int_equal(openssh_client_expand_path(&c, "web1", "%d/.ssh/%h-%r-%p-%n%%", &path), 0);
	assert_non_null(strstr(path, "/.ssh/web1.example-bob-2200-web1%"));
	free(path);
	assert_int_equal(openssh_client_expand_path(&c, "web1", "~/.ssh/%C", &path), -EINVAL);
	openssh_client_config_clear(&c);

	/* ssh's own list, printed when no IdentityFile is configured */
	const char *defaults = "identityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ecdsa\n"
			       "identityfile ~/.ssh/id_ecdsa_sk\nidentityfile ~/.ssh/id_ed25519\n"
			       "identityfile ~/.ssh/id_ed25519_sk\nidentityfile ~/.ssh/id_xmss\n"
			       "identityfile ~/.ssh/id_dsa\nconnecttimeout none\n"
			       "stricthostkeychecking true\n";
	assert_int_equal(openssh_client_config_parse(defaults, strlen(defaults), &c), 0);
	assert_true(c.identity_files_default);
	assert_int_equal(c.connect_timeout, 0);
	assert_int_equal(c.strict_host_key_checking, STRICT_HOST_KEY_YES);
	assert_int_equal(openssh_client_identity(&c, "web1", &path), -ENOENT);
	openssh_client_config_clear(&c);
}

static void test_banner(void **state)
{
	struct tcp_probe_result res = {0};
	const char *ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
	assert_true(tcp_probe_banner_parse(ssh, strlen(ssh), &res));
	assert_int_equal(res.stage, TCP_PROBE_OK);
	assert_string_equal(res.first_line, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");

	struct tcp_probe_result web = {0};
	const char *http = "HTTP/1.0 400 Bad Request\r\n\r\n";
	assert_false(tcp_probe_banner_parse(http, strlen(http), &web));
	assert_string_equal(web.first_line, "HTTP/1.0 400 Bad Request");
}

/* doctor's SELinux helper answer: stat -c %C and matchpathcon -n on a RHEL host */
static void test_selinux_labels(void **state)
{
	const char *text =
		"enforce 1\n"
		"label unconfined_u:object_r:user_tmp_t:s0 "
		"unconfined_u:object_r:ssh_home_t:s0 /home/a b/.ssh/authorized_keys\n"
		"label unconfined_u:object_r:ssh_home_t:s0 system_u:object_r:ssh_home_t:s0 "
		"/home/a b/.ssh\n";
	struct selinux_labels l;
	assert_int_equal(selinux_labels_parse(text, strlen(text), &l), 0);
	assert_true(l.enabled);
	assert_true(l.enforcing);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].path, "/home/a b/.ssh/authorized_keys");
	assert_string_equal(l.items[0].type, "user_tmp_t");
	assert_string_equal(l.items[0].wanted_type, "ssh_home_t");
	/* another user or level is not a mismatch restorecon would fix */
	assert_string_equal(l.items[1].type, l.items[1].wanted_type);

	assert_int_equal(selinux_labels_parse("disabled\n", 9, &l), 0);
	assert_false(l.enabled);
	assert_int_equal(selinux_labels_parse("enforce 0\nno-matchpathcon\n", 26, &l), 0);
	assert_true(l.enabled && !l.enforcing && l.no_matchpathcon);
	const char *bad[] = {"label x y\n", "enforce 1\nsomething else\n", "label a b \n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(selinux_labels_parse(bad[i], strlen(bad[i]), &l), ERR_FORMAT);
}

/* The authorized_keys read helper's answer, from the fuzz seeds (which must all parse, or
 * the fuzzer starts from nothing), with its client line replaced when client_line is set. */
static void read_answer(const char *seed, const char *client_line, struct authorized_keys_state *st)
{
	char relpath[256];
	struct dynbuf text, edited;
	dynbuf_init(&text, 64 * 1024);
	dynbuf_init(&edited, 64 * 1024);
	snprintf(relpath, sizeof(relpath), "../fuzz/corpus/remote_state/%s", seed);
	read_test_file(relpath, &text);
	assert_int_equal(dynbuf_append(&text, "", 1), 0); /* for strstr */
	const char *t = (const char *)text.data, *line = strstr(t, "client ");
	assert_non_null(line);
	if (client_line) {
		const char *after = strchr(line, '\n') + 1;
		assert_int_equal(dynbuf_append(&edited, t, (size_t)(line - t)), 0);
		assert_int_equal(dynbuf_append(&edited, client_line, strlen(client_line)), 0);
		assert_int_equal(dynbuf_append(&edited, after, strlen(after)), 0);
		t = (const char *)edited.data;
	}
	*st = (struct authorized_keys_state){0};
	dynbuf_init(&st->content, 4096);
	assert_int_equal(
		authorized_keys_state_parse(t, client_line ? edited.len : text.len - 1, st), 0);
	dynbuf_free(&text);
	dynbuf_free(&edited);
}

static void test_authorized_keys_state(void **state)
{
	struct authorized_keys_state st;
	read_answer("typical", NULL, &st);
	assert_string_equal(st.client_addr, "127.0.0.1");
	assert_int_equal(st.n_nodes, 5);
	assert_true(st.exists);
	assert_memory_equal(st.content.data, "ssh-ed25519 ", 12);
	authorized_keys_state_clear(&st);
	read_answer("symlink", NULL, &st);
	assert_true(st.is_link && !st.exists);
	authorized_keys_state_clear(&st);
	read_answer("root_missing", NULL, &st);
	assert_false(st.exists);
	authorized_keys_state_clear(&st);
	/* root's view of a file the account cannot read: there, but no content */
	read_answer("root_unreadable", NULL, &st);
	assert_true(st.exists && st.unreadable);
	assert_int_equal(st.content.len, 0);
	authorized_keys_state_clear(&st);
	/* SSH_CONNECTION unset, or longer than any address: unknown, not an error */
	read_answer("typical", "client \n", &st);
	assert_string_equal(st.client_addr, "");
	authorized_keys_state_clear(&st);
	char long_line[128];
	snprintf(long_line, sizeof(long_line), "client %0100d\n", 7);
	read_answer("typical", long_line, &st);
	assert_string_equal(st.client_addr, "");
	authorized_keys_state_clear(&st);
	/* sshd's entries (the second one exists), its keys command, owners by name */
	read_answer("entries_names", NULL, &st);
	assert_int_equal(st.n_entries, 2);
	assert_true(st.entries_from_sshd);
	assert_int_equal(st.others_existing, 1UL << 1);
	assert_string_equal(st.keys_command, "/usr/bin/sss_ssh_authorizedkeys %u");
	assert_string_equal(st.keys_command_user, "nobody");
	assert_string_equal(st.account, "alice");
	char text[64];
	remote_node_owner_text(&st.nodes[0], text, sizeof(text));
	assert_string_equal(text, "nobody (uid 65534)");
	authorized_keys_account_text(&st, text, sizeof(text));
	assert_string_equal(text, "alice (uid 1001)");
	assert_string_equal(st.nodes[4].owner, "root");
	authorized_keys_state_clear(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_ssh_g),
		cmocka_unit_test(test_ssh_g_connection),
		cmocka_unit_test(test_banner),
		cmocka_unit_test(test_server_kind),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_selinux_labels),
		cmocka_unit_test(test_authorized_keys_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
