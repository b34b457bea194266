// Per-model prices as integer micro-dollars per million tokens (Anthropic, OpenAI and Google list prices).
import type { ModelId } from './models.js';

/** Price of one model: micro-dollars per 1,000,000 tokens. */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
  /**
   * Input tokens read from the provider's prompt cache (Anthropic cache reads, OpenAI cached input, Gemini context
   * caching); absent = the provider has no such price and cached tokens cost `inputPerMTok`.
   */
  cachedInputPerMTok?: number;
}

/** Local models cost nothing per token (electricity is not billed per request). */
const free: Price = { inputPerMTok: 0, outputPerMTok: 0 };

export const prices = {
  tinyllama: free,
  phi2: free,
  'mistral-7b': free,
  'qwen2.5-1.5b': free,
  'llama-3.2-3b': free,
  'qwen3-1.7b': free,
  'qwen3-4b': free,
  'smollm3-3b': free,
  'granite-4.0-micro': free,
  'phi-4-mini': free,
  'gemma-3-4b': free,
  // Anthropic list prices, USD per million tokens: Haiku 4.5 $1/$5, Sonnet 4.6 $3/$15, Opus 4.6 $5/$25; cache reads
  // are 0.1x the input price (anthropic.com/pricing, "Prompt caching": $0.10, $0.30, $0.50).
  'claude-haiku': { inputPerMTok: 1_000_000, outputPerMTok: 5_000_000, cachedInputPerMTok: 100_000 },
  'claude-sonnet': { inputPerMTok: 3_000_000, outputPerMTok: 15_000_000, cachedInputPerMTok: 300_000 },
  'claude-opus': { inputPerMTok: 5_000_000, outputPerMTok: 25_000_000, cachedInputPerMTok: 500_000 },
  // OpenAI API pricing page (developers.openai.com/api/docs/pricing), standard tier, prompts under 270K tokens,
  // input / cached input / output: GPT-5.4 $2.50/$0.25/$15, mini $0.75/$0.075/$4.50, nano $0.20/$0.02/$1.25
  // (as quoted in benchlm.ai "OpenAI API Pricing", 2026-04, and morphllm.com, 2026-06).
  'gpt-5.4': { inputPerMTok: 2_500_000, outputPerMTok: 15_000_000, cachedInputPerMTok: 250_000 },
  'gpt-5.4-mini': { inputPerMTok: 750_000, outputPerMTok: 4_500_000, cachedInputPerMTok: 75_000 },
  'gpt-5.4-nano': { inputPerMTok: 200_000, outputPerMTok: 1_250_000, cachedInputPerMTok: 20_000 },
  // Gemini Developer API pricing (ai.google.dev/gemini-api/docs/pricing), paid tier, text, prompts up to 200K
  // tokens; output includes thinking tokens: 2.5 Pro $1.25/$10, 2.5 Flash $0.30/$2.50, 2.5 Flash-Lite $0.10/$0.40
  // (as quoted in deploybase.ai "Gemini API Pricing 2026" and morphllm.com "Gemini API pricing"); cached = context
  // caching reads at a 90% discount (deploybase.ai, same page): $0.125, $0.03, $0.01. Vertex AI lists the same prices.
  'gemini-2.5-pro': { inputPerMTok: 1_250_000, outputPerMTok: 10_000_000, cachedInputPerMTok: 125_000 },
  'gemini-2.5-flash': { inputPerMTok: 300_000, outputPerMTok: 2_500_000, cachedInputPerMTok: 30_000 },
  'gemini-2.5-flash-lite': { inputPerMTok: 100_000, outputPerMTok: 400_000, cachedInputPerMTok: 10_000 },
} as const satisfies Record<ModelId, Price>;

/**
 * Prices of an OpenAI-compatible cloud's models, which the catalog cannot know: parsed from
 * HYBRID_AI_CLOUD_COMPAT_PRICES, a JSON object of model id → USD per million tokens, e.g.
 * `{"llama-3.3-70b-versatile": {"input": 0.59, "output": 0.79}, "deepseek-chat": {"input": 0.27, "output": 1.1, "cachedInput": 0.07}}`.
 * A compat model missing here has an unknown price: callers report it as unknown, never as free.
 * Throws an Error naming the bad entry and the valid shape.
 */
export function parseCompatPrices(json: string): Record<string, Price> {
  const shape = 'a JSON object of model id → {"input": USD per million tokens, "output": USD, "cachedInput"?: USD}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`HYBRID_AI_CLOUD_COMPAT_PRICES is not JSON; expected ${shape}.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`HYBRID_AI_CLOUD_COMPAT_PRICES must be ${shape}.`);
  const out: Record<string, Price> = {};
  const micros = (usd: unknown, model: string, field: string): number => {
    if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0)
      throw new Error(`HYBRID_AI_CLOUD_COMPAT_PRICES: "${model}".${field} must be a number of USD per million tokens, 0 or more.`);
    // Integer micro-dollars per million tokens, as every catalog price.
    return Math.round(usd * 1_000_000);
  };
  for (const [model, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!v || typeof v !== 'object' || Array.isArray(v))
      throw new Error(`HYBRID_AI_CLOUD_COMPAT_PRICES: "${model}" must be {"input": …, "output": …}.`);
    const p = v as Record<string, unknown>;
    out[model] = {
      inputPerMTok: micros(p.input, model, 'input'),
      outputPerMTok: micros(p.output, model, 'output'),
      ...(p.cachedInput === undefined ? {} : { cachedInputPerMTok: micros(p.cachedInput, model, 'cachedInput') }),
    };
  }
  return out;
}
