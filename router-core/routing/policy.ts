// Route policy: complexity + tier ladder + availability + local-only/budget/no-key → one decision with reasons.
import type { ChatRequest } from '../contracts/chat.js';
import type { Availability, EngineId, Route, RouteCandidate, RouteDecision, Tier } from '../contracts/decision.js';
import type { ErrorType } from '../contracts/errors.js';
import { cloudModels, findModel, localModels } from '../data/models.js';
import { tierLadders } from '../data/tiers.js';
import { budgetGuard, type BudgetCaps, type SpendSoFar } from './budget.js';
import { estimateComplexity, type ComplexityThresholds } from './complexity.js';
import { dedupeCandidates, enginesFor } from './fallback.js';

/** Routing settings (from config and the Settings screen). */
export interface RoutingConfig {
  thresholds: ComplexityThresholds;
  /** Global "nothing leaves this machine". */
  localOnly: boolean;
  /** Catalog id of the cloud model used for the cloud route. */
  cloudModel: string;
  budget: BudgetCaps;
  /** Local engines, most preferred first (e.g. a system Ollama with a GPU before embedded llama.cpp). */
  localEnginePreference: readonly EngineId[];
}

/** Everything a decision depends on: no clock, no I/O. */
export interface RouteInput {
  request: ChatRequest;
  config: RoutingConfig;
  tier: Tier;
  availability: Availability;
  spend: SpendSoFar;
}

export type RouteOutcome = { ok: true; decision: RouteDecision } | { ok: false; error: { type: ErrorType; message: string } };

const CLOUD_ENGINE: EngineId = 'anthropic';
const localRoutesWeakToStrong: ReadonlyArray<Exclude<Route, 'cloud'>> = ['small', 'medium', 'large'];

/** The text the estimator scores: the last user turn (earlier turns only add context length). */
export function promptForScoring(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role === 'user') return m.content;
  }
  return '';
}

/** Why the cloud is off for this request, or null when it may be used. */
function cloudBlock(input: RouteInput): string | null {
  if (input.config.localOnly) return 'local-only mode is on';
  if (input.request.localOnly) return 'the request asked to stay on this machine';
  const a = input.availability.engines[CLOUD_ENGINE];
  if (!a?.ok) return a?.reason ?? 'no Claude API key configured';
  const budget = budgetGuard(input.spend, input.config.budget);
  if (!budget.allowCloud) return budget.reason;
  return null;
}

/** All local candidates the tier's ladder allows and some engine can serve, strongest first. */
function localCandidates(input: RouteInput): RouteCandidate[] {
  const ladder = tierLadders[input.tier];
  const out: RouteCandidate[] = [];
  for (const route of [...localRoutesWeakToStrong].reverse()) {
    for (const model of ladder.routes[route] ?? []) {
      for (const engine of enginesFor(model, input.availability, input.config.localEnginePreference)) out.push({ route, model, engine });
    }
  }
  return out;
}

function cloudCandidate(config: RoutingConfig): RouteCandidate {
  return { route: 'cloud', model: config.cloudModel, engine: CLOUD_ENGINE };
}

/** Map a complexity band to a rung of this tier's ladder. */
function desiredRoute(score: number, level: 'small' | 'medium' | 'cloud', input: RouteInput, reasons: string[]): Route {
  const ladder = tierLadders[input.tier];
  if (level === 'cloud') return 'cloud';
  if (level === 'small') return ladder.routes.small ? 'small' : 'cloud';
  const { medium, cloud } = input.config.thresholds;
  if (ladder.routes.large && ladder.largeShareOfMedium > 0 && score >= cloud - (cloud - medium) * ladder.largeShareOfMedium) {
    reasons.push(`upper part of the medium band → the tier ${input.tier} large model`);
    return 'large';
  }
  if (ladder.routes.medium) return 'medium';
  reasons.push(`tier ${input.tier} has no local medium model → cloud`);
  return 'cloud';
}

