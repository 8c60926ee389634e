#!/usr/bin/env bash
# Builds the corpus generator, generates the corpus program, builds it, and runs it ONCE under the real collector:
# the process measures every site's variants interleaved (measurements.json) while `advisor collect` records its
# profile (corpus.db). Then the model's `advisor dataset` joins the two, if this build has that verb.
#   samples/Corpus/measure.sh                 # seed 1, 20 sites per family, 30 rounds
#   SEED=2 PER_FAMILY=4 ROUNDS=10 samples/Corpus/measure.sh
# Outputs: models/data/corpus-measurements.json, models/data/corpus.csv (with `advisor dataset`), and the work folder
# (default ${TMPDIR:-/tmp}/inline-advisor-corpus-<seed>) with the generated source, the build, the store and logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
seed=${SEED:-1}
per_family=${PER_FAMILY:-20}
rounds=${ROUNDS:-30}
target_ms=${TARGET_MS:-3}
dir=${CORPUS_DIR:-${TMPDIR:-/tmp}/inline-advisor-corpus-$seed}
advisor="$repo/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor"
start=$(date +%s)

echo "== generator (seed $seed, $per_family per family) → $dir"
dotnet build samples/Corpus/Generator -c Release -nologo -v quiet
rm -rf "$dir/src"
dotnet samples/Corpus/Generator/bin/Release/net10.0/Generator.dll --out "$dir/src" --seed "$seed" --per-family "$per_family"
echo "== building the corpus program"
dotnet build "$dir/src/Corpus.csproj" -c Release -nologo -v quiet -o "$dir/bin"
if [ ! -x "$advisor" ]; then
  echo "== building the advisor"
  dotnet build server/InlineAdvisor.Cli/InlineAdvisor.Cli.csproj -c Release -nologo -v quiet
fi

echo "== measuring under the collector ($rounds rounds)"
rm -f "$dir/corpus.db" "$dir/measurements.json"
cmd="advisor collect --store corpus.db -- dotnet bin/Corpus.dll --out measurements.json --rounds $rounds --target-ms $target_ms"
"$advisor" collect --store "$dir/corpus.db" --output "$dir/corpus.nettrace" -- \
  dotnet "$dir/bin/Corpus.dll" --out "$dir/measurements.json" --rounds "$rounds" --target-ms "$target_ms" \
  --command "samples/Corpus/measure.sh (SEED=$seed PER_FAMILY=$per_family ROUNDS=$rounds TARGET_MS=$target_ms): $cmd" \
  2>&1 | tee "$dir/collect.log"
[ -s "$dir/measurements.json" ] || { echo "measure.sh: the corpus program wrote no measurements.json" >&2; exit 1; }

mkdir -p models/data
cp "$dir/measurements.json" models/data/corpus-measurements.json
cp "$dir/corpus.db" models/data/corpus.db   # the profile of the same process: `advisor dataset` rebuilds corpus.csv from it
if "$advisor" --help 2>/dev/null | grep -qw dataset; then
  echo "== advisor dataset"
  "$advisor" dataset --store "$dir/corpus.db" --measurements "$dir/measurements.json" --app "$dir/bin" --out models/data/corpus.csv
else
  echo "== this advisor has no 'dataset' verb yet: models/data/corpus.csv not written"
fi
python3 samples/Corpus/summarize.py models/data/corpus-measurements.json | tee "$dir/summary.txt" models/data/corpus-summary.txt | tail -8
echo "== done in $(( $(date +%s) - start )) s; work folder $dir"
