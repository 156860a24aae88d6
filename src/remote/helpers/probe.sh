# sshkeyctl's probe, run as the login user before the root helper (src/remote/server_admin.c):
# who we are, the connection as the server sees it, and whether sudo works without a
# password. POSIX sh; embedded in sshkeyctl at build time.
i=$(LC_ALL=C id -u)
echo "uid $i"
echo "connection ${SSH_CONNECTION:-}"
if [ "$i" != 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo 'sudo none'
	elif sudo -n true 2>/dev/null; then
		echo 'sudo nopasswd'
	else
		echo 'sudo password'
	fi
fi
