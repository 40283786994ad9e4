#!/bin/sh
# The main job: install what is missing, build, boot a QEMU VM with
# svsm_diag on the emulated SVSM backend, and print `svsmctl status` from
# inside it. Run as root on Debian 12.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
echo "== svsmctl status, inside a VM with the emulated SVSM =="
exec /usr/bin/python3 tests/vm/vm.py run -- \
	"svsmctl module load --backend emulated && svsmctl status"
