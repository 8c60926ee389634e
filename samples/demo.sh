#!/usr/bin/env bash
# The main job on a bundled sample: build, collect a profile of the `mixer` case into the embedded store
# (.inline-advisor/ under the repo), print the report, then the advice per site (measured where an experiment
# exists, else the shipped model's labelled prediction). Nothing to install beyond the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build InlineAdvisor.sln -c Release -nologo -v quiet
advisor="dotnet server/InlineAdvisor.Cli/bin/Release/net10.0/advisor.dll"
$advisor collect -- dotnet samples/InlineSamples/bin/Release/net10.0/InlineSamples.dll "${1:-mixer}"
$advisor report --top 15
$advisor advise --app samples/InlineSamples/bin/Release/net10.0 --top 8
