# The seed's four machine tiers as data: machine type, GPU, disk and Ollama models per tier (prices: README.md).
locals {
  # On-demand list prices, us-central1, 730 h/month, before sustained-use discounts (see README.md).
  # e2 machines share cores (fine for tiers 1-2; tier 3's 8 GB e2-standard-2 has 2 full vCPUs). Tier 4 is an
  # n1-standard-4 (15 GB: n1 has no 16 GB shape with 4 vCPUs) with one NVIDIA T4, the cheapest GPU on Compute Engine.
  # ollama_models must match the router's ladder: router-core/data/tiers.ts recommendedModels(tier) (tested).
  tiers = {
    "1" = { machine_type = "e2-small", vcpus = 2, ram_gib = 2, gpu = null, disk_gib = 20, ollama_models = ["tinyllama:1.1b"], monthly_usd = 18.00 }
    "2" = { machine_type = "e2-medium", vcpus = 2, ram_gib = 4, gpu = null, disk_gib = 30, ollama_models = ["qwen3:1.7b", "hf.co/ggml-org/SmolLM3-3B-GGUF:Q4_K_M"], monthly_usd = 31.23 }
    "3" = { machine_type = "e2-standard-2", vcpus = 2, ram_gib = 8, gpu = null, disk_gib = 40, ollama_models = ["qwen3:1.7b", "qwen3:4b", "mistral:7b-instruct-v0.2-q4_K_M"], monthly_usd = 56.68 }
    "4" = { machine_type = "n1-standard-4", vcpus = 4, ram_gib = 15, gpu = "nvidia-tesla-t4", disk_gib = 80, ollama_models = ["qwen3:1.7b", "qwen3:4b", "mistral:7b-instruct-v0.2-q4_K_M"], monthly_usd = 405.97 }
  }
  tier = local.tiers[tostring(var.tier)]
}
