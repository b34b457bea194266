# Inputs of the AWS deployment. Secrets are NOT inputs: only the names of Secrets Manager secrets are.

variable "tier" {
  type        = number
  description = "Machine tier 1-4 (1: 2 GB, TinyLlama; 2: 4 GB, + Phi-2; 3: 8 GB, + Mistral-7B; 4: 16 GB + NVIDIA T4). Instance type, disk and models come from local.tiers."
  default     = 2
  validation {
    condition     = contains([1, 2, 3, 4], var.tier)
    error_message = "tier must be 1, 2, 3 or 4."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy in. The README's prices are for us-east-1."
  default     = "us-east-1"
}

variable "name" {
  type        = string
  description = "Prefix for every resource name (lower-case letters, digits and dashes)."
  default     = "hybrid-ai"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2-21 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "domain" {
  type        = string
  description = "Public DNS name of the server (e.g. ai.example.com). Caddy gets a Let's Encrypt certificate for it, so an A record must point at the server's IP (set route53_zone_id to have Terraform create it)."
  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain must be a fully qualified lower-case DNS name such as ai.example.com."
  }
}

variable "acme_email" {
  type        = string
  description = "E-mail address for the ACME (Let's Encrypt) account: certificate expiry notices go there."
  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.acme_email))
    error_message = "acme_email must be an e-mail address."
  }
}

variable "ssh_cidr" {
  type        = string
  description = "The only network allowed to reach SSH (port 22), e.g. your office's 203.0.113.0/24 or your IP as 198.51.100.7/32. 0.0.0.0/0 is refused."
  validation {
    condition     = can(cidrnetmask(var.ssh_cidr)) && var.ssh_cidr != "0.0.0.0/0"
    error_message = "ssh_cidr must be an IPv4 CIDR block narrower than 0.0.0.0/0, e.g. 198.51.100.7/32."
  }
}

variable "ssh_public_key" {
  type        = string
  description = "OpenSSH public key (one line) allowed to log in as ubuntu."
  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) ", var.ssh_public_key))
    error_message = "ssh_public_key must be an OpenSSH public key line (ssh-ed25519 ..., ssh-rsa ... or ecdsa-sha2-nistp256 ...)."
  }
}

variable "api_token_secret_name" {
  type        = string
  description = "Name of the AWS Secrets Manager secret (plain text, at least 16 characters) holding the API token. Create it before apply; Terraform reads only its ARN, never its value."
  default     = "hybrid-ai/api-token"
}

variable "anthropic_key_secret_name" {
  type        = string
  description = "Name of the AWS Secrets Manager secret (plain text) holding the Claude API key; empty = no Claude (local models only)."
  default     = "hybrid-ai/anthropic-api-key"
}

variable "daily_budget_usd" {
  type        = number
  description = "Cloud (Claude) spend cap per day in USD; once reached every request stays local until the next day. 0 = never use the cloud."
  default     = 5
  validation {
    condition     = var.daily_budget_usd >= 0
    error_message = "daily_budget_usd must be 0 or more."
  }
}

variable "bundle_path" {
  type        = string
  description = "Path of the server bundle tarball (deploy-all.sh builds it from npm run build:server); null = ../../dist/hybrid-ai-server.tgz."
  default     = null
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 hosted zone ID in which to create the A record for domain; empty = create the record yourself."
  default     = ""
}

variable "data_disk_gib" {
  type        = number
  description = "Size of the separate data disk that holds the ledger, settings and API token (/var/lib/hybrid-ai); it survives VM replacement."
  default     = 10
  validation {
    condition     = var.data_disk_gib >= 1
    error_message = "data_disk_gib must be at least 1."
  }
}
