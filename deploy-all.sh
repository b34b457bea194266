#!/usr/bin/env bash
# Deploys the headless server: docker (Compose on this machine), aws or gcp (Terraform) for tier 1-4; cost warning, confirmation, health check.
#
#   ./deploy-all.sh docker|aws|gcp|secrets [tier] [--yes]
#
# docker: builds the image and starts server-images/docker-compose.yml (gateway, Ollama CPU or GPU, Prometheus,
#         Alertmanager, Grafana) on this machine; the API stays on 127.0.0.1 (put the "tls" profile or your own
#         proxy in front). Tier: the argument, else 2.
# aws/gcp: builds the server bundle, then `terraform plan` + `apply` in terraform/<cloud> (fill terraform.tfvars first:
#         see that folder's README). Secrets are read by the VM from the cloud's secret manager, never passed here.
#         Tier: the argument, else terraform.tfvars, else the deployed state's, else 2 (a new deployment). A plan
#         that would replace or destroy the VM or its data disk stops and asks, even with --yes.
# secrets: only creates the Compose secret files (what `docker` does first) in server-images/secrets
#         (or HYBRID_AI_SECRETS_DIR), readable by the services' own users.
# HYBRID_AI_BUNDLE=path.tgz (aws/gcp): deploy that already-built bundle instead of building one.
# --yes (or HYBRID_AI_ASSUME_YES=1): skip the cost confirmation for unattended runs. Replacing the VM additionally
#         needs HYBRID_AI_ALLOW_REPLACE=1.
# The API token is never printed (CI and terminal logs keep what is printed): it stays in its file.
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
compose_file="$repo/server-images/docker-compose.yml"
secrets_dir=${HYBRID_AI_SECRETS_DIR:-"$repo/server-images/secrets"}

usage() {
  echo "usage: $0 docker|aws|gcp|secrets [tier 1-4] [--yes]" >&2
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

case "$target" in
  docker | aws | gcp | secrets) ;;
  "") usage ;;
  *) die "unknown target '$target'; valid: docker, aws, gcp, secrets" ;;
esac
check_tier() {
  case "$1" in
    1 | 2 | 3 | 4) ;;
    *) die "invalid tier '$1'$2; valid: 1 (2 GB), 2 (4 GB), 3 (8 GB), 4 (16 GB + GPU)" ;;
  esac
}
[ -z "$tier" ] || check_tier "$tier" ""

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

# The Compose secret files. Compose bind-mounts a file secret with its host owner and mode, and each service reads
# it as its own user (gateway 10001, Prometheus 65534, Grafana 472, PostgreSQL 70), none of them the deploying
# user: so the files are world-readable (0444) inside a folder only the deploying user may enter (0700). On the host
# nobody else can reach them; in a container only that one service runs.
write_secrets() {
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
    # Alertmanager posts alerts to this URL (a Slack/Teams/ntfy incoming webhook: it embeds a credential). Empty =
    # alerts are kept in Alertmanager's UI (127.0.0.1:9093) only.
    if [ ! -e "$secrets_dir/alert_webhook_url" ]; then
      printf '%s' "${HYBRID_AI_ALERT_WEBHOOK_URL:-}" >"$secrets_dir/alert_webhook_url"
    fi
  )
  # Also repairs files an older deploy-all.sh wrote as 0600 (the gateway then could not read its token).
  chmod 0444 "$secrets_dir/hybrid_ai_token" "$secrets_dir/grafana_admin_password" "$secrets_dir/postgres_password" \
    "$secrets_dir/anthropic_api_key" "$secrets_dir/alert_webhook_url"
}

# Memory limits per tier (Compose mem_limit), so that Ollama loading a model cannot take the gateway down: Ollama
# gets what the tier's largest model needs (Q4 GGUF + context), the gateway enough for the ledger and streams, and
# the sum stays below the tier's RAM with room for the kernel and dockerd (tested against tiers.tf's RAM).
export_memory_limits() {
  case "$1" in
    1) set -- 832m 384m ;;   # TinyLlama 1.1B Q4 (~0.7 GB) on 2 GB
    2) set -- 2304m 512m ;;  # + Phi-2 2.7B Q4 (~1.7 GB) on 4 GB
    3) set -- 5632m 768m ;;  # + Mistral 7B Q4 (~4.4 GB) on 8 GB
    4) set -- 12g 1g ;;      # GPU tier, 16 GB: models live in VRAM, RAM for the runner
  esac
  export HYBRID_AI_OLLAMA_MEM_LIMIT=$1 HYBRID_AI_GATEWAY_MEM_LIMIT=$2
}

