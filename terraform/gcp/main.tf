# One VM for the Hybrid AI Stack: Ubuntu 24.04, Caddy (TLS) in front of a loopback-only gateway, secrets from Secret Manager.

locals {
  bundle_path   = coalesce(var.bundle_path, "${path.module}/../../dist/hybrid-ai-server.tgz")
  bundle_object = "hybrid-ai-server.tgz"
  network_tag   = "${var.name}-server"
  # Single line: it is placed inside a YAML block of the cloud-init template. curl + the metadata server's token
  # for the VM's service account, which may read this one bucket and nothing else.
  bundle_fetch = "curl -fsS --retry 5 -H \"Authorization: Bearer $(curl -fsS -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token | jq -r .access_token)\" -o \"$tmp/hybrid-ai-server.tgz\" \"https://storage.googleapis.com/storage/v1/b/${google_storage_bucket.bundle.name}/o/${local.bundle_object}?alt=media\""
  user_data = templatefile("${path.module}/../../server-images/cloud-init/hybrid-ai.yaml.tftpl", {
    domain               = var.domain
    acme_email           = var.acme_email
    tier                 = var.tier
    ollama_models        = join(" ", local.tier.ollama_models)
    daily_budget_usd     = var.daily_budget_usd
    secrets_provider     = "gcp"
    api_token_secret     = data.google_secret_manager_secret.api_token.secret_id
    anthropic_key_secret = var.anthropic_key_secret_id == "" ? "" : data.google_secret_manager_secret.anthropic[0].secret_id
    aws_region           = ""
    gcp_project          = var.project_id
    bundle_fetch         = local.bundle_fetch
    # attached_disk's device_name below, as the guest sees it.
    data_disk = "/dev/disk/by-id/google-${local.data_device}"
  })
  data_device = "hybrid-ai-data"
}

# ---- secrets: created outside Terraform (README), referenced by ID; their values never enter the state ----
# Deliberately google_secret_manager_secret, not google_secret_manager_secret_version: the latter would copy the
# secret value into the Terraform state.
data "google_secret_manager_secret" "api_token" {
  secret_id = var.api_token_secret_id
}

data "google_secret_manager_secret" "anthropic" {
  count     = var.anthropic_key_secret_id == "" ? 0 : 1
  secret_id = var.anthropic_key_secret_id
}

# ---- identity: a service account that may read its two secrets and the bundle, nothing else ----
resource "google_service_account" "server" {
  account_id   = "${var.name}-server"
  display_name = "Hybrid AI Stack server"
}

resource "google_secret_manager_secret_iam_member" "api_token" {
  secret_id = data.google_secret_manager_secret.api_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.server.email}"
}

resource "google_secret_manager_secret_iam_member" "anthropic" {
  count     = var.anthropic_key_secret_id == "" ? 0 : 1
  secret_id = data.google_secret_manager_secret.anthropic[0].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.server.email}"
}

# ---- the server bundle: a private bucket ----
resource "google_storage_bucket" "bundle" {
  name                        = "${var.project_id}-${var.name}-bundle"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
}

resource "google_storage_bucket_object" "bundle" {
  name   = local.bundle_object
  bucket = google_storage_bucket.bundle.name
  source = local.bundle_path
}

resource "google_storage_bucket_iam_member" "bundle_reader" {
  bucket = google_storage_bucket.bundle.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.server.email}"
}

# ---- network: a VPC of its own (the "default" network's rules open SSH to the world) ----
resource "google_compute_network" "vpc" {
  name                    = "${var.name}-net"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "subnet" {
  name          = "${var.name}-subnet"
  region        = var.region
  network       = google_compute_network.vpc.id
  ip_cidr_range = "10.42.0.0/24"
}

# ---- firewall: SSH from one CIDR, HTTP/HTTPS for Caddy; the API (8787) and Ollama (11434) ports are never opened ----
resource "google_compute_firewall" "ssh" {
  name          = "${var.name}-allow-ssh"
  network       = google_compute_network.vpc.name
  description   = "SSH from the administrators' network only"
  direction     = "INGRESS"
  source_ranges = [var.ssh_cidr]
  target_tags   = [local.network_tag]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "web" {
  name          = "${var.name}-allow-web"
  network       = google_compute_network.vpc.name
  description   = "HTTPS to Caddy; HTTP only for the ACME HTTP-01 challenge and the redirect to HTTPS"
  direction     = "INGRESS"
  source_ranges = ["0.0.0.0/0"]
  target_tags   = [local.network_tag]
  allow {
    protocol = "tcp"
    ports    = ["80", "443"]
  }
}

resource "google_compute_address" "server" {
  name   = "${var.name}-ip"
  region = var.region
}

# ---- the data disk: the ledger, settings and API token (/var/lib/hybrid-ai) live here, not on the boot disk ----
# A replaced VM (new tier, new image) gets the same disk back with every ledger row. prevent_destroy makes Terraform
# refuse any plan that would delete it, `terraform destroy` included (README: how to remove it on purpose).
resource "google_compute_disk" "data" {
  name = "${var.name}-data"
  zone = var.zone
  type = "pd-balanced"
  size = var.data_disk_gib
  lifecycle {
    prevent_destroy = true
  }
}

# ---- the VM ----
resource "google_compute_instance" "server" {
  name         = var.name
  machine_type = local.tier.machine_type
  zone         = var.zone
  tags         = [local.network_tag]

  boot_disk {
    initialize_params {
      image = "ubuntu-os-cloud/ubuntu-2404-lts-amd64"
      size  = local.tier.disk_gib
      type  = "pd-balanced"
    }
  }

  attached_disk {
    source      = google_compute_disk.data.id
    device_name = local.data_device
  }

  network_interface {
    subnetwork = google_compute_subnetwork.subnet.id
    access_config {
      nat_ip = google_compute_address.server.address
    }
  }

  dynamic "guest_accelerator" {
    for_each = local.tier.gpu == null ? [] : [local.tier.gpu]
    content {
      type  = guest_accelerator.value
      count = 1
    }
  }

  # GPU VMs cannot live-migrate: Compute Engine requires TERMINATE for them.
  scheduling {
    on_host_maintenance = local.tier.gpu == null ? "MIGRATE" : "TERMINATE"
    automatic_restart   = true
  }

  # Secure Boot refuses the NVIDIA kernel module that Ollama's installer adds on tier 4.
  shielded_instance_config {
    enable_secure_boot          = local.tier.gpu == null
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  service_account {
    email  = google_service_account.server.email
    scopes = ["cloud-platform"] # what the account may do is decided by its IAM bindings above, per Google's advice
  }

  metadata = {
    user-data              = local.user_data
    ssh-keys               = "${var.ssh_user}:${var.ssh_public_key}"
    block-project-ssh-keys = "TRUE"
    enable-oslogin         = "FALSE"
  }

  depends_on = [
    google_secret_manager_secret_iam_member.api_token,
    google_secret_manager_secret_iam_member.anthropic,
    google_storage_bucket_iam_member.bundle_reader,
    google_storage_bucket_object.bundle,
  ]

  # A newer image or an edited cloud-init must not replace the VM (and its ledger) behind your back:
  # upgrade the bundle with `sudo hybrid-ai-update` on the VM after apply (README).
  lifecycle {
    ignore_changes = [metadata["user-data"], boot_disk[0].initialize_params[0].image]
  }
}

resource "google_dns_record_set" "server" {
  count        = var.dns_managed_zone == "" ? 0 : 1
  managed_zone = var.dns_managed_zone
  name         = "${var.domain}."
  type         = "A"
  ttl          = 300
  rrdatas      = [google_compute_address.server.address]
}
