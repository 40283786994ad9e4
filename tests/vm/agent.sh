#!/bin/sh
# Guest agent. One request per line from the host:
#   RUN <id> <base64 of a shell command>
#   POWEROFF
# One answer per request:
#   RESULT <id> <exit status> <base64 stdout> <base64 stderr>
# base64 keeps every byte of output intact over the serial line.
port=$1
stty -F "$port" raw -echo -onlcr 2>/dev/null
exec 3<>"$port"
echo "READY $(uname -r)" >&3

enc() { base64 < "$1" | tr -d '\n'; }

while read -r verb id payload <&3; do
	case "$verb" in
	RUN)
		echo "$payload" | base64 -d > /tmp/agent.cmd
		( cd /root && sh /tmp/agent.cmd ) < /dev/null > /tmp/agent.out 2> /tmp/agent.err
		rc=$?
		printf 'RESULT %s %s %s %s\n' "$id" "$rc" "$(enc /tmp/agent.out)." "$(enc /tmp/agent.err)." >&3
		;;
	POWEROFF)
		# QEMU runs with -no-reboot: a reboot ends it, with or without ACPI.
		sync
		reboot -f
		;;
	esac
done
