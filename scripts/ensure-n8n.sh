#!/usr/bin/env bash
# Installs n8n (the workflow tool that integrations/n8n targets) from the npm registry into the CI cache, outside the
# repository, and prints the path of its `n8n` binary. Idempotent: a finished install is reused at once.
#
# Why this shape: n8n's newest releases do not resolve on this registry (2.41 needs @n8n/agents@0.26.2, which is
# missing), and a plain install of 2.35.7 spends ~14 min compiling @confluentinc/kafka-javascript (only its Kafka node
# needs it) and then fails. So the install skips every package's install script and builds only the one native
# addon that importing and executing workflows needs: sqlite3, n8n's database driver, compiled from its bundled sources
# against this Node's headers (its prebuilt binary would come from GitHub, which is not reachable).
set -euo pipefail
version=${N8N_VERSION:-2.35.7}
cache=${HYBRID_AI_CI_CACHE:-/var/cache/hybrid-ai-ci}
prefix="$cache/n8n-$version"
bin="$prefix/node_modules/n8n/bin/n8n"
if [ -f "$prefix/.complete" ] && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
start=$SECONDS
staging=$(mktemp -d "$cache/n8n-$version.partial.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cd "$staging"
echo '{"name":"n8n-install","private":true}' >package.json
npm install --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error "n8n@$version" >&2
# The prebuilt-binary download (prebuild-install) cannot reach GitHub; node-gyp builds the bundled SQLite instead.
npm rebuild sqlite3 --build-from-source --loglevel=error >&2
node -e 'const s=require("sqlite3");new s.Database(":memory:").close()'
touch .complete
chmod 755 "$staging"
rm -rf "$prefix"
mv "$staging" "$prefix"
trap - EXIT
echo "n8n $version installed in $((SECONDS - start)) s" >&2
echo "$bin"
