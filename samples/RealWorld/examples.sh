#!/usr/bin/env bash
# Turns the suite's measured experiments into the model's real-code training examples (issue 13, part 5):
# every single-edit experiment in the stores under validate.sh's output folders becomes one row of
# models/data/realworld.csv (features from its profile run and the driver's IL; labels: the measured CPU and wall change
# over the summed share of the sites it changed, Δ JIT ms, Δ Tier1 code), through `advisor dataset --experiments`.
#
#   bash samples/RealWorld/examples.sh OUT_DIR [OUT_DIR ...]      (OUT_DIR: a validate.sh --out folder)
#
# Example ids are run<k>-<library>-<store>-<experiment id>, k = the folder's place in the arguments, so the same
# arguments in the same order give the same file. The drivers the experiments ran must still be in place (IL features).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/libraries.sh"
[ $# -gt 0 ] || { sed -n '2,9p' "$0"; exit 2; }
out="$RW_ROOT/models/data/realworld.csv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
k=0
for dir in "$@"; do
  k=$((k + 1))
  for db in "$dir"/*/*.db; do
    [ -f "$db" ] || continue
    lib=$(basename "$(dirname "$db")"); name=$(basename "$db" .db)
    echo "== $db" >&2
    # A store without experiments (a remeasure store that was never used) fails with one line: skipped.
    dotnet "$ADVISOR_DLL" dataset --store "$db" --experiments "run$k-$lib-$name" --out "$tmp/$k-$lib-$name.csv" >&2 || true
  done
done
files=("$tmp"/*.csv)
[ -f "${files[0]}" ] || { echo "no experiments became examples" >&2; exit 1; }
# A store copied to run one more experiment holds the original's too: a row equal but for its id is kept once.
{ head -n 1 "${files[0]}"; for f in "${files[@]}"; do tail -n +2 "$f"; done | awk '!seen[substr($0, index($0, ","))]++'; } > "$tmp/all" && mv "$tmp/all" "$out"
echo "$(($(wc -l < "$out") - 1)) examples → $out" >&2
