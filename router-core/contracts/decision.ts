// Route decisions: which rung of the ladder answers, on which engine, and why.

/** A rung of the model ladder. */
export type Route = 'small' | 'medium' | 'large' | 'cloud';

/**
 * Engines the registry knows. 'openai-compat' is a LOCAL OpenAI-compatible server (LM Studio, llama-server);
 * 'cloud-compat' is an OpenAI-compatible CLOUD reached by base URL + key (OpenRouter, Groq, Together, DeepSeek, …).
 */
export type EngineId = 'llamacpp' | 'ollama' | 'anthropic' | 'openai-compat' | 'openai' | 'gemini' | 'cloud-compat';

/** Who runs a cloud engine's models (and bills for them): one per cloud engine. */
export type CloudProvider = 'anthropic' | 'openai' | 'gemini' | 'compat';

/** Whether an engine answers on this machine or in a cloud, and for a cloud engine whose cloud it is. */
export interface EngineKind {
  kind: 'local' | 'cloud';
  /** Set exactly when kind is 'cloud'. */
  provider?: CloudProvider;
}

/** Every engine's kind: the one place "is this the cloud?" is answered (SQL builders, gateway, renderer read it). */
export const engineKinds: Readonly<Record<EngineId, EngineKind>> = {
  llamacpp: { kind: 'local' },
  ollama: { kind: 'local' },
  'openai-compat': { kind: 'local' },
  anthropic: { kind: 'cloud', provider: 'anthropic' },
  openai: { kind: 'cloud', provider: 'openai' },
  gemini: { kind: 'cloud', provider: 'gemini' },
  'cloud-compat': { kind: 'cloud', provider: 'compat' },
};

/** The cloud engine of each provider (the inverse of `engineKinds[id].provider`). */
export const cloudEngineOf: Readonly<Record<CloudProvider, EngineId>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  gemini: 'gemini',
  compat: 'cloud-compat',
};

/**
 * Why the cloud may not take a request, by kind (control flow reads the kind; people read the reason, so rewording a
 * reason never changes a decision): local-only mode, the request's own local-only flag, the schedule, the privacy
 * guard, the cloud not available, a budget cap, a cloud model that cannot take the request's tools or format, or a
 * context the request does not fit.
 */
export type CloudBlockKind =
  'local-only' | 'request-local' | 'schedule' | 'privacy' | 'unavailable' | 'budget' | 'tools' | 'format' | 'context' | 'logprobs';

/** Machine tier from the seed's VPS table. */
export type Tier = 1 | 2 | 3 | 4;

/** One concrete way to answer: a model on an engine. */
export interface RouteCandidate {
  route: Route;
  model: string;
  engine: EngineId;
}

/** The router's answer for one request, with human-readable reasons. */
export interface RouteDecision extends RouteCandidate {
  /** Complexity score in [0,1]. */
  complexity: number;
  reasons: string[];
  /** Ordered alternatives tried when the chosen one fails before its first token. */
  fallbacks: RouteCandidate[];
}

/** What each engine can serve right now (from probes). */
export interface Availability {
  engines: Partial<Record<EngineId, EngineAvailability>>;
}

export interface EngineAvailability {
  ok: boolean;
  /** Catalog model ids this engine can answer with now. */
  models: string[];
  /** Why not, when !ok (shown in reasons). */
  reason?: string;
  /** The engine passes `tools` to its models and returns their tool calls (absent = it does not). */
  tools?: boolean;
  /** The engine constrains answers to JSON or a JSON schema (`ChatRequest.responseFormat`) for real (absent = it does not). */
  structuredOutput?: boolean;
  /** The engine returns per-token log-probabilities (`ChatRequest.logprobs`) for real (absent = it does not). */
  logprobs?: boolean;
  /**
   * Tokens each model's context holds on this engine (model id → tokens), where the engine knows better than the
   * catalog (the embedded engine: the GGUF's trained context, capped by its own context size). Absent = the catalog's.
   */
  contextLengths?: Record<string, number>;
  /**
   * The engine answers every local catalog model from one file under this name (HYBRID_AI_LOCAL_MODEL): a decision
   * for a catalog model on this engine names the file instead, so the answer, /api/ps and /api/v1/system agree on
   * what really answered.
   */
  servesAllLocalAs?: string;
}
