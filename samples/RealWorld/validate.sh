#!/usr/bin/env bash
# The real-library validation suite (issue 13, part 6): per library, collect → advise → experiments of the top
# candidates → an independent re-measurement of each piece of advice → one markdown table.
#
#   bash samples/RealWorld/validate.sh [options] [library ...]        (npm run validate -- [options] [library ...])
#     libraries      default: all of  hashing hashing8 lz4 xxhash csv yaml markdown nodatime sharpziplib zstd bouncycastle
#     --top K        candidates per library for `advisor experiment --top K` (default 2)
#     --max-pairs N  rounds per experiment (default 40); --budget T time per experiment (default 15m); --epsilon E (default 1)
#     --out DIR      where stores, traces, logs and table.md go (default: a new temp dir)
#     --smoke        ONE experiment in all: skip the discovery experiments and re-measure only the first piece of
#                    advice (of the first library; if it gave none, one discovery experiment instead), --max-pairs 10 (the least
#                    the advisor accepts), --budget 5m. Its numbers are a smoke test of the pipeline, not a measurement.
#
# Each experiment takes minutes (three arms per round, each a whole run of the driver). Run the full suite on a quiet
# machine only: on a shared, loaded one a measured number misleads (see shared FACTS, "Measuring payoffs").
#
# Per library:
#   1. advisor collect (launch, default runtime settings) into OUT/<lib>/advisor.db; advisor advise --json --top 10
#      (its candidates worth measuring: predictions and the JIT's events are never advice by themselves).
#   2. advisor experiment --top K --decide-on-cpu (the planner's choice of candidates; its per-site actions), then
#      advise again: "Advice" = every measured entry among its 10 whose action is force, block or remove.
#   3. Independent re-measurement: a second collect into OUT/<lib>/remeasure.db, the advised site found again there
#      by identity (caller, callee, IL offset), advisor experiment --site N --action A --decide-on-cpu. Discovery
#      wins from step 2 that were not advised are re-measured the same way.
#   4. table.md: advice, the re-measured outcome (CPU effect, 95% interval, n pairs, verdict), the A/A control,
#      false wins (advice whose re-measurement does not improve CPU clear of the A/A control; for "remove", a
#      regression clear of the control or Tier1 code that grew: `advisor export` accepts a removal only when it
#      costs nothing and shrinks code), missed wins
#      (experiments that improved CPU clear of the control at a site advise did not advise), and the time spent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/libraries.sh"
TOP=2; MAX_PAIRS=40; BUDGET=15m; EPSILON=1; OUT=""; SMOKE=0; LIBS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --top) TOP="$2"; shift 2 ;;
    --max-pairs) MAX_PAIRS="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --epsilon) EPSILON="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --smoke) SMOKE=1; MAX_PAIRS=10; BUDGET=5m; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) rw_ns "$1" >/dev/null || { echo "unknown library: $1 (known: $RW_ALL)" >&2; exit 2; }; LIBS="$LIBS $1"; shift ;;
  esac
done
LIBS="${LIBS:-$RW_ALL}"
OUT="${OUT:-$(mktemp -d /tmp/realworld-validate-XXXXXX)}"
mkdir -p "$OUT"
echo "validate: libraries:$LIBS; out $OUT; experiments: --top $TOP --max-pairs $MAX_PAIRS --budget $BUDGET --epsilon $EPSILON$([ $SMOKE = 1 ] && echo ' (smoke: one experiment)')" >&2
rw_build
advisor() { dotnet "$ADVISOR_DLL" "$@"; }
EXPERIMENTS_LEFT=$([ $SMOKE = 1 ] && echo 1 || echo 1000000)
EXP_OPTS=(--decide-on-cpu --max-pairs "$MAX_PAIRS" --budget "$BUDGET" --epsilon "$EPSILON")

# Finds a site of run JSON $1 by identity (caller nameKey, callee nameKey, IL offset) given as JSON $2; prints its id.
site_in() { python3 - "$1" "$2" <<'PY'
import json, sys
rep, want = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
for s in rep["sites"]:
    x = s["site"]
    if x["caller"]["nameKey"] == want["caller"] and x["callee"]["nameKey"] == want["callee"] and x["ilOffset"] == want["il"]:
        print(x["id"]); break
PY
}

