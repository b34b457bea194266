#!/usr/bin/env bash
# Reads the API token and the Claude key from the cloud's secret manager into root-only files on tmpfs for systemd's LoadCredential.
#
# Settings (from /etc/hybrid-ai/secrets.env, written by cloud-init; names only, never values):
#   HYBRID_AI_SECRETS_PROVIDER  aws | gcp | file   (file: the names are paths; for tests and hand-made VMs)
#   HYBRID_AI_TOKEN_SECRET      name of the secret holding the API token (plain text, at least 16 characters)
#   ANTHROPIC_KEY_SECRET        name of the secret holding the Claude key; empty = no Claude (local models only)
#   AWS_REGION                  for aws
#   GCP_PROJECT                 for gcp
#   HYBRID_AI_SECRETS_DIR       where to write (default /run/hybrid-ai/secrets)
set -euo pipefail

out=${HYBRID_AI_SECRETS_DIR:-/run/hybrid-ai/secrets}
provider=${HYBRID_AI_SECRETS_PROVIDER:-}
token_secret=${HYBRID_AI_TOKEN_SECRET:-}
claude_secret=${ANTHROPIC_KEY_SECRET:-}

die() {
  echo "fetch-secrets: $*" >&2
  exit 1
}

case "$provider" in
  aws | gcp | file) ;;
  *) die "HYBRID_AI_SECRETS_PROVIDER is '${provider}'; valid: aws, gcp, file" ;;
esac
[ -n "$token_secret" ] || die "HYBRID_AI_TOKEN_SECRET is empty: name the secret that holds the API token"

gcp_access_token() {
  curl -fsS --retry 3 -H 'Metadata-Flavor: Google' \
    'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token' | jq -r .access_token
}

# Prints the value of secret $1.
fetch() {
  case "$provider" in
    aws)
      local aws_bin
      aws_bin=$(command -v aws || echo /snap/bin/aws)
      [ -n "${AWS_REGION:-}" ] || die "AWS_REGION is empty"
      "$aws_bin" secretsmanager get-secret-value --region "$AWS_REGION" --secret-id "$1" --query SecretString --output text
      ;;
    gcp)
      [ -n "${GCP_PROJECT:-}" ] || die "GCP_PROJECT is empty"
      local bearer
      bearer=$(gcp_access_token)
      curl -fsS --retry 3 -H "Authorization: Bearer ${bearer}" \
        "https://secretmanager.googleapis.com/v1/projects/${GCP_PROJECT}/secrets/$1/versions/latest:access" |
        jq -r .payload.data | base64 -d
      ;;
    file)
      cat -- "$1"
      ;;
  esac
}

# Writes secret $1 to $out/$2 atomically, readable by root only (systemd reads it before dropping privileges).
store() {
  local tmp
  tmp=$(mktemp "${out}/.${2}.XXXXXX")
  if ! fetch "$1" >"$tmp"; then
    rm -f -- "$tmp"
    die "could not read secret '$1' from ${provider}"
  fi
  mv -f -- "$tmp" "${out}/${2}"
}

umask 077
mkdir -p -- "$out"
chmod 700 -- "$out"
store "$token_secret" api-token
token_length=$(tr -d '[:space:]' <"${out}/api-token" | wc -c)
[ "$token_length" -ge 16 ] || die "the API token in '${token_secret}' has ${token_length} characters; use at least 16"
if [ -n "$claude_secret" ]; then
  store "$claude_secret" anthropic-api-key
else
  # An empty credential means "no Claude key": the gateway then answers with local models only.
  : >"${out}/anthropic-api-key"
fi
echo "fetch-secrets: API token$([ -n "$claude_secret" ] && echo ' and Claude key') from ${provider} written to ${out}"
