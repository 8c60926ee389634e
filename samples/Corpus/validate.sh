#!/usr/bin/env bash
# Checks the interleaved in-process estimates against full A/B experiments: for each SITE:ACTION, the corpus program
# runs that one site's default copy as a standalone workload (fixed work, ~2 s), `advisor collect` profiles it to get
# the site's number, and `advisor experiment` patches the default callee (force|block) in a copy and measures it
# against the unmodified program and an A/A copy, deciding on CPU time.
#   samples/Corpus/validate.sh small-loop-03:block large-loop-03:force
# Needs a finished measure.sh (its work folder: bin/ and measurements.json). Logs in <work folder>/validation/.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
seed=${SEED:-1}
dir=${CORPUS_DIR:-${TMPDIR:-/tmp}/inline-advisor-corpus-$seed}
max_pairs=${MAX_PAIRS:-20}
calls=${CALLS:-600}
advisor="$repo/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor"
[ -f "$dir/bin/Corpus.dll" ] && [ -f "$dir/measurements.json" ] || { echo "validate.sh: run samples/Corpus/measure.sh first (no $dir/bin or measurements.json)" >&2; exit 1; }
out="$dir/validation"
mkdir -p "$out"
for pair in "$@"; do
  site=${pair%%:*}; action=${pair##*:}
  iterations=$(python3 -c "import json,sys; d=json.load(open('$dir/measurements.json')); print(next(s['iterationsPerCall'] for s in d['sites'] if s['id']=='$site'))")
  workload=(dotnet "$dir/bin/Corpus.dll" --only "$site" --variant default --iterations "$iterations" --calls "$calls")
  store="$out/$site.db"
  rm -f "$store"
  echo "== $site: $action ($calls calls × $iterations iterations)"
  "$advisor" collect --store "$store" --output "$out/$site.nettrace" -- "${workload[@]}" > "$out/$site.collect.log" 2>&1
  number=$("$advisor" report --store "$store" --json --top 1000 | python3 -c "
import json,sys
d=json.load(sys.stdin)
print(next(s['site']['id'] for s in d['sites'] if s['site']['callee']['name'].startswith('Callee_') and s['site']['callee']['name'].endswith('_Default')))")
  start=$(date +%s)
  "$advisor" experiment --store "$store" --app "$dir/bin" --site "$number" --action "$action" --max-pairs "$max_pairs" --decide-on-cpu \
    -- "${workload[@]}" 2>&1 | tee "$out/$site.$action.log"
  echo "== $site $action: $(( $(date +%s) - start )) s"
done
