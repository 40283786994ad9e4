#!/usr/bin/zsh -f
# zsh-complete.zsh DIR LINE: the completions a real interactive zsh offers
# for LINE (with the cursor at its end) when DIR, holding _svsmctl, is in
# $fpath. It runs zsh in a pseudo-terminal (zsh/zpty), binds TAB to a widget
# that runs the completion system with compadd wrapped to print each match,
# and prints the matches one per line. Exit 77 without zsh/zpty.
zmodload zsh/zpty 2>/dev/null || exit 77
dir=$1 line=$2

zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  builtin compadd "$@"; local ret=$?
  local -a __hits
  builtin compadd -O __hits "$@"
  print -rn -- "<<${(j:>><<:)__hits}>>"
  return ret
}'
# The wrapper adds the matches as usual, then collects them (-O) and prints
# them; empty <<>> pairs are dropped below. No comments inside the typed code:
# an interactive zsh without interactive_comments takes '#' for a word.
# The markers are split in the source: the terminal echoes what is typed.
zpty -w z 'comptest () { print -rn -- "@@""BEGIN@@"; _main_complete; print -rn -- "@@""END@@"; }'
zpty -w z 'zle -C comptest .complete-word comptest'
zpty -w z "bindkey '^I' comptest"
zpty -w z "zstyle ':completion:*' insert-tab false"
zpty -n -w z "$line"$'\t'

out=''
integer i
for (( i = 0; i < 600; i++ )); do  # 30 seconds at most
  if zpty -r -t z chunk 2>/dev/null; then
    out+=$chunk
    [[ $out == *@@END@@* ]] && break
  else
    sleep 0.05
  fi
done
zpty -d z
if [[ $out != *@@END@@* ]]; then
  print -u2 "zsh-complete: no answer from zsh for '$line'"
  exit 1
fi
out=${out##*@@BEGIN@@}
out=${out%%@@END@@*}
[[ $out == *'<<'* ]] || exit 0
print -rl -- ${(ou)${(s:>><<:)${${out#*<<}%>>*}}}
