#!/usr/bin/env bash
# Installs the extracted server bundle on a plain Ubuntu 24.04 / Debian 12 VM: Node 24 LTS, runtime deps, Ollama + the tier's models, Caddy (TLS), systemd units.
#
# Run as root from the bundle: /opt/hybrid-ai/server/deploy/vm/install.sh. Idempotent: run it again after
# replacing the bundle to upgrade. Settings come from /etc/hybrid-ai/deploy.env (written by cloud-init):
#   HYBRID_AI_DOMAIN            the public name Caddy gets a certificate for (DNS must point at this VM)
#   HYBRID_AI_ACME_EMAIL        contact address for the ACME account (Let's Encrypt expiry notices); optional
#   HYBRID_AI_TIER              1-4 (the router's ladder)
#   HYBRID_AI_OLLAMA_MODELS     space-separated Ollama tags to pull, e.g. "tinyllama:1.1b phi:2.7b"
#   HYBRID_AI_DAILY_BUDGET_USD  cloud spend cap per day (empty = none)
set -euo pipefail

deploy_env=${HYBRID_AI_DEPLOY_ENV:-/etc/hybrid-ai/deploy.env}
bundle_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
log() { echo "hybrid-ai install: $*"; }
die() {
  echo "hybrid-ai install: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -f "$deploy_env" ] || die "missing $deploy_env"
# shellcheck source=/dev/null
. "$deploy_env"
: "${HYBRID_AI_DOMAIN:?set in $deploy_env}" "${HYBRID_AI_TIER:?set in $deploy_env}"
case "$HYBRID_AI_TIER" in 1 | 2 | 3 | 4) ;; *) die "HYBRID_AI_TIER is '$HYBRID_AI_TIER'; valid: 1, 2, 3, 4" ;; esac
[ -f "$bundle_dir/router-core/server/main.js" ] || die "$bundle_dir does not hold the server bundle (npm run build:server)"

export DEBIAN_FRONTEND=noninteractive
log "system packages"
apt-get update -qq
# python3/make/g++: better-sqlite3 compiles itself when no prebuilt binary fits; jq/curl: secret and bundle fetches.
apt-get install -y -qq ca-certificates curl gnupg jq python3 make g++ caddy >/dev/null

# Node 24.11+ (the bundle's engines field: Node 24 LTS, security fixes until April 2028); NodeSource's apt
# repository when the distribution's is older (Ubuntu 24.04 ships 18, Debian 12 ships 18).
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>24||(a===24&&b>=11)?0:1)'; }
if ! node_ok; then
  log "Node.js 24 LTS from NodeSource"
  curl -fsSL https://deb.nodesource.com/setup_24.x -o /tmp/nodesource_setup.sh
  bash /tmp/nodesource_setup.sh >/dev/null
  apt-get install -y -qq nodejs >/dev/null
  node_ok || die "Node.js >= 24.11 is still missing after installing nodejs"
fi

log "runtime dependencies (npm install --omit=dev)"
id hybrid-ai >/dev/null 2>&1 || useradd --system --home-dir /var/lib/hybrid-ai --shell /usr/sbin/nologin hybrid-ai
# node-llama-cpp ships prebuilt llama.cpp binaries as optional packages: never download or compile at install time.
(cd "$bundle_dir" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=dev --no-audit --no-fund)
chown -R root:root "$bundle_dir"
chmod -R go-w "$bundle_dir"

log "gateway settings"
install -d -m 0755 /etc/hybrid-ai
cat >/etc/hybrid-ai/hybrid-ai.env <<ENV
HYBRID_AI_TIER=${HYBRID_AI_TIER}
HYBRID_AI_ALLOWED_HOSTS=${HYBRID_AI_DOMAIN}
HYBRID_AI_DAILY_BUDGET_USD=${HYBRID_AI_DAILY_BUDGET_USD:-}
OLLAMA_HOST=127.0.0.1:11434
LOG_LEVEL=info
ENV
install -m 0644 "$bundle_dir/deploy/vm/hybrid-ai.service" "$bundle_dir/deploy/vm/hybrid-ai-secrets.service" \
  "$bundle_dir/deploy/vm/hybrid-ai-backup.service" "$bundle_dir/deploy/vm/hybrid-ai-backup.timer" /etc/systemd/system/
chmod 0755 "$bundle_dir/deploy/vm/fetch-secrets.sh"

if ! command -v ollama >/dev/null; then
  log "Ollama (its installer also sets up the NVIDIA driver on a GPU machine)"
  curl -fsSL https://ollama.com/install.sh -o /tmp/ollama-install.sh
  sh /tmp/ollama-install.sh
fi
systemctl enable --now ollama

log "Caddy for ${HYBRID_AI_DOMAIN}"
install -m 0644 "$bundle_dir/deploy/vm/Caddyfile" /etc/caddy/Caddyfile
install -d -m 0755 /etc/systemd/system/caddy.service.d
# The Caddyfile's global options get `email ADDRESS` only when an address is set (an empty one is a syntax error).
{
  echo "[Service]"
  echo "Environment=HYBRID_AI_DOMAIN=${HYBRID_AI_DOMAIN}"
  [ -z "${HYBRID_AI_ACME_EMAIL:-}" ] || echo "Environment=\"HYBRID_AI_CADDY_EMAIL_OPTION=email ${HYBRID_AI_ACME_EMAIL}\""
} >/etc/systemd/system/caddy.service.d/hybrid-ai.conf

systemctl daemon-reload
systemctl enable hybrid-ai-secrets.service hybrid-ai.service caddy.service
# Daily online backup of the ledger into /var/lib/hybrid-ai/backups (server-images/README.md, "Backups").
systemctl enable --now hybrid-ai-backup.timer
systemctl restart hybrid-ai-secrets.service
systemctl restart hybrid-ai.service caddy.service

# Models last: /health answers while they download; /ready turns 200 once the first one is there.
for model in ${HYBRID_AI_OLLAMA_MODELS:-}; do
  log "pulling ${model}"
  ollama pull "$model"
done
log "done: https://${HYBRID_AI_DOMAIN}/health"
