# Sourced by the zsh and fish completion tests. The caller defines
# complete_words LINE (the words its shell offers for LINE, one per line);
# this file defines expect and report on top of it.
total=0 failures=0

# expect 'LINE' WORD...: the shell offers exactly WORD... (order aside) for LINE.
expect() {
	line=$1
	shift
	total=$((total + 1))
	got=$(complete_words "$line" | LC_ALL=C sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	[ $# -eq 0 ] && want=''
	if [ "$got" != "$want" ]; then
		failures=$((failures + 1))
		echo "FAIL: '$line'"
		echo "  expected: $want"
		echo "  got:      $got"
	fi
}

# report WHAT: exit 1 if any expectation failed, else say WHAT passed.
report() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures of $total checks failed"
		exit 1
	fi
	echo "OK: $1, and $total completions match"
	exit 0
}