for lib in $LIBS; do
  app="$(rw_app "$lib")"; arg="$(rw_arg "$lib")"; d="$OUT/$lib"; mkdir -p "$d"
  start=$(date +%s)
  echo "== $lib: collect, advise" >&2
  ( cd "$d" && advisor collect --store advisor.db --output trace.nettrace -- dotnet "$app/RealWorld.dll" "$arg" > collect.log 2>&1 )
  advisor advise --store "$d/advisor.db" --app "$app" --top 10 --json > "$d/advise.json"
  advisor advise --store "$d/advisor.db" --app "$app" --top 10 > "$d/advise.txt"
  if [ $SMOKE = 0 ] && [ "$EXPERIMENTS_LEFT" -gt 0 ]; then
    echo "== $lib: advisor experiment --top $TOP" >&2
    advisor experiment --app "$app" --top "$TOP" "${EXP_OPTS[@]}" --store "$d/advisor.db" -- dotnet "$app/RealWorld.dll" "$arg" > "$d/discovery.log" 2>&1 || echo "discovery experiments failed: $d/discovery.log" >&2
  fi
  # The advice to re-measure: advise again after the experiments (only measured evidence makes advice to change a flag;
  # the first advise's candidates are what the discovery experiments measured), (site identity, action) per measured
  # entry whose action is not "leave".
  advisor advise --store "$d/advisor.db" --app "$app" --top 10 --json > "$d/advise-measured.json"
  advisor advise --store "$d/advisor.db" --app "$app" --top 10 > "$d/advise-measured.txt"
  python3 - "$d/advise-measured.json" > "$d/advice.tsv" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["sites"]:
    if s["standing"] == "measured" and s["action"] in ("force", "block", "remove"):
        x = s["site"]
        print(json.dumps({"caller": x["caller"]["nameKey"], "callee": x["callee"]["nameKey"], "il": x["ilOffset"]}) + "\t" + s["action"])
PY
  # Wins found by the discovery experiments (improved CPU clear of zero and of the control) join the re-measurement.
  python3 - "$d/advisor.db" >> "$d/advice.tsv" <<'PY' || true
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key = lambda i: "".join(db.execute("SELECT type || '::' || name || signature FROM methods WHERE id = ?", (i,)).fetchone())
for caller, callee, il, action in db.execute("""SELECT s.caller_id, s.callee_id, s.il_offset, lower(e.action) FROM experiments x
        JOIN experiment_sites s ON s.experiment_id = x.id JOIN experiment_edits e ON e.experiment_id = x.id
        JOIN experiment_metrics m ON m.experiment_id = x.id AND m.metric = x.deciding_metric
        WHERE x.verdict = 'Effect' AND m.effect < 0 AND m.high < 0 AND m.high < m.control_low""").fetchall():
    print(json.dumps({"caller": key(caller), "callee": key(callee), "il": il}) + "\t" + action + "\tdiscovery")
PY
  awk '!seen[$1 FS $2]++' "$d/advice.tsv" > "$d/advice.tmp" && mv "$d/advice.tmp" "$d/advice.tsv"
  if [ -s "$d/advice.tsv" ] && [ "$EXPERIMENTS_LEFT" -gt 0 ]; then
    echo "== $lib: independent profile for the re-measurement" >&2
    ( cd "$d" && advisor collect --store remeasure.db --output remeasure.nettrace -- dotnet "$app/RealWorld.dll" "$arg" > remeasure-collect.log 2>&1 )
    advisor report --store "$d/remeasure.db" --top 100000 --json > "$d/remeasure-report.json"
    n=0
    while IFS=$'\t' read -r ident action origin; do
      [ "$EXPERIMENTS_LEFT" -gt 0 ] || break
      site="$(site_in "$d/remeasure-report.json" "$ident")"
      if [ -z "$site" ]; then echo "$ident	$action	not in the second profile" >> "$d/remeasure-missing.tsv"; continue; fi
      n=$((n + 1)); EXPERIMENTS_LEFT=$((EXPERIMENTS_LEFT - 1))
      echo "== $lib: re-measure site $site ($action)" >&2
      advisor experiment --app "$app" --site "$site" --action "$action" "${EXP_OPTS[@]}" --store "$d/remeasure.db" -- dotnet "$app/RealWorld.dll" "$arg" > "$d/remeasure-$n.log" 2>&1 || echo "re-measurement failed: $d/remeasure-$n.log" >&2
    done < "$d/advice.tsv"
  elif [ $SMOKE = 1 ] && [ "$EXPERIMENTS_LEFT" -gt 0 ]; then
    EXPERIMENTS_LEFT=0
    echo "== $lib: no advice; smoke: one discovery experiment" >&2
    advisor experiment --app "$app" --top 1 "${EXP_OPTS[@]}" --store "$d/advisor.db" -- dotnet "$app/RealWorld.dll" "$arg" > "$d/discovery.log" 2>&1 || true
  fi
  echo $(( $(date +%s) - start )) > "$d/seconds"
done
python3 "$RW_DIR/validate_table.py" "$OUT" "$SMOKE" $LIBS > "$OUT/table.md"
cat "$OUT/table.md"
echo "table: $OUT/table.md" >&2
