#!/bin/sh
# The generated fish completion: it parses (fish -n), and fish's own
# completion engine ('complete -C LINE') offers the expected matches.
# Exit 77 (skipped) when fish is not installed.
#
# usage: test-fish-completion.sh path/to/completions/svsmctl.fish
set -u
script=${1:?usage: $0 path/to/svsmctl.fish}

if ! command -v fish >/dev/null 2>&1; then
	echo "SKIP: fish is not installed (apt-get install fish): the fish completion is not tested"
	exit 77
fi
if [ ! -r "$script" ]; then
	echo "FAIL: $script does not exist: build the 'completions' target first"
	exit 1
fi
script=$(realpath -- "$script")
if ! fish --no-config -n "$script"; then
	echo "FAIL: fish -n $script: the script does not parse"
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/dir1" "$work/dir2" && : >"$work/file1"
here=$(cd "$(dirname "$0")" && pwd)
complete_words() {
	(cd "$work" && fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$script" "$1" | cut -f1)
}
. "$here/expect-completions.sh"

expect 'svsmctl ' status cpus protocols call remap-ca attest verify explain check module completion
expect 'svsmctl st' status
expect 'svsmctl module ' load unload status
expect 'svsmctl completion ' bash zsh fish
expect 'svsmctl --device /x mo' module
expect 'svsmctl --color never module l' load
expect 'svsmctl status --format ' text json prometheus
expect 'svsmctl status -f ' text json prometheus
expect 'svsmctl --color ' auto always never
expect 'svsmctl module load --backend ' auto snp emulated
expect 'svsmctl check --require-' --require-protocol --require-vtpm
expect 'svsmctl call --r' --rcx --rdx --r8 --r9
expect 'svsmctl call --rcx ' # a free value: nothing to offer
expect 'svsmctl status --textfile ' dir1/ dir2/
expect 'svsmctl call --buffer-file ' dir1/ dir2/ file1

report "parses"
