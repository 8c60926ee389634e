#!/usr/bin/env bash
# The facts behind FINDINGS.md, per library: collect (launch mode, default runtime settings) → report → advise,
# plus the JIT's inlining events counted per inlinee, per failure reason and per compile (InlineEvents).
#   bash samples/RealWorld/findings.sh [OUT_DIR] [library ...]      (default OUT_DIR: a new temp dir; all libraries)
# Writes OUT_DIR/<library>/{advisor.db,trace.nettrace,report.txt,report.json,advise.txt,advise.json,events.txt} and
# OUT_DIR/findings.md (the generated sections of FINDINGS.md). No experiments: a few seconds per library.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/libraries.sh"
OUT="${1:-$(mktemp -d /tmp/realworld-findings-XXXXXX)}"; shift || true
LIBS="${*:-$RW_ALL}"
mkdir -p "$OUT"
rw_build
advisor() { dotnet "$ADVISOR_DLL" "$@"; }
for lib in $LIBS; do
  ns="$(rw_ns "$lib")" || { echo "unknown library: $lib (known: $RW_ALL)" >&2; exit 2; }
  app="$(rw_app "$lib")"; d="$OUT/$lib"; rm -rf "$d"; mkdir -p "$d"
  echo "== $lib" >&2
  ( cd "$d" && advisor collect --store advisor.db --output trace.nettrace -- dotnet "$app/RealWorld.dll" "$(rw_arg "$lib")" > collect.txt 2>&1 )
  ( cd "$d" && advisor report --store advisor.db --top 10 > report.txt 2>&1 && advisor report --store advisor.db --top 100000 --json > report.json )
  ( cd "$d" && advisor advise --store advisor.db --app "$app" --top 10 > advise.txt 2>&1 && advisor advise --store advisor.db --app "$app" --top 10 --json > advise.json )
  dotnet "$EVENTS_DLL" "$d/trace.nettrace" --app "$app" --ns "$ns" > "$d/events.txt"
  dotnet "$app/RealWorld.dll" --attributes "$(rw_arg "$lib")" > "$d/attributes.txt"
done
python3 "$RW_DIR/summarize.py" "$OUT" $LIBS > "$OUT/findings.md"
echo "$OUT/findings.md" >&2