deploy_docker() {
  command -v docker >/dev/null || die "docker is not installed"
  docker compose version >/dev/null 2>&1 || die "the Docker Compose plugin is missing (docker compose version failed)"
  write_secrets
  local profile=cpu
  [ "$tier" = 4 ] && profile=gpu
  export_memory_limits "$tier"
  # The image is tagged with package.json's version (docker-compose.yml) and labelled with the commit it was built from.
  HYBRID_AI_COMMIT=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
  export HYBRID_AI_COMMIT
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
  # Never the token itself: this output ends up in terminal scrollback and CI logs.
  say "API token: in $secrets_dir/hybrid_ai_token; Grafana: http://127.0.0.1:3000 (admin / $secrets_dir/grafana_admin_password)"
  say "open http://127.0.0.1:${port}/ and paste the token, or run: xdg-open \"http://127.0.0.1:${port}/#token=\$(cat $secrets_dir/hybrid_ai_token)\""
}

deploy_cloud() {
  local tf
  tf=$(command -v terraform || command -v tofu || true)
  [ -n "$tf" ] || die "terraform (or tofu) is not installed"
  command -v npm >/dev/null || die "npm is needed to build the server bundle"
  local dir="$repo/terraform/$target"
  [ -f "$dir/terraform.tfvars" ] || say "no $dir/terraform.tfvars: Terraform will ask for the required variables (see $dir/README.md)"
  local bundle=${HYBRID_AI_BUNDLE:-}
  if [ -z "$bundle" ]; then
    say "building the server bundle"
    (cd "$repo" && npm run build:server)
    bundle="$repo/dist/hybrid-ai-server.tgz"
    tar -czf "$bundle" -C "$repo/dist" server
  else
    # A bundle built elsewhere (CI's artifact): deployed as it is.
    [ -f "$bundle" ] || die "HYBRID_AI_BUNDLE is '$bundle', which is not a file"
  fi
  "$tf" -chdir="$dir" init -input=false
  # Plan to a file, look at what it would do to the VM and its data disk, then apply exactly that plan.
  local plan="$dir/hybrid-ai.tfplan"
  "$tf" -chdir="$dir" plan -input=false -out="$plan" -var "tier=${tier}" -var "bundle_path=$bundle"
  local replaced
  replaced=$("$tf" -chdir="$dir" show -json "$plan" | node "$repo/scripts/plan-replacements.mjs") ||
    die "could not read the plan (terraform show -json)"
  if [ -n "$replaced" ]; then
    say "this plan REPLACES or DESTROYS: ${replaced}"
    say "the VM's boot disk is lost (the ledger lives on the separate data disk, which prevent_destroy protects)"
    if [ "${HYBRID_AI_ALLOW_REPLACE:-0}" != 1 ]; then
      [ -t 0 ] || die "stopped: the plan replaces ${replaced}; re-run with HYBRID_AI_ALLOW_REPLACE=1 if that is intended"
      local answer
      read -r -p "Type replace to apply it anyway: " answer
      [ "$answer" = replace ] || die "cancelled: nothing was changed"
    fi
  fi
  "$tf" -chdir="$dir" apply -input=false "$plan"
  rm -f "$plan"
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

# The tier of a cloud deployment when none is given: terraform.tfvars, else what the state says is deployed (its
# `tier` output), else 2. Never a fixed default: `-var tier=2` on a tier-3 VM would replace it.
cloud_tier() {
  local dir="$repo/terraform/$target" t=""
  if [ -f "$dir/terraform.tfvars" ]; then
    t=$(sed -n 's/^[[:space:]]*tier[[:space:]]*=[[:space:]]*"\{0,1\}\([0-9]*\)"\{0,1\}[[:space:]]*\(#.*\)\{0,1\}$/\1/p' "$dir/terraform.tfvars" | tail -1)
    [ -z "$t" ] || {
      check_tier "$t" " in $dir/terraform.tfvars"
      echo "$t"
      return
    }
  fi
  local tf
  tf=$(command -v terraform || command -v tofu || true)
  if [ -n "$tf" ]; then
    t=$("$tf" -chdir="$dir" output -json tier 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const t=JSON.parse(s).tier;if(t)console.log(t)}catch{}})' || true)
    [ -z "$t" ] || {
      check_tier "$t" " in the Terraform state"
      echo "$t"
      return
    }
  fi
  echo 2
}

case "$target" in
  secrets)
    write_secrets
    say "secret files in ${secrets_dir}"
    exit 0
    ;;
  docker) tier=${tier:-2} ;;
  aws | gcp) tier=${tier:-$(cloud_tier)} ;;
esac
confirm
case "$target" in
  docker) deploy_docker ;;
  aws | gcp) deploy_cloud ;;
esac
