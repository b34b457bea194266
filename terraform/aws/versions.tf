# Terraform and provider versions for the AWS deployment of the Hybrid AI Stack headless server.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project   = "hybrid-ai-stack"
      ManagedBy = "terraform"
    }
  }
}
