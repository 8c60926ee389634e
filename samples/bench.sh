#!/usr/bin/env bash
# Benchmarks, each against a baseline measured in the same run: analysis speed and memory on a >= 500k-event
# trace (vs dotnet-trace report and a bare TraceEvent loop), and collection overhead (vs dotnet-trace, vs none).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build InlineAdvisor.sln -c Release -nologo -v quiet
tools=${INLINE_ADVISOR_TOOLS:-$HOME/.cache/inline-advisor/tools}
[ -x "$tools/dotnet-trace" ] || dotnet tool install --tool-path "$tools" dotnet-trace >/dev/null
export DOTNET_TRACE="$tools/dotnet-trace"
export ADVISOR="$PWD/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor.dll"
samples="$PWD/samples/InlineSamples/bin/Release/net10.0/InlineSamples.dll"
bench="dotnet server/InlineAdvisor.Bench/bin/Release/net10.0/bench.dll"
out=.inline-advisor/bench
mkdir -p "$out"
echo "== collecting the 'threads' sample (~60 threads, ~20 s) for a large trace"
dotnet "$ADVISOR" collect --store "$out/bench.db" --output "$out/threads.nettrace" -- dotnet "$samples" threads > "$out/collect.log"
echo "== analysis"
$bench analysis "$out/threads.nettrace" --repeat "${REPEAT:-5}"
echo "== sequential design vs fixed n (synthetic noise matched to this machine)"
$bench sequential
echo "== screening K changes in one design vs K separate experiments (the same synthetic noise)"
$bench screening
echo "== collection overhead"
$bench overhead "$samples" mixer --repeat "${REPEAT:-5}"
echo "== a service under load: collection overhead and disk per hour (samples/LoadTest)"
$bench loadtest "$PWD/samples/LoadTest/bin/Release/net10.0/LoadTest.dll" --repeat "${REPEAT:-5}"
echo "== language server: code-lens latency (1M-edge store, 3,000-line file)"
$bench lsp
echo "== HTML report: 10k sites vs 100, time to draw in headless Chromium (Debian's /usr/bin/chromium)"
$bench html --out "$out/html"
