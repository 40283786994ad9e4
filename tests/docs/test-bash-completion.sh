#!/bin/bash
# Drive the generated bash completion the way bash does: source the script,
# find the function 'complete -p svsmctl' registered, set COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT for a command line, call the function,
# and compare COMPREPLY with the expected words exactly (order aside).
# Everything runs twice: alone, and after /usr/share/bash-completion's
# bash_completion (as in an interactive shell), when it is installed.
#
# usage: test-bash-completion.sh path/to/completions/svsmctl
set -u

script=${1:?usage: $0 path/to/bash-completion-script}
if [[ ! -r $script ]]; then
	echo "FAIL: $script does not exist: build the 'completions' target first" >&2
	exit 1
fi
script=$(realpath -- "$script")
bash_completion=/usr/share/bash-completion/bash_completion

failures=0
total=0

# complete_line WORD...: the completions for the command line WORD..., the
# last word being the one under the cursor (may be empty).
complete_line() {
	local func
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMP_TYPE=9 COMP_KEY=9
	COMPREPLY=()
	func=$(complete -p svsmctl 2>/dev/null | sed -n 's/.*-F \([^ ]*\).*/\1/p')
	if [[ -z $func ]]; then
		echo "no completion function registered for svsmctl" >&2
		return 1
	fi
	"$func" svsmctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }

# expect 'COMMAND LINE' -- EXPECTED...: COMPREPLY must be exactly EXPECTED.
# The command line is split at spaces; a trailing '' is an empty word.
expect() {
	local line=$1 got want
	shift 2
	total=$((total + 1))
	read -r -a words <<<"$line"
	[[ $line == *' ' ]] && words+=('')
	got=$(complete_line "${words[@]}")
	if (($# == 0)); then want=''; else want=$(sorted "$@"); fi
	if [[ $got != "$want" ]]; then
		failures=$((failures + 1))
		echo "FAIL [$mode]: '$line'"
		echo "  expected: $(echo $want)"
		echo "  got:      $(echo $got)"
	fi
}

# expect_includes 'COMMAND LINE' -- WORD...: each WORD is among the completions.
expect_includes() {
	local line=$1 got w
	shift 2
	total=$((total + 1))
	read -r -a words <<<"$line"
	[[ $line == *' ' ]] && words+=('')
	got=$(complete_line "${words[@]}")
	for w in "$@"; do
		if ! grep -qxF -- "$w" <<<"$got"; then
			failures=$((failures + 1))
			echo "FAIL [$mode]: '$line' does not offer $w; got: $(echo $got)"
		fi
	done
}

cases() {
	local commands=(status cpus protocols call remap-ca attest verify explain check module completion)
	local globals=(-h --help -V --version --json -q --quiet --color --device)

	# Commands: top level, a prefix, nested, after global options.
	expect 'svsmctl ' -- "${commands[@]}"
	expect 'svsmctl st' -- status
	expect 'svsmctl c' -- cpus call check completion
	expect 'svsmctl module ' -- load unload status
	expect 'svsmctl module un' -- unload
	expect 'svsmctl completion ' -- bash zsh fish  # json is hidden
	expect 'svsmctl --json st' -- status
	expect 'svsmctl --device /dev/null mo' -- module
	expect 'svsmctl --color never module l' -- load

	# Options of the command under the cursor, global ones included.
	expect_includes 'svsmctl call --' -- --rcx --rdx --r8 --r9 --cpu --all-cpus --buffer --buffer-file \
		--buffer-in --buffer-reg --buffer-out --unsafe --json --device
	expect 'svsmctl check --require-' -- --require-protocol --require-vtpm
	expect 'svsmctl status -' -- -f --format --textfile --no-query --all-cpus "${globals[@]}"
	expect 'svsmctl status --f' -- --format
	expect 'svsmctl module load --' -- --backend --param --reload --help --version --json --quiet --color --device
	expect 'svsmctl --' -- --help --version --json --quiet --color --device
	expect 'svsmctl module status ' -- "${globals[@]}"  # no subcommands or arguments left

	# Values from the options' choices, in each spelling.
	expect 'svsmctl status --format ' -- text json prometheus
	expect 'svsmctl status -f ' -- text json prometheus
	expect 'svsmctl status --format j' -- json
	expect 'svsmctl status --format = ' -- text json prometheus   # --format=<TAB>
	expect 'svsmctl status --format =' -- text json prometheus    # cursor on the '='
	expect 'svsmctl status --format = p' -- prometheus            # --format=p<TAB>
	expect 'svsmctl --color ' -- auto always never
	expect 'svsmctl status --color a' -- auto always
	expect 'svsmctl module load --backend ' -- auto snp emulated
	expect 'svsmctl call --buffer-in ' -- ca pages
	expect 'svsmctl call --buffer-reg r' -- rcx rdx r8 r9

	# Free values and positional arguments: nothing to offer.
	expect 'svsmctl call --rcx ' --
	expect 'svsmctl check --require-protocol ' --
	expect 'svsmctl call ' --
	expect 'svsmctl explain 0x8' --

	# An option's value is not taken for a command: here "status" is the
	# device, so a command comes next.
	expect 'svsmctl --device status ' -- "${commands[@]}"
	expect 'svsmctl --device /dev/x status -' -- -f --format --textfile --no-query --all-cpus "${globals[@]}"

	# Files and directories.
	expect 'svsmctl status --textfile d' -- dir1 dir2
	expect 'svsmctl attest --out d' -- dir1 dir2
	expect 'svsmctl call --buffer-file f' -- file1
	expect 'svsmctl call --buffer-out ' -- dir1 dir2 file1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dir1" "$tmp/dir2"
: >"$tmp/file1"
cd "$tmp" || exit 1

run() {
	mode=$1
	(
		total=0 failures=0
		# shellcheck source=/dev/null
		[[ $mode == bash-completion ]] && source "$bash_completion"
		# shellcheck source=/dev/null
		source "$script" || exit 1
		cases
		echo "$total $failures" >"$tmp/result"
	)
	local t=1 f=1  # a subshell that died counts as one failure
	[[ -s $tmp/result ]] && read -r t f <"$tmp/result"
	rm -f "$tmp/result"
	total=$((total + t)) failures=$((failures + f))
}

modes=alone
run alone
if [[ -r $bash_completion ]]; then
	modes="$modes, with bash-completion"
	run bash-completion
else
	echo "note: $bash_completion not installed: tested without it only"
fi

if ((failures)); then
	echo "$failures of $total checks failed ($modes)"
	exit 1
fi
echo "OK: $total checks passed ($modes)"
