# An AuthorizedKeysFile entry as sshd expands it (POSIX sh; embedded by embed.py into the
# helpers that include it): keys_file_path ENTRY sets kf_path to ENTRY with %% %h %u %U
# replaced (home, name, uid of the including script's account) and, when relative, under
# the home directory.
# shellcheck shell=sh
# shellcheck disable=SC2154 # home, name and uid are the including script's
keys_file_path() {
	kf_rest=$1 kf_path=
	while [ -n "$kf_rest" ]; do
		case $kf_rest in
		%%*) kf_path="$kf_path%" kf_rest=${kf_rest#??} ;;
		%h*) kf_path="$kf_path$home" kf_rest=${kf_rest#??} ;;
		%u*) kf_path="$kf_path$name" kf_rest=${kf_rest#??} ;;
		%U*) kf_path="$kf_path$uid" kf_rest=${kf_rest#??} ;;
		*)
			kf_c=${kf_rest%"${kf_rest#?}"}
			kf_path="$kf_path$kf_c" kf_rest=${kf_rest#?}
			;;
		esac
	done
	case $kf_path in /*) ;; *) kf_path="${home%/}/$kf_path" ;; esac
}
