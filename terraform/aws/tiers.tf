# The seed's four machine tiers as data: instance type, disk and Ollama models per tier (prices: README.md).
locals {
  # On-demand list prices, us-east-1, Linux, 730 h/month (see README.md for the date and what is included).
  # Tiers 1-2 are burstable t3 with cpu_credits = "standard" (no surprise surplus-credit charges); tier 3 is a
  # non-burstable m7i because a 7B model keeps the CPU busy; tier 4 is the cheapest NVIDIA GPU instance (T4, 16 GB).
  # ollama_models must match the router's ladder: router-core/data/tiers.ts recommendedModels(tier) (tested).
  tiers = {
    "1" = { instance_type = "t3.small", vcpus = 2, ram_gib = 2, gpu = false, disk_gib = 20, ollama_models = ["tinyllama:1.1b"], monthly_usd = 21.23 }
    "2" = { instance_type = "t3.medium", vcpus = 2, ram_gib = 4, gpu = false, disk_gib = 30, ollama_models = ["qwen3:1.7b", "hf.co/ggml-org/SmolLM3-3B-GGUF:Q4_K_M"], monthly_usd = 37.22 }
    "3" = { instance_type = "m7i.large", vcpus = 2, ram_gib = 8, gpu = false, disk_gib = 40, ollama_models = ["qwen3:1.7b", "qwen3:4b", "mistral:7b-instruct-v0.2-q4_K_M"], monthly_usd = 81.23 }
    "4" = { instance_type = "g4dn.xlarge", vcpus = 4, ram_gib = 16, gpu = true, disk_gib = 80, ollama_models = ["qwen3:1.7b", "qwen3:4b", "mistral:7b-instruct-v0.2-q4_K_M"], monthly_usd = 394.83 }
  }
  tier = local.tiers[tostring(var.tier)]
}
