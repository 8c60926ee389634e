#!/usr/bin/env bash
# Every test suite of the repo, in order, each run even when an earlier one failed; a closing line per suite and
# a total ("N passed, N failed") that .ci/run reads. Exit non-zero when any suite failed.
#   1. the .NET tests (builds the solution, the samples and the `advisor` binary the others use)
#   2. the language server driven by the real vscode-jsonrpc client (tests/lsp-client/), and the HTML report in headless
#      Chromium (tests/html/, playwright-core driving Debian's /usr/bin/chromium)
#   3. the extension's unit tests, and 4. the extension end to end in a real VS Code (code-server + headless Chromium)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
log=$(mktemp); failures=$(mktemp)
trap 'rm -f "$log" "$failures"' EXIT
total_pass=0; total_fail=0; status=0
summary=()

# suite <name> <pass-regex> <fail-regex> <command…>: runs it, sums the counts its own summary lines give
# (Perl regexes whose match is the number: \\K drops what comes before it).
suite() {
  local name=$1 pass_re=$2 fail_re=$3; shift 3
  echo "==== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Po "$pass_re" "$log" | awk '{s+=$1} END {print s+0}')
  f=$(grep -Po "$fail_re" "$log" | awk '{s+=$1} END {print s+0}')
  # A suite that failed without reporting a failed test (a build error, a crash) still counts as one failure.
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  [ "$rc" -ne 0 ] && status=1
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  summary+=("$name: $p passed, $f failed (exit $rc)")
  # The names of the failed tests, so that a log's tail (all CI may keep) still says which they were.
  while IFS= read -r line; do summary+=("  $line"); done < <(grep -E '^\s*(Failed [A-Za-z_.]+|not ok [0-9]+)' "$log" | sed 's/^ *//' | head -20)
  # ...and the first lines of why, printed again just before the summary.
  grep -A 12 -E '^\s*(Failed [A-Za-z_.]+|not ok [0-9]+)' "$log" | head -120 >> "$failures"
}

suite "dotnet" 'Passed: +\K[0-9]+' 'Failed: +\K[0-9]+' \
  dotnet test InlineAdvisor.sln -c Release --logger "console;verbosity=normal"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
suite "lsp-client" '^# pass \K[0-9]+' '^# fail \K[0-9]+' node --test --test-reporter=tap tests/lsp-client/
# The browser test draws synthetic pages written by `bench html --pages-only`; `dotnet test` does not build the bench.
dotnet build server/InlineAdvisor.Bench -c Release -nologo -v:quiet >/dev/null
suite "html" '^# pass \K[0-9]+' '^# fail \K[0-9]+' node --test --test-reporter=tap tests/html/
[ -d vscode-extension/node_modules ] || npm --prefix vscode-extension ci --no-audit --no-fund --loglevel=error
# (node's test runner writes TAP, with "# pass N", when its output is not a terminal)
suite "extension-unit" '^# pass \K[0-9]+' '^# fail \K[0-9]+' npm --prefix vscode-extension run --silent test:unit
suite "extension-e2e" '^e2e: \K[0-9]+(?= passed)' '^e2e: [0-9]+ passed, \K[0-9]+(?= failed)' bash vscode-extension/test/e2e.sh

if [ -s "$failures" ]; then echo "==== failures (first lines)"; cat "$failures"; fi
echo "==== summary"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
exit "$status"
