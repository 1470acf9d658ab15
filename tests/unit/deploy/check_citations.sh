#!/usr/bin/env bash
# check_citations.sh REPO: no file of the repository cites a document outside it (the design
# notes the project started from), and every `contracts §N` names a section docs/contracts.md
# has. Code and docs cite docs/contracts.md as `contracts §N` / `contracts invariant N`.
set -euo pipefail
repo=$1
cd "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard | grep -v '^tests/unit/deploy/check_citations.sh$')
else
  mapfile -t files < <(find . -path ./build -prune -o -path ./.git -prune -o -type f -print \
    | sed 's|^\./||' | grep -v '^tests/unit/deploy/check_citations.sh$')
fi
status=0
outside='DESIGN( ?§|\.md)|/work/shared|shared/reference|(^|[^a-z/])reference/[a-z_]+\.md'
if hits=$(printf '%s\0' "${files[@]}" | xargs -0 grep -nIE "$outside" -- 2>/dev/null); then
  echo "cites a document outside the repository (cite docs/contracts.md as 'contracts §N'):"
  echo "$hits"
  status=1
fi
sections=$(grep -oE '^## [0-9]+\.' docs/contracts.md | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
while IFS= read -r cited; do
  number=${cited##*§}
  if [[ " $sections " != *" $number "* ]]; then
    echo "cites contracts §$number, which docs/contracts.md does not have:"
    printf '%s\0' "${files[@]}" | xargs -0 grep -nIF "contracts §$number" -- | head -5
    status=1
  fi
done < <(printf '%s\0' "${files[@]}" | xargs -0 grep -ohIE 'contracts §[0-9]+' -- | sort -u)
invariants=$(grep -cE '^[0-9]+\. ' <(sed -n '/^## 4\./,/^## 5\./p' docs/contracts.md))
while IFS= read -r cited; do
  number=${cited##* }
  if (( number < 1 || number > invariants )); then
    echo "cites contracts invariant $number; docs/contracts.md §4 lists $invariants"
    status=1
  fi
done < <(printf '%s\0' "${files[@]}" | xargs -0 grep -ohIE 'contracts invariant [0-9]+' -- | sort -u)
[[ $status -eq 0 ]] && echo "citations OK: ${#files[@]} files"
exit $status
