#!/usr/bin/env bash
# One run, two ways to find the winners among the planner's top K changes of a sample: one screen
# (`experiment --screen --top K --no-confirm`) against K separate ordinary experiments (`experiment --top K`), on the
# same profile, same budget (--max-pairs), deciding on CPU time. Prints each way's wall time and its verdicts.
#   samples/screening.sh [--top K] [--max-pairs N] [--budget T] [case] [scale]   (default: --top 4 --max-pairs 60 pipeline 0.3)
#   samples/screening.sh [--top K] ... --realworld LIB                          (a real-library driver, e.g. lz4)
set -euo pipefail
cd "$(dirname "$0")/.."
top=4; pairs=60; budget=30m; lib=""
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --top) top=$2; shift 2 ;; --max-pairs) pairs=$2; shift 2 ;; --budget) budget=$2; shift 2 ;; --realworld) lib=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case=${1:-pipeline}; scale=${2:-0.3}
dotnet build InlineAdvisor.sln -c Release -nologo -v quiet >/dev/null
advisor="dotnet $PWD/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor.dll"
if [ -n "$lib" ]; then
  source samples/RealWorld/libraries.sh
  rw_build
  app="$(rw_app "$lib")"; workload=(-- dotnet "$app/RealWorld.dll" "$(rw_arg "$lib")"); case="$lib"; scale="default"
else
  app="$PWD/samples/InlineSamples/bin/Release/net10.0"
  workload=(-- dotnet "$app/InlineSamples.dll" "$case" --scale "$scale")
fi
work=$(mktemp -d /tmp/screening-XXXX)
cd "$work"
$advisor collect --store s.db "${workload[@]}" >/dev/null
start=$(date +%s)
$advisor experiment --store s.db --app "$app" --screen --top "$top" --no-confirm --decide-on-cpu --max-pairs "$pairs" --budget "$budget" --seed 1 "${workload[@]}" | tee screen.txt
screen_s=$(( $(date +%s) - start ))
start=$(date +%s)
$advisor experiment --store s.db --app "$app" --top "$top" --decide-on-cpu --max-pairs "$pairs" --budget "$budget" "${workload[@]}" | tee separate.txt
separate_s=$(( $(date +%s) - start ))
echo
echo "== $case (scale $scale), top $top, --max-pairs $pairs, --budget $budget, CPU time decides; store and logs in $work"
echo "screen:   ${screen_s} s"
grep -E "^  [0-9]+ " screen.txt | sed 's/  */ /g'
echo "separate: ${separate_s} s"
grep -E "^(remove|force|block) inlining|^experiment [0-9]+:" separate.txt
echo "time ratio screen / separate: $(python3 -c "print(f'{$screen_s / $separate_s:.2f}')")"