/** Decide where one request goes. Pure: same input, same decision. */
export function decideRoute(input: RouteInput): RouteOutcome {
  const { request, config } = input;
  const estimate = estimateComplexity(promptForScoring(request), config.thresholds);
  const reasons = [`complexity ${estimate.score.toFixed(2)} → ${estimate.level}`, ...estimate.reasons];
  const requested = request.model.trim();
  if (requested !== '' && requested.toLowerCase() !== 'auto') return decideOverride(input, requested, estimate.score, reasons);

  const blocked = cloudBlock(input);
  const locals = localCandidates(input);
  const want = desiredRoute(estimate.score, estimate.level, input, reasons);
  const strength = (r: Route): number => (r === 'cloud' ? 3 : localRoutesWeakToStrong.indexOf(r));

  let chain: RouteCandidate[];
  if (want === 'cloud') {
    if (blocked === null) {
      chain = [cloudCandidate(config), ...locals];
    } else {
      chain = locals;
      if (locals.length > 0) reasons.push(`cloud disabled (${blocked}) → best local model ${locals[0]!.model} instead`);
    }
  } else {
    const same = locals.filter((c) => c.route === want);
    const stronger = locals.filter((c) => strength(c.route) > strength(want)).reverse(); // next rung up first
    const weaker = locals.filter((c) => strength(c.route) < strength(want));
    if (same.length === 0) {
      const missing = (tierLadders[input.tier].routes[want as Exclude<Route, 'cloud'>] ?? []).join(', ');
      reasons.push(`no ${want} model available (${missing || 'none in the ladder'} not installed or not running)`);
    }
    chain = [...same, ...stronger, ...(blocked === null ? [cloudCandidate(config)] : []), ...weaker];
    if (same.length === 0 && chain[0]) reasons.push(`→ ${chain[0].model} instead`);
  }
  chain = dedupeCandidates(chain);
  const primary = chain[0];
  if (!primary) return { ok: false, error: { type: 'no_model_available', message: nothingAvailableMessage(blocked) } };
  return { ok: true, decision: { ...primary, complexity: estimate.score, reasons, fallbacks: chain.slice(1) } };
}

function nothingAvailableMessage(blocked: string | null): string {
  return (
    'No model can answer: no local model is installed or running (pull one with `hybrid-ai models pull tinyllama`, start Ollama, ' +
    `or set HYBRID_AI_LOCAL_MODEL to a GGUF file) and the cloud is unavailable (${blocked ?? 'unknown reason'}).`
  );
}

/** Every model name a caller may send, for error messages. */
export function validModelNames(availability: Availability): string[] {
  const raw = availability.engines.ollama?.models.filter((m) => !findModel(m)) ?? [];
  return ['auto', ...localModels.map((m) => m.id), ...cloudModels.map((m) => m.id), ...raw];
}

function decideOverride(input: RouteInput, requested: string, score: number, reasons: string[]): RouteOutcome {
  const { availability, config } = input;
  const entry = findModel(requested);
  const isCloud = entry ? entry.kind === 'cloud' : requested.toLowerCase().startsWith('claude-');
  if (isCloud) {
    const blocked = cloudBlock(input);
    if (blocked !== null) {
      const type: ErrorType =
        config.localOnly || input.request.localOnly ? 'forbidden' : blocked.includes('budget') ? 'rate_limited' : 'no_model_available';
      return { ok: false, error: { type, message: `Model "${requested}" is a cloud model and the cloud is unavailable: ${blocked}.` } };
    }
    const model = entry?.id ?? requested;
    reasons.push(`model "${requested}" requested by the caller`);
    return { ok: true, decision: { route: 'cloud', model, engine: CLOUD_ENGINE, complexity: score, reasons, fallbacks: [] } };
  }
  const model = entry?.id ?? requested;
  const route: Route = entry && entry.kind === 'local' ? entry.routes[entry.routes.length - 1]! : 'medium';
  const engines = enginesFor(model, availability, config.localEnginePreference);
  if (engines.length === 0) {
    if (!entry) {
      return {
        ok: false,
        error: {
          type: 'invalid_request',
          message: `Unknown model "${requested}". Valid models: ${validModelNames(availability).join(', ')}.`,
        },
      };
    }
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        message: `Model "${model}" is not installed or no engine is running it. Pull it with \`hybrid-ai models pull ${model}\`, or choose "auto".`,
      },
    };
  }
  reasons.push(`model "${requested}" requested by the caller`);
  const [first, ...rest] = engines.map((engine) => ({ route, model, engine }));
  return { ok: true, decision: { ...first!, complexity: score, reasons, fallbacks: rest } };
}
