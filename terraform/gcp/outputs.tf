# What you need after apply: the URL, how to log in, and where DNS must point.

output "url" {
  description = "HTTPS address of the server (API and UI); the first request may wait for the certificate."
  value       = "https://${var.domain}"
}

output "ssh_command" {
  description = "Log in to the VM (only from ssh_cidr)."
  value       = "ssh ${var.ssh_user}@${google_compute_address.server.address}"
}

output "public_ip" {
  description = "Static external IP of the server: the A record for domain must point here."
  value       = google_compute_address.server.address
}

output "dns" {
  description = "Whether Terraform created the DNS record or you must."
  value       = var.dns_managed_zone == "" ? "Create an A record: ${var.domain} -> ${google_compute_address.server.address}" : "Cloud DNS record ${var.domain} -> ${google_compute_address.server.address} created"
}

output "tier" {
  description = "The tier deployed, its machine type and the estimated monthly cost (USD, on-demand, see README)."
  value = {
    tier          = var.tier
    machine_type  = local.tier.machine_type
    gpu           = local.tier.gpu
    ollama_models = local.tier.ollama_models
    monthly_usd   = local.tier.monthly_usd
  }
}
