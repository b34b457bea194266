# What you need after apply: the URL, how to log in, and where DNS must point.

output "url" {
  description = "HTTPS address of the server (API and UI); the first request may wait for the certificate."
  value       = "https://${var.domain}"
}

output "ssh_command" {
  description = "Log in to the VM (only from ssh_cidr)."
  value       = "ssh ubuntu@${aws_eip.server.public_ip}"
}

output "public_ip" {
  description = "Elastic IP of the server: the A record for domain must point here."
  value       = aws_eip.server.public_ip
}

output "dns" {
  description = "Whether Terraform created the DNS record or you must."
  value       = var.route53_zone_id == "" ? "Create an A record: ${var.domain} -> ${aws_eip.server.public_ip}" : "Route 53 record ${var.domain} -> ${aws_eip.server.public_ip} created"
}

output "tier" {
  description = "The tier deployed, its instance type and the estimated monthly cost (USD, on-demand, see README)."
  value = {
    tier          = var.tier
    instance_type = local.tier.instance_type
    ollama_models = local.tier.ollama_models
    monthly_usd   = local.tier.monthly_usd
  }
}
