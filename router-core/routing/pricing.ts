// Cost of a request from its real usage, the all-cloud counterfactual, and savings; integer micro-dollars.
import type { Usage } from '../contracts/stream.js';
import { defaultCloudModel, type ModelId } from '../data/models.js';
import { prices, type Price } from '../data/prices.js';

/** Micro-dollars per dollar. */
export const MICROS_PER_USD = 1_000_000;

/**
 * Cost in micro-dollars of `usage` at `price` (prices are per million tokens), rounded to the nearest micro-dollar.
 * Input tokens read from the provider's cache cost the cached-input price where the model has one.
 */
export function costOf(usage: Usage, price: Price): number {
  const cached = Math.min(usage.inputTokens, Math.max(0, usage.cachedInputTokens ?? 0));
  const cachedPrice = price.cachedInputPerMTok ?? price.inputPerMTok;
  const input = (usage.inputTokens - cached) * price.inputPerMTok + cached * cachedPrice;
  return Math.round((input + usage.outputTokens * price.outputPerMTok) / 1_000_000);
}

/**
 * Price of a model: catalog ids from the table; a raw Claude id ("claude-3-5-haiku-latest") by its family,
 * so a passthrough model is never booked as free; anything else (a raw Ollama tag) is local and free.
 */
export function priceOf(model: string, extra?: Readonly<Record<string, Price>>): Price {
  const configured = extra?.[model];
  if (configured) return configured;
  const known = (prices as Record<string, Price>)[model];
  if (known) return known;
  if (model.startsWith('claude-')) {
    if (model.includes('haiku')) return prices['claude-haiku'];
    if (model.includes('opus')) return prices['claude-opus'];
    return prices['claude-sonnet'];
  }
  return { inputPerMTok: 0, outputPerMTok: 0 };
}

/** The list price of a cloud model the catalog or a raw family id prices, or undefined when it is not known. */
export function knownCloudPrice(model: string, extra?: Readonly<Record<string, Price>>): Price | undefined {
  const configured = extra?.[model];
  if (configured) return configured;
  const known = (prices as Record<string, Price>)[model];
  if (known) return known.inputPerMTok > 0 || known.outputPerMTok > 0 ? known : undefined;
  if (model.startsWith('claude-')) return priceOf(model);
  return undefined;
}

/**
 * What the same usage would have cost on the reference cloud model (the user's chosen cloud model): the "all-cloud"
 * counterfactual. Token counts of the model that answered stand in for the cloud model's (tokenizers differ by
 * ~10-20%; the ledger keeps the real counts, so the estimate can be refined without losing data). `extra` holds the
 * configured prices (an OpenAI-compatible cloud's); a reference without a known price is priced as the default cloud
 * model, never as $0.
 */
export function allCloudCost(usage: Usage, reference: string = defaultCloudModel, extra?: Readonly<Record<string, Price>>): number {
  return costOf(usage, knownCloudPrice(reference, extra) ?? prices[defaultCloudModel as ModelId]);
}

/** Money saved versus all-cloud, never negative (a pricier model than the reference saves nothing). */
export function savings(costMicros: number, allCloudMicros: number): number {
  return Math.max(0, allCloudMicros - costMicros);
}

/** "$0.0123"-style rendering for reasons and logs (UI formats on its own side). */
export function formatUsd(micros: number): string {
  const usd = micros / MICROS_PER_USD;
  return `$${usd < 0.01 && usd > 0 ? usd.toFixed(6) : usd.toFixed(4)}`;
}
