#!/usr/bin/env bash
# Deploys the headless server: docker (Compose on this machine), aws or gcp (Terraform) for tier 1-4; cost warning, confirmation, health check.
#
#   ./deploy-all.sh docker|aws|gcp [tier] [--yes]
#
# docker: builds the image and starts server-images/docker-compose.yml (gateway, Ollama CPU or GPU, Prometheus,
#         Grafana) on this machine; the API stays on 127.0.0.1 (put the "tls" profile or your own proxy in front).
# aws/gcp: builds the server bundle, then `terraform apply` in terraform/<cloud> (fill terraform.tfvars first: see
#         that folder's README). Secrets are read by the VM from the cloud's secret manager, never passed here.
# --yes (or HYBRID_AI_ASSUME_YES=1): skip the confirmation (and Terraform's) for unattended runs.
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
compose_file="$repo/server-images/docker-compose.yml"
secrets_dir="$repo/server-images/secrets"

usage() {
  echo "usage: $0 docker|aws|gcp [tier 1-4, default 2] [--yes]" >&2
  exit 2
}
die() {
  echo "deploy-all: $*" >&2
  exit 1
}
say() { echo "deploy-all: $*"; }

target=""
tier=""
assume_yes=${HYBRID_AI_ASSUME_YES:-0}
for arg in "$@"; do
  case "$arg" in
    --yes | -y) assume_yes=1 ;;
    -h | --help) usage ;;
    *)
      if [ -z "$target" ]; then
        target=$arg
      elif [ -z "$tier" ]; then
        tier=$arg
      else
        usage
      fi
      ;;
  esac
done
tier=${tier:-2}

case "$target" in
  docker | aws | gcp) ;;
  "") usage ;;
  *) die "unknown target '$target'; valid: docker, aws, gcp" ;;
esac
case "$tier" in
  1 | 2 | 3 | 4) ;;
  *) die "invalid tier '$tier'; valid: 1 (2 GB), 2 (4 GB), 3 (8 GB), 4 (16 GB + GPU)" ;;
esac

# Estimated monthly cost in USD (on-demand list prices; the same numbers as terraform/*/tiers.tf and the READMEs).
monthly_usd() {
  case "$1:$2" in
    aws:1) echo "21.23 (t3.small)" ;;
    aws:2) echo "37.22 (t3.medium)" ;;
    aws:3) echo "81.23 (m7i.large)" ;;
    aws:4) echo "394.83 (g4dn.xlarge, NVIDIA T4)" ;;
    gcp:1) echo "18.00 (e2-small)" ;;
    gcp:2) echo "31.23 (e2-medium)" ;;
    gcp:3) echo "56.68 (e2-standard-2)" ;;
    gcp:4) echo "405.97 (n1-standard-4 + NVIDIA T4)" ;;
    docker:*) echo "0 for infrastructure (your own machine)" ;;
  esac
}

# The Ollama models of each tier: router-core/data/tiers.ts recommendedModels(tier) as Ollama tags (tested).
ollama_models() {
  case "$1" in
    1) echo "tinyllama:1.1b" ;;
    2) echo "qwen3:1.7b hf.co/ggml-org/SmolLM3-3B-GGUF:Q4_K_M" ;;
    *) echo "qwen3:1.7b qwen3:4b mistral:7b-instruct-v0.2-q4_K_M" ;;
  esac
}

confirm() {
  say "target ${target}, tier ${tier}: about \$$(monthly_usd "$target" "$tier") per month, plus Claude API usage up to the daily budget."
  [ "$target" = docker ] || say "the VM is billed until you run: terraform -chdir=terraform/${target} destroy"
  if [ "$assume_yes" = 1 ]; then
    return 0
  fi
  [ -t 0 ] || die "no terminal to confirm on: re-run with --yes to accept the cost"
  local answer
  read -r -p "Type yes to deploy: " answer
  [ "$answer" = yes ] || die "cancelled"
}

# Polls URL until it answers 2xx or TIMEOUT seconds pass; extra curl arguments follow.
wait_for() {
  local url=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until curl -fsS --max-time 5 "$@" "$url" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 5
  done
}

random_secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

