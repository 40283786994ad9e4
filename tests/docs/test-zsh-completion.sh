#!/bin/sh
# The generated zsh completion: it parses (zsh -n), compinit binds it to
# svsmctl through its #compdef line, and a real interactive zsh offers the
# expected matches (zsh-complete.zsh, through zsh/zpty).
# Exit 77 (skipped) when zsh is not installed.
#
# usage: test-zsh-completion.sh path/to/completions/_svsmctl
set -u
script=${1:?usage: $0 path/to/_svsmctl}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v zsh >/dev/null 2>&1; then
	echo "SKIP: zsh is not installed (apt-get install zsh): the zsh completion is not tested"
	exit 77
fi
if [ ! -r "$script" ]; then
	echo "FAIL: $script does not exist: build the 'completions' target first"
	exit 1
fi
if ! zsh -n "$script"; then
	echo "FAIL: zsh -n $script: the script does not parse"
	exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$script" "$dir/_svsmctl"
if ! zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D; [[ $_comps[svsmctl] == _svsmctl ]]' \
	zsh "$dir"; then
	echo "FAIL: compinit does not bind _svsmctl to svsmctl"
	exit 1
fi
if ! zsh -f -c 'zmodload zsh/zpty' 2>/dev/null; then
	echo "OK: parses and registers (zsh/zpty missing: completions themselves not tested)"
	exit 0
fi

mkdir "$dir/work" "$dir/work/dir1" "$dir/work/dir2" && : >"$dir/work/file1"
complete_words() { (cd "$dir/work" && zsh -f "$here/zsh-complete.zsh" "$dir" "$1"); }
. "$here/expect-completions.sh"

expect 'svsmctl ' status cpus protocols call remap-ca attest verify explain check module completion
expect 'svsmctl st' status
expect 'svsmctl module ' load unload status
expect 'svsmctl completion ' bash zsh fish
expect 'svsmctl --device /x mo' module
expect 'svsmctl status --format ' text json prometheus
expect 'svsmctl status --format=p' prometheus
expect 'svsmctl status -f ' text json prometheus
expect 'svsmctl --color ' auto always never
expect 'svsmctl module load --backend ' auto snp emulated
expect 'svsmctl check --require-' --require-protocol --require-vtpm
expect 'svsmctl call --r' --rcx --rdx --r8 --r9
expect 'svsmctl module load --p' --param
expect 'svsmctl status --textfile ' dir1 dir2      # directories only
expect 'svsmctl call --buffer-file ' dir1 dir2 file1

report "parses, registers"
