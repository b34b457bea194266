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
#
# Only curl and jq (cloud-init installs both): no cloud CLI. The AWS CLI comes as a snap on Ubuntu 24.04, and a snap
# needs a writable home, which hybrid-ai-secrets.service's sandbox (ProtectHome=yes) does not give.
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

# AWS: the instance role's temporary credentials from the metadata service (IMDSv2, which the instance requires),
# then Secrets Manager's GetSecretValue signed with SigV4 by curl itself. The keys go to curl on stdin (-K -), never
# on its command line (other processes can read that). HYBRID_AI_AWS_IMDS_URL / _SECRETS_URL: tests only.
aws_secret() {
  local imds=${HYBRID_AI_AWS_IMDS_URL:-http://169.254.169.254}
  local endpoint=${HYBRID_AI_AWS_SECRETS_URL:-https://secretsmanager.${AWS_REGION}.amazonaws.com}
  local token role creds
  token=$(curl -fsS --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token")
  role=$(curl -fsS --retry 3 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/iam/security-credentials/")
  creds=$(curl -fsS --retry 3 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/iam/security-credentials/$role")
  jq -r '"user = \"\(.AccessKeyId):\(.SecretAccessKey)\"", "header = \"x-amz-security-token: \(.Token)\""' <<<"$creds" |
    curl -fsS --retry 3 -K - --aws-sigv4 "aws:amz:${AWS_REGION}:secretsmanager" \
      -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: secretsmanager.GetSecretValue' \
      --data "$(jq -cn --arg id "$1" '{SecretId: $id}')" "$endpoint/" |
    jq -jer .SecretString
}

# Prints the value of secret $1.
fetch() {
  case "$provider" in
    aws)
      [ -n "${AWS_REGION:-}" ] || die "AWS_REGION is empty"
      aws_secret "$1"
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
