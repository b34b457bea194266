#!/usr/bin/env bash
# Roll out an overlay: migration Job first (when the overlay has one) and wait for it, then everything else.
#
#   deploy/kubernetes/deploy.sh overlays/replicas-postgres        (needs kubectl with a context for the cluster)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
overlay="${1:?usage: deploy.sh overlays/NAME}"
case "$overlay" in /*) ;; *) overlay="$here/$overlay" ;; esac
ns=hybrid-ai
KUBECTL="${KUBECTL:-kubectl}"

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$KUBECTL" kustomize "$overlay" >"$rendered"

# The Secrets are created by hand (README, "Secrets"): stop before a rollout whose pods could never start.
grep -E '^\s+(secretName|name): hybrid-ai-(secrets|ledger)$' "$rendered" | awk '{print $2}' | sort -u |
  while read -r secret; do
    if ! "$KUBECTL" -n "$ns" get secret "$secret" >/dev/null 2>&1; then
      echo "deploy.sh: Secret $ns/$secret is missing; create it first (deploy/kubernetes/README.md, \"Secrets\")." >&2
      exit 1
    fi
  done

# 1. Everything but the gateway Deployment: namespace, config, volumes, Ollama, the migration Job.
#    A Job's pod template cannot change, so the previous run's Job is removed first.
"$KUBECTL" -n "$ns" delete job hybrid-ai-migrate --ignore-not-found
"$KUBECTL" apply -f "$rendered" --selector 'app.kubernetes.io/component!=gateway'
# 2. The migration (pg_dump, then one transaction) must succeed before new gateways start.
if grep -q '^  name: hybrid-ai-migrate$' "$rendered"; then
  if ! "$KUBECTL" -n "$ns" wait --for=condition=complete job/hybrid-ai-migrate --timeout=900s; then
    echo "deploy.sh: the migration failed; the running gateways keep the old schema. Logs:" >&2
    "$KUBECTL" -n "$ns" logs job/hybrid-ai-migrate --all-containers >&2 || true
    exit 1
  fi
fi
# 3. The gateways, then wait for the rollout (readiness: /ready).
"$KUBECTL" apply -f "$rendered"
"$KUBECTL" -n "$ns" rollout status deployment/hybrid-ai-gateway --timeout=600s
