#!/usr/bin/env bash
# A real IMAP server for the tests: dovecot.sh DIR PORT idle|no-idle NAME:PASSWORD…
# Writes a Dovecot configuration, its users and their Maildirs into DIR, then runs Dovecot (Debian's
# dovecot-imapd) in the foreground on 127.0.0.1:PORT, without TLS, as an unprivileged process: `nobody`
# when started as root (Dovecot refuses to run its logins as root), else the caller. `no-idle` makes it
# offer no IDLE, as some servers do.
set -euo pipefail
dir=$1 port=$2 idle=$3
shift 3
if [ "$(id -u)" = 0 ]; then
  user=nobody group=nogroup
  as_owner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
  user=$(id -un) group=$(id -gn)
  as_owner=()
fi
mkdir -p "$dir/run" "$dir/state" "$dir/home"
: > "$dir/users"
for entry in "$@"; do
  name=${entry%%:*}
  echo "$name:{PLAIN}${entry#*:}" >> "$dir/users"
  mkdir -p "$dir/home/$name/Maildir/cur" "$dir/home/$name/Maildir/new" "$dir/home/$name/Maildir/tmp"
done
capability=
[ "$idle" = no-idle ] && capability="imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE"
cat > "$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = $user
default_internal_user = $user
default_internal_group = $group
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:~/Maildir
$capability
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    user = $user
  }
}
EOF
if [ "$(id -u)" = 0 ]; then
  chown -R 65534:65534 "$dir"
  chmod 755 "$dir"
fi
exec "${as_owner[@]}" /usr/sbin/dovecot -F -c "$dir/dovecot.conf"
