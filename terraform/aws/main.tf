# One VM for the Hybrid AI Stack: Ubuntu 24.04, Caddy (TLS) in front of a loopback-only gateway, secrets from Secrets Manager.

locals {
  bundle_path = coalesce(var.bundle_path, "${path.module}/../../dist/hybrid-ai-server.tgz")
  bundle_key  = "hybrid-ai-server.tgz"
  # Single line: it is placed inside a YAML block of the cloud-init template. The AWS CLI comes from its snap
  # (Ubuntu 24.04 has no apt package for it); the instance role allows s3:GetObject on this one object only.
  bundle_fetch = "AWS=$(command -v aws || { snap install aws-cli --classic >/dev/null && echo /snap/bin/aws; }) && \"$AWS\" s3 cp --only-show-errors --region ${var.region} s3://${aws_s3_bucket.bundle.bucket}/${local.bundle_key} \"$tmp/hybrid-ai-server.tgz\""
  user_data = templatefile("${path.module}/../../server-images/cloud-init/hybrid-ai.yaml.tftpl", {
    domain               = var.domain
    acme_email           = var.acme_email
    tier                 = var.tier
    ollama_models        = join(" ", local.tier.ollama_models)
    daily_budget_usd     = var.daily_budget_usd
    secrets_provider     = "aws"
    api_token_secret     = data.aws_secretsmanager_secret.api_token.name
    anthropic_key_secret = var.anthropic_key_secret_name == "" ? "" : data.aws_secretsmanager_secret.anthropic[0].name
    aws_region           = var.region
    gcp_project          = ""
    bundle_fetch         = local.bundle_fetch
    # Nitro instances (every tier's type) expose an EBS volume as NVMe, named by its volume id without the dash.
    data_disk = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${replace(aws_ebs_volume.data.id, "-", "")}"
  })
}

# ---- secrets: created outside Terraform (README), referenced by name; only their ARNs enter the state ----
# Deliberately aws_secretsmanager_secret, not aws_secretsmanager_secret_version: the latter would copy the
# secret value into the Terraform state.
data "aws_secretsmanager_secret" "api_token" {
  name = var.api_token_secret_name
}

data "aws_secretsmanager_secret" "anthropic" {
  count = var.anthropic_key_secret_name == "" ? 0 : 1
  name  = var.anthropic_key_secret_name
}

# ---- network: the default VPC, a subnet in a zone that offers the tier's instance type ----
data "aws_vpc" "default" {
  default = true
}

data "aws_ec2_instance_type_offerings" "tier" {
  location_type = "availability-zone"
  filter {
    name   = "instance-type"
    values = [local.tier.instance_type]
  }
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
  filter {
    name   = "availability-zone"
    values = data.aws_ec2_instance_type_offerings.tier.locations
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

# The first default subnet in a zone that offers the tier's type: the VM and its data disk must share that zone.
data "aws_subnet" "server" {
  id = sort(data.aws_subnets.default.ids)[0]
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"] # Canonical
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }
  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

# ---- firewall: SSH from one CIDR, HTTP/HTTPS for Caddy; the API (8787) and Ollama (11434) ports are never opened ----
resource "aws_security_group" "server" {
  name_prefix = "${var.name}-"
  description = "Hybrid AI Stack: SSH from ssh_cidr, 80/443 for Caddy; API and Ollama listen on loopback only"
  vpc_id      = data.aws_vpc.default.id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.server.id
  description       = "SSH from the administrators' network only"
  cidr_ipv4         = var.ssh_cidr
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.server.id
  description       = "HTTPS to Caddy, which proxies to the loopback-only gateway"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "https_ipv6" {
  security_group_id = aws_security_group.server.id
  description       = "HTTPS to Caddy over IPv6"
  cidr_ipv6         = "::/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "http_acme" {
  security_group_id = aws_security_group.server.id
  description       = "HTTP for the ACME HTTP-01 challenge and Caddy's redirect to HTTPS; no API is served on it"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.server.id
  description       = "Outbound: Claude API, package mirrors, Ollama model registry, Let's Encrypt, Secrets Manager, S3"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

# ---- the server bundle: a private bucket the instance may read one object from ----
resource "aws_s3_bucket" "bundle" {
  bucket_prefix = "${var.name}-bundle-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "bundle" {
  bucket                  = aws_s3_bucket.bundle.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_object" "bundle" {
  bucket      = aws_s3_bucket.bundle.id
  key         = local.bundle_key
  source      = local.bundle_path
  source_hash = filemd5(local.bundle_path)
}

# ---- identity: the instance may read its two secrets and the bundle, nothing else ----
data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "server" {
  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = concat([data.aws_secretsmanager_secret.api_token.arn], data.aws_secretsmanager_secret.anthropic[*].arn)
  }
  statement {
    sid       = "ReadServerBundle"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bundle.arn}/${local.bundle_key}"]
  }
}

resource "aws_iam_role" "server" {
  name_prefix        = "${var.name}-"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy" "server" {
  name   = "read-secrets-and-bundle"
  role   = aws_iam_role.server.id
  policy = data.aws_iam_policy_document.server.json
}

resource "aws_iam_instance_profile" "server" {
  name_prefix = "${var.name}-"
  role        = aws_iam_role.server.name
}

resource "aws_key_pair" "admin" {
  key_name_prefix = "${var.name}-"
  public_key      = var.ssh_public_key
}

# ---- the VM ----
resource "aws_instance" "server" {
  ami                    = data.aws_ami.ubuntu.id
  instance_type          = local.tier.instance_type
  subnet_id              = data.aws_subnet.server.id
  vpc_security_group_ids = [aws_security_group.server.id]
  iam_instance_profile   = aws_iam_instance_profile.server.name
  key_name               = aws_key_pair.admin.key_name
  user_data              = local.user_data

  # IMDSv2 only, one hop: a process in a container on this VM cannot borrow the instance role.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = local.tier.disk_gib
    encrypted   = true
  }

  # Burstable tiers: "standard" credits throttle to the baseline instead of billing surplus CPU (cost stays as quoted).
  dynamic "credit_specification" {
    for_each = startswith(local.tier.instance_type, "t3.") ? [1] : []
    content {
      cpu_credits = "standard"
    }
  }

  tags = {
    Name = var.name
    Tier = tostring(var.tier)
  }

  depends_on = [aws_iam_role_policy.server, aws_s3_object.bundle]

  # A newer Ubuntu AMI or an edited cloud-init must not replace the VM (and its ledger) behind your back:
  # upgrade the bundle with `sudo hybrid-ai-update` on the VM after apply (README).
  lifecycle {
    ignore_changes = [ami, user_data]
  }
}

# ---- the data disk: the ledger, settings and API token (/var/lib/hybrid-ai) live here, not on the boot disk ----
# A replaced VM (new tier, new AMI) gets the same disk back with every ledger row. prevent_destroy makes Terraform
# refuse any plan that would delete it, `terraform destroy` included (README: how to remove it on purpose).
resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.server.availability_zone
  size              = var.data_disk_gib
  type              = "gp3"
  encrypted         = true
  tags = {
    Name = "${var.name}-data"
  }
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.server.id
  # Stop the VM before detaching (on replacement), so SQLite's last writes reach the disk.
  stop_instance_before_detaching = true
}

resource "aws_eip" "server" {
  domain   = "vpc"
  instance = aws_instance.server.id
}

resource "aws_route53_record" "server" {
  count   = var.route53_zone_id == "" ? 0 : 1
  zone_id = var.route53_zone_id
  name    = var.domain
  type    = "A"
  ttl     = 300
  records = [aws_eip.server.public_ip]
}
