#!/usr/bin/env bash
# Offline check of the desktop packaging: electron-builder itself packs `--linux dir` with electron-builder.yml, then
# scripts/verify-package.ts checks asar contents, unpacked native modules, resources, fuses, the app's names, the size
# budget (AppImage ≤ 500 MB), that only this arch's llama.cpp binaries ship and that the llama.cpp source bundle does not.
# Exits non-zero on any of those.
#
# No Electron binary can be downloaded here, so electronDist points at a dummy `electron` executable that carries
# Electron's fuse wire (sentinel + version + fuse bytes), which lets electron-builder flip the fuses for real.
# Takes about a minute and ~800 MB of temporary disk (node-llama-cpp's prebuilt binaries), so it is not part of
# `npm test`; run it after changing electron-builder.yml, electron/paths.ts or the build scripts.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
arch="$(node -p process.arch)"
ollama_dir="vendor/ollama/linux-${arch}"
stub_ollama=""
cleanup() {
  rm -rf "$work"
  if [ -n "$stub_ollama" ]; then rm -rf "$ollama_dir"; rmdir -p "$(dirname "$ollama_dir")" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "== building what the app packs"
[ -f dist/renderer/index.html ] || npm run build:ui
npm run build:server
npm run build:electron

# electron-builder collects the app's dependencies by walking node_modules; through a symlinked node_modules (a
# worktree sharing another checkout's) it finds almost none and packs a broken app that looks small. Pack a copy
# whose node_modules is a real folder of hard links instead (same filesystem: instant, no extra disk).
if [ -L node_modules ]; then
  echo "== node_modules is a symlink: packing a staged copy with a hard-linked node_modules"
  stage="$work/stage"
  mkdir -p "$stage"
  git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$stage"
  cp -a dist "$stage/"
  [ -d vendor ] && cp -al vendor "$stage/"
  if ! cp -al "$(readlink -f node_modules)" "$stage/node_modules" 2>/dev/null; then
    echo "check-packaging: cannot hard-link $(readlink -f node_modules) (another filesystem?); run this from a checkout with its own node_modules." >&2
    exit 1
  fi
  cd "$stage"
fi

echo "== dummy Electron with a fuse wire (Electron's defaults: runAsNode on, cookie encryption off, ...)"
mkdir -p "$work/electron-dist"
{
  printf '#!/bin/sh\necho "dummy electron for scripts/check-packaging.sh"\nexit 0\n# '
  # Sentinel, wire version 1, 8 fuses: '1' on, '0' off (RunAsNode, CookieEncryption, NodeOptions, Inspect,
  # AsarIntegrity, OnlyLoadAppFromAsar, V8Snapshot, GrantFileProtocol).
  printf 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX\001\01010110001\n'
} > "$work/electron-dist/electron"
chmod +x "$work/electron-dist/electron"

if [ ! -e "$ollama_dir/ollama" ]; then
  echo "== no bundled Ollama in $ollama_dir: using a stub for the layout check (the real one is fetched before packaging)"
  mkdir -p "$ollama_dir"
  printf '#!/bin/sh\necho "stub ollama (scripts/check-packaging.sh)"\n' > "$ollama_dir/ollama"
  chmod +x "$ollama_dir/ollama"
  stub_ollama=1
fi

echo "== electron-builder --linux dir"
# npmRebuild off: rebuilding better-sqlite3 for Electron downloads Electron's headers (offline here).
npx electron-builder --linux dir --publish never \
  -c.electronDist="$work/electron-dist" \
  -c.npmRebuild=false \
  -c.directories.output="$work/out"

echo "== verifying the layout"
npx tsx scripts/verify-package.ts "$work/out/linux-unpacked"