deploy_docker() {
  command -v docker >/dev/null || die "docker is not installed"
  docker compose version >/dev/null 2>&1 || die "the Docker Compose plugin is missing (docker compose version failed)"
  mkdir -p "$secrets_dir"
  chmod 700 "$secrets_dir"
  (
    umask 077
    [ -s "$secrets_dir/hybrid_ai_token" ] || random_secret >"$secrets_dir/hybrid_ai_token"
    [ -s "$secrets_dir/grafana_admin_password" ] || random_secret >"$secrets_dir/grafana_admin_password"
    # The replicas profile's PostgreSQL password (unused by the default single gateway, but Compose wants the file).
    [ -s "$secrets_dir/postgres_password" ] || random_secret >"$secrets_dir/postgres_password"
    if [ ! -e "$secrets_dir/anthropic_api_key" ]; then
      # Empty = no Claude: the gateway answers with local models only.
      printf '%s' "${ANTHROPIC_API_KEY:-}" >"$secrets_dir/anthropic_api_key"
    fi
  )
  local profile=cpu
  [ "$tier" = 4 ] && profile=gpu
  say "starting the stack (profile ${profile})"
  HYBRID_AI_TIER=$tier HYBRID_AI_OLLAMA_MODELS=$(ollama_models "$tier") \
    docker compose -f "$compose_file" --profile "$profile" up -d --build
  local port=${HYBRID_AI_PORT:-8787}
  say "waiting for http://127.0.0.1:${port}/health"
  # 180 s: the first start creates the ledger and probes the engines; the image is already built by now.
  wait_for "http://127.0.0.1:${port}/health" 180 || die "the gateway did not answer /health: docker compose -f $compose_file logs gateway"
  if wait_for "http://127.0.0.1:${port}/ready" 10; then
    say "ready"
  else
    say "healthy, not ready yet: models are still downloading (docker compose -f $compose_file logs -f ollama-pull)"
  fi
  say "API token: $secrets_dir/hybrid_ai_token; Grafana: http://127.0.0.1:3000 (admin / $secrets_dir/grafana_admin_password)"
  say "open http://127.0.0.1:${port}/#token=$(cat "$secrets_dir/hybrid_ai_token")"
}

deploy_cloud() {
  local tf
  tf=$(command -v terraform || command -v tofu || true)
  [ -n "$tf" ] || die "terraform (or tofu) is not installed"
  command -v npm >/dev/null || die "npm is needed to build the server bundle"
  local dir="$repo/terraform/$target"
  [ -f "$dir/terraform.tfvars" ] || say "no $dir/terraform.tfvars: Terraform will ask for the required variables (see $dir/README.md)"
  say "building the server bundle"
  (cd "$repo" && npm run build:server)
  tar -czf "$repo/dist/hybrid-ai-server.tgz" -C "$repo/dist" server
  "$tf" -chdir="$dir" init -input=false
  local apply=("$tf" -chdir="$dir" apply -var "tier=${tier}" -var "bundle_path=$repo/dist/hybrid-ai-server.tgz")
  [ "$assume_yes" = 1 ] && apply+=(-auto-approve)
  "${apply[@]}"
  local url ip host
  url=$("$tf" -chdir="$dir" output -raw url)
  ip=$("$tf" -chdir="$dir" output -raw public_ip)
  host=${url#https://}
  say "$("$tf" -chdir="$dir" output -raw dns)"
  say "waiting for ${url}/health (cloud-init installs Node, the bundle, Ollama and Caddy; the certificate needs DNS)"
  # 20 min: package installs, npm ci with native modules and the first ACME certificate on a small VM.
  if wait_for "${url}/health" 1200 --resolve "${host}:443:${ip}"; then
    say "healthy: ${url}  (token: the secret you stored; log in with: $("$tf" -chdir="$dir" output -raw ssh_command))"
  else
    die "${url}/health did not answer within 20 minutes; check DNS, then: $("$tf" -chdir="$dir" output -raw ssh_command) 'sudo journalctl -u cloud-final -u hybrid-ai -u caddy'"
  fi
}

confirm
case "$target" in
  docker) deploy_docker ;;
  aws | gcp) deploy_cloud ;;
esac
