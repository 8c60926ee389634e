#!/usr/bin/env bash
# End to end in a real VS Code: code-server (VS Code 1.139) driven by headless Chromium through
# playwright-core. Packages the extension, collects a real profile of the mixer sample with the real
# `advisor`, installs the .vsix into an isolated code-server, opens the hot file and checks what a user
# sees: the evidence lens, the heat tint, the status bar, the hover behind the lens, the errors when the server
# is missing or dies, the restarts, and the commands (collect, experiment, export, report).
# Heavy installs live in ${INLINE_ADVISOR_CACHE:-$HOME/.cache/inline-advisor} (test/setup-e2e.sh).
# Screenshots: artifacts/e2e/ at the repo root. Exit 0 only when every check passed.
# E2E_EXPERIMENT=1 adds a real experiment started from the editor (a few minutes more).
set -euo pipefail
ext=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$ext")
started=$(date +%s)
say() { echo "e2e: $*"; }

setup=$(bash "$ext/test/setup-e2e.sh") || { say "FAIL: installing what the test needs (test/setup-e2e.sh) failed"; echo "e2e: 0 passed, 1 failed"; exit 1; }
eval "$setup"   # NODE24, CODE_SERVER, CHROMIUM
export PATH="$(dirname "$NODE24"):$PATH"   # code-server needs node 24

# The extension: dependencies from the lockfile (only when it changed), then the .vsix.
cd "$ext"
stamp=node_modules/.inline-advisor-lock.sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(sha256sum package-lock.json | cut -d' ' -f1)" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi
npm run --silent package >/dev/null
vsix=$ext/inline-advisor.vsix
say "packaged $(basename "$vsix") ($(du -k "$vsix" | cut -f1) KB)"

# The real advisor and the sample, built by `dotnet build InlineAdvisor.sln -c Release` (built here if missing).
advisor=$repo/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor
sample_dll=$repo/samples/InlineSamples/bin/Release/net10.0/InlineSamples.dll
if [ ! -x "$advisor" ]; then
  say "building the advisor"; dotnet build "$repo/server/InlineAdvisor.Cli/InlineAdvisor.Cli.csproj" -c Release -nologo -v quiet >/dev/null
fi
if [ ! -f "$sample_dll" ]; then
  say "building the samples"; dotnet build "$repo/samples/InlineSamples/InlineSamples.csproj" -c Release -nologo -v quiet >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/inline-advisor-e2e.XXXXXX")
cs_pid=""
cleanup() {
  status=$?
  if [ -n "$cs_pid" ]; then
    # code-server, its extension host, the advisor and a file watcher share the process group.
    kill -TERM -- "-$cs_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$cs_pid" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$cs_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "---- code-server log (tail) ----"; tail -n 40 "$tmp/code-server.log" 2>/dev/null || true
    log=$(find "$tmp/user-data" -name '*InlineAdvisor*.log' 2>/dev/null | head -n 1)
    if [ -n "$log" ]; then echo "---- InlineAdvisor output channel (tail) ----"; tail -n 40 "$log"; fi
    echo "---- kept for inspection: $tmp ----"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# A workspace holding a copy of the sample's sources (the server finds them by file name and identity)
# and a store with a real profile of the mixer case.
ws=$tmp/workspace
mkdir -p "$ws/InlineSamples"
cp "$repo"/samples/InlineSamples/*.cs "$repo"/samples/InlineSamples/*.csproj "$ws/InlineSamples/"
store=$ws/.inline-advisor/advisor.db
say "collecting a profile of the mixer sample"
(cd "$ws" && "$advisor" collect --store "$store" -- dotnet "$sample_dll" mixer --scale 0.3) > "$tmp/collect.log" 2>&1 ||
  { cat "$tmp/collect.log"; say "FAIL: advisor collect"; exit 1; }

# An isolated code-server: its own config, user data, extensions and XDG folders, a free loopback port.
export XDG_CONFIG_HOME=$tmp/xdg/config XDG_DATA_HOME=$tmp/xdg/data XDG_CACHE_HOME=$tmp/xdg/cache
mkdir -p "$tmp/user-data/User" "$tmp/extensions" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
port=$("$NODE24" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" > "$tmp/config.yaml"
# The advisor's settings go into the Machine (remote) settings too: code-server's extension host is a
# remote one, and VS Code does not apply machine-scoped settings from the browser-side user settings there.
mkdir -p "$tmp/user-data/Machine"
"$NODE24" -e '
  const [dir, advisor, store, workload] = process.argv.slice(1);
  const fs = require("fs");
  const advisorSettings = {
    "inlineAdvisor.server.path": advisor,
    "inlineAdvisor.store.path": store,
    "inlineAdvisor.trace.server": "messages",
    "inlineAdvisor.workload.command": workload,
  };
  fs.writeFileSync(dir + "/User/settings.json", JSON.stringify({
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": "off",
    "extensions.ignoreRecommendations": true,
    "chat.disableAIFeatures": true,
    "git.enabled": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    ...advisorSettings,
  }, null, 2));
  fs.writeFileSync(dir + "/Machine/settings.json", JSON.stringify(advisorSettings, null, 2));
' "$tmp/user-data" "$advisor" "$store" "dotnet $sample_dll mixer --scale 0.3"
cs_args=(--config "$tmp/config.yaml" --user-data-dir "$tmp/user-data" --extensions-dir "$tmp/extensions"
  --disable-telemetry --disable-update-check --disable-workspace-trust)
"$CODE_SERVER" "${cs_args[@]}" --install-extension "$vsix" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; say "FAIL: installing the .vsix"; exit 1; }
setsid "$CODE_SERVER" "${cs_args[@]}" "$ws" > "$tmp/code-server.log" 2>&1 &
cs_pid=$!
for _ in $(seq 1 100); do
  grep -q 'HTTP server listening' "$tmp/code-server.log" 2>/dev/null && break
  kill -0 "$cs_pid" 2>/dev/null || { say "FAIL: code-server exited"; exit 1; }
  sleep 0.3
done
grep -q 'HTTP server listening' "$tmp/code-server.log" || { say "FAIL: code-server did not start listening in 30 s"; exit 1; }
say "code-server on 127.0.0.1:$port"

rm -rf "$repo/artifacts/e2e"   # screenshots of this run only
mkdir -p "$repo/artifacts/e2e"
E2E_URL="http://127.0.0.1:$port/?folder=$ws" E2E_SETTINGS_DIR=$tmp/user-data E2E_WORKSPACE=$ws E2E_STORE=$store E2E_APP_DIR=$(dirname "$sample_dll") E2E_CHROMIUM=$CHROMIUM E2E_ARTIFACTS=$repo/artifacts/e2e \
  E2E_PROFILE=$tmp/chromium "$NODE24" "$ext/test/e2e.mjs"
say "done in $(( $(date +%s) - started )) s"
