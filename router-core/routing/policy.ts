// Route policy: complexity + tier ladder + availability + local-only/budget/no-key → one decision with reasons.
import type { ChatRequest } from '../contracts/chat.js';
import type { Availability, CloudBlockKind, EngineId, Route, RouteCandidate, RouteDecision, Tier } from '../contracts/decision.js';
import type { ErrorDetails, ErrorType } from '../contracts/errors.js';
import { cloudModels, findModel, localModels } from '../data/models.js';
import { tierLadders } from '../data/tiers.js';
import { budgetGuard, estimateCloudCostMicros, type BudgetCaps, type SpendSoFar } from './budget.js';
import { estimateComplexity, type ComplexityThresholds } from './complexity.js';
import { estimateConversation, type ConversationEstimate } from './conversation.js';
import { estimateLearned } from './learned.js';
import { privacyGuard, type PrivacyRules } from './privacy.js';
import { scheduleState, type LocalClock, type RoutingSchedule } from './schedule.js';
import { priceOf } from './pricing.js';
import { createRoutingState, type RoutingState } from './state.js';
import type { Price } from '../data/prices.js';
import { dedupeCandidates, enginesFor } from './fallback.js';
import { cloudEngineForModel, cloudEngineIds, providerNames, providerOf, providerOfModel } from './cloud.js';
import { answerBudget, estimateRequestTokens, formatTokens, type TokenCache } from './tokens.js';

/** Routing settings (from config and the Settings screen). */
export interface RoutingConfig {
  thresholds: ComplexityThresholds;
  /** Global "nothing leaves this machine". */
  localOnly: boolean;
  /**
   * The cloud route's first choice: a catalog id (or a raw provider id). Empty on `cloud-compat` = the first model that
   * cloud lists.
   */
  cloudModel: string;
  /** The engine that answers `cloudModel` (default: its provider's engine, data/models.ts; Claude for unknown ids). */
  cloudEngine?: EngineId;
  /**
   * Cloud models tried, in order, after the first choice when it is unavailable or fails before its first token (other
   * providers: a Claude 529 falls over to GPT or Gemini). Absent = none.
   */
  cloudFallbacks?: readonly CloudChoice[];
  budget: BudgetCaps;
  /** Local engines, most preferred first (e.g. a system Ollama with a GPU before embedded llama.cpp). */
  localEnginePreference: readonly EngineId[];
  /** Complexity estimator: the learned model (default) or the hand-written rules. */
  estimator?: 'learned' | 'rules';
  /** Prices of models the catalog cannot know (an OpenAI-compatible cloud's, HYBRID_AI_CLOUD_COMPAT_PRICES); absent = none. */
  prices?: Readonly<Record<string, Price>>;
  /** Secrets and personal data stay local (default: guard on, no private words). */
  privacy?: PrivacyRules;
  /** Time-based routing: local-only hours, or cloud-only-in-these-hours (routing/schedule.ts); absent = none. */
  schedule?: RoutingSchedule | null;
}

/** Everything a decision depends on: no clock, no I/O. */
export interface RouteInput {
  request: ChatRequest;
  config: RoutingConfig;
  tier: Tier;
  availability: Availability;
  spend: SpendSoFar;
  /** The wall clock in the schedule's time zone (the caller reads the time); needed only with a schedule. */
  clock?: LocalClock;
  /** Working memory and caches the caller keeps between decisions (routing/state.ts); absent = fresh for this decision. */
  state?: RoutingState;
}

/** One cloud model on its engine (the cloud route's first choice or a fallback). */
export interface CloudChoice {
  model: string;
  engine: EngineId;
}

export type RouteOutcome =
  { ok: true; decision: RouteDecision } | { ok: false; error: { type: ErrorType; message: string; details?: ErrorDetails } };

const localRoutesWeakToStrong: ReadonlyArray<Exclude<Route, 'cloud'>> = ['small', 'medium', 'large'];

/** The text the estimator scores: the last user turn (earlier turns only add context length). */
export function promptForScoring(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role === 'user') return m.content;
  }
  return '';
}

/**
 * True when answering needs a model that can call tools: tools are offered to be called, or the conversation already
 * holds tool calls or tool results (a model without tool turns in its template cannot read those back). Tools sent
 * with tool_choice "none" cannot be called, so any model can answer (engines that pass tools pass "none" on, or, like
 * Ollama, leave the tools out; llama.cpp never offers them).
 */
export function requestUsesTools(request: ChatRequest): boolean {
  const offered = (request.tools?.length ?? 0) > 0 && request.toolChoice !== 'none';
  return offered || request.messages.some((m) => m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0);
}

/**
 * Whether `model` was trained for tool calls: the catalog says so, or it is a raw id of a cloud family (every current
 * Claude, GPT and Gemini chat model is).
 */
export function modelSupportsTools(model: string): boolean {
  const entry = findModel(model);
  if (entry) return entry.supportsTools === true;
  return providerOfModel(model) !== undefined;
}

/** A candidate can serve a tool request when its model can call tools and its engine passes them through. */
function toolCapable(c: RouteCandidate, availability: Availability): boolean {
  return modelSupportsTools(c.model) && availability.engines[c.engine]?.tools === true;
}

/** A candidate can serve a structured-output request when its engine constrains decoding to JSON / a schema. */
function formatCapable(c: RouteCandidate, availability: Availability): boolean {
  return availability.engines[c.engine]?.structuredOutput === true;
}

/** "a JSON schema (name)" or "JSON output", for reasons and errors. */
function formatWords(request: ChatRequest): string {
  const f = request.responseFormat;
  if (!f || f.type === 'json') return 'JSON output';
  return f.name ? `a JSON schema ("${f.name}")` : 'a JSON schema';
}

/** Catalog models that can call tools, for error messages. */
export function toolModelNames(): string[] {
  return [...localModels, ...cloudModels].filter((m) => m.supportsTools === true).map((m) => m.id);
}

/** Why the cloud may not take a request, by kind (declared in contracts/ so the wire and the renderer share it). */
export type { CloudBlockKind };

/** A typed cloud block and its words. */
export interface CloudBlock {
  kind: CloudBlockKind;
  reason: string;
}

/** The cloud route's choices in order: the first choice, then the fallbacks across providers (no duplicates). */
export function cloudChoices(config: Pick<RoutingConfig, 'cloudModel' | 'cloudEngine' | 'cloudFallbacks'>): CloudChoice[] {
  const first: CloudChoice = {
    model: config.cloudModel,
    engine: config.cloudEngine ?? cloudEngineForModel(config.cloudModel) ?? 'anthropic',
  };
  const seen = new Set<string>();
  return [first, ...(config.cloudFallbacks ?? [])].filter((c) => {
    const k = `${c.engine}\u0000${c.model}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A choice as a candidate: an empty model takes the first one its engine lists (an OpenAI-compatible cloud). */
function asCandidate(c: CloudChoice, availability: Availability): RouteCandidate {
  return { route: 'cloud', model: c.model || (availability.engines[c.engine]?.models[0] ?? ''), engine: c.engine };
}

/** The cloud candidates whose engine is up now, first choice first. */
function availableClouds(config: RoutingConfig, availability: Availability): RouteCandidate[] {
  return cloudChoices(config)
    .filter((c) => availability.engines[c.engine]?.ok === true)
    .map((c) => asCandidate(c, availability))
    .filter((c) => c.model !== '');
}

/** Why a cloud engine is down when its probe gave no reason: no key for it. */
function noKeyReason(engine: EngineId): string {
  const p = providerOf(engine);
  if (p === 'anthropic' || p === undefined) return 'no Claude API key configured';
  if (p === 'compat') return 'no OpenAI-compatible cloud configured';
  return `no ${providerNames[p]} API key configured`;
}

/** Why the cloud is off for this request, or null when it may be used (`only`: a caller-named cloud model's engine). */
function cloudBlock(input: RouteInput, only?: RouteCandidate): CloudBlock | null {
  if (input.config.localOnly) return { kind: 'local-only', reason: 'local-only mode is on' };
  if (input.request.localOnly) return { kind: 'request-local', reason: 'the request asked to stay on this machine' };
  const scheduled = input.clock ? scheduleState(input.config.schedule, input.clock) : null;
  if (scheduled?.cloudBlocked) return { kind: 'schedule', reason: scheduled.reason };
  const privacy = privacyGuard(input.request.messages, input.config.privacy, input.state);
  if (!privacy.mayLeave) return { kind: 'privacy', reason: privacy.reason };
  const clouds = only
    ? [only].filter((c) => input.availability.engines[c.engine]?.ok === true)
    : availableClouds(input.config, input.availability);
  if (clouds.length === 0) {
    const engine = only?.engine ?? cloudChoices(input.config)[0]!.engine;
    const a = input.availability.engines[engine];
    return { kind: 'unavailable', reason: a?.reason ?? noKeyReason(engine) };
  }
  const estimate = estimateCloudCostMicros(input.request, priceOf(clouds[0]!.model, input.config.prices));
  const budget = budgetGuard(input.spend, input.config.budget, estimate);
  if (!budget.allowCloud) return { kind: 'budget', reason: budget.reason };
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

/**
 * The complexity estimate of a request's conversation with the configured estimator and thresholds (what decideRoute
 * starts from): the last user turn, raised to the level of the task it continues when it is a follow-up
 * (routing/conversation.ts).
 */
export function estimateRequest(
  request: ChatRequest,
  config: Pick<RoutingConfig, 'estimator' | 'thresholds'>,
  state: RoutingState = createRoutingState(),
): ConversationEstimate {
  const kind = config.estimator === 'rules' ? 'rules' : 'learned';
  const t = config.thresholds;
  const estimate =
    kind === 'rules'
      ? (text: string) => estimateComplexity(text, t, state.text)
      : (text: string) => estimateLearned(text, t, state.learned);
  return estimateConversation(request.messages, estimate, t, estimatorKey(kind, t), state.turns);
}

/** The last estimator key made: the same estimator and thresholds give the same string. */
let lastEstimatorKey = { kind: '', medium: NaN, cloud: NaN, key: '' };

/**
 * The key the per-turn estimates are kept under: the estimator and its thresholds. why remembered: formatting the two
 * thresholds (doubles) cost ~1.5 µs on every request, and they change only when a person changes a setting.
 */
function estimatorKey(kind: 'rules' | 'learned', t: ComplexityThresholds): string {
  const last = lastEstimatorKey;
  if (last.kind === kind && last.medium === t.medium && last.cloud === t.cloud) return last.key;
  lastEstimatorKey = { kind, medium: t.medium, cloud: t.cloud, key: `${kind}|${t.medium}|${t.cloud}` };
  return lastEstimatorKey.key;
}

/**
 * The reasons every decision starts with: the score and its band, then the estimator's own reasons. The band is named
 * as a band, not with "→": the route it maps to depends on the tier (a medium band can go to a large model), and the
 * badge shows that route's pill beside this text.
 */
export function estimateReasons(estimate: ReturnType<typeof estimateComplexity>): string[] {
  return [`complexity ${estimate.score.toFixed(2)} (${estimate.level} band)`, ...estimate.reasons];
}

/** Decide where one request goes. Pure: same input, same decision. */
export function decideRoute(input: RouteInput): RouteOutcome {
  return decideRouteWithGuard(input).outcome;
}

/** A decision and, for an "auto" request, why the cloud was off for it (null: it was not; the kind is typed). */
export interface GuardedOutcome {
  outcome: RouteOutcome;
  cloudBlock: CloudBlock | null;
}

/** decideRoute, also saying why the cloud was off (the pipeline counts requests the privacy guard kept local). */
export function decideRouteWithGuard(given: RouteInput): GuardedOutcome {
  const input = given.state ? given : { ...given, state: createRoutingState() };
  const { outcome, cloudBlock } = decideByCatalogIds(input);
  return { outcome: outcome.ok ? { ok: true, decision: asServed(outcome.decision, input.availability) } : outcome, cloudBlock };
}

/**
 * The name an engine answers a catalog model under: its own, except on an engine that serves every local model from
 * one file (HYBRID_AI_LOCAL_MODEL), which names that file. The decision is made on catalog ids (rungs, tools, context
 * windows); only what it reports is renamed.
 */
export function servedName(model: string, engine: EngineId, availability: Availability): string {
  const as = availability.engines[engine]?.servesAllLocalAs;
  return as !== undefined && findModel(model)?.kind === 'local' ? as : model;
}

/**
 * A decision with each candidate under the name its engine answers it as; a file met again as a fallback is dropped,
 * and the reasons name the chosen model as the answer will ("→ best local model my-model instead").
 */
function asServed(d: RouteDecision, availability: Availability): RouteDecision {
  const rename = (c: RouteCandidate): RouteCandidate => ({ ...c, model: servedName(c.model, c.engine, availability) });
  const primary = rename(d);
  const [, ...fallbacks] = dedupeCandidates([primary, ...d.fallbacks.map(rename)]);
  if (primary.model === d.model) return { ...d, fallbacks };
  const chosen = new RegExp(`(?<![\\w.:-])${d.model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.:-])`, 'g');
  const reasons = d.reasons.map((r) => (r.includes('→') ? r.replace(chosen, primary.model) : r));
  return { ...d, model: primary.model, reasons, fallbacks };
}

const LATEST_TAG = /^(.+):latest$/i;

/**
 * A name with Ollama's default tag (`x:latest`, as /api/tags lists every name without one) for a name an engine offers
 * beyond the catalog (the HYBRID_AI_LOCAL_MODEL file's, or another engine-native name without a tag): that name, as
 * Ollama reads `x:latest` and `x` as one model. Any other name comes back as given (catalog names and aliases resolve
 * on their own; a name an engine lists with its tag, an Ollama `llama3:latest`, is kept whole).
 */
export function withoutLatestTag(requested: string, rawNames: readonly string[]): string {
  const m = LATEST_TAG.exec(requested);
  if (!m || findModel(requested) || rawNames.includes(requested)) return requested;
  const bare = m[1]!.toLowerCase();
  return rawNames.find((n) => !n.includes(':') && n.toLowerCase() === bare) ?? requested;
}

/** The names the available engines offer beyond the catalog (an Ollama tag, the HYBRID_AI_LOCAL_MODEL file's name). */
function rawEngineNames(availability: Availability): string[] {
  return Object.values(availability.engines)
    .filter((a) => a?.ok === true)
    .flatMap((a) => a!.models.filter((m) => !findModel(m)));
}

function decideByCatalogIds(input: RouteInput): GuardedOutcome {
  const { request, config } = input;
  const estimate = estimateRequest(request, config, input.state);
  const reasons = estimateReasons(estimate);
  const named = request.model.trim();
  // Only a name with the tag needs the engines' raw names (gathering them on every request cost ~8 µs).
  const requested = LATEST_TAG.test(named) ? withoutLatestTag(named, rawEngineNames(input.availability)) : named;
  if (requested !== '' && requested.toLowerCase() !== 'auto') {
    return { outcome: decideOverride(input, requested, estimate.score, reasons), cloudBlock: null };
  }
  const tools = requestUsesTools(request);
  const usable = usableCandidates(input, tools, reasons);
  if (!usable.ok) return { outcome: usable, cloudBlock: usable.blocked };
  const { locals, clouds, blocked, need, tooSmall } = usable;
  const want = desiredRoute(estimate.score, estimate.level, input, reasons);
  const wantTooSmall = ladderOf(input, want).some((m) => tooSmall.has(m));
  const chain = dedupeCandidates(candidateChain(input, { want, locals, clouds, blocked, tools, wantTooSmall }, reasons));
  const primary = chain[0];
  if (!primary)
    return {
      outcome: { ok: false, error: { type: 'no_model_available', message: nothingAvailableMessage(blocked) } },
      cloudBlock: blocked,
    };
  if (tooSmall.size > 0 && (want !== 'cloud' || blocked !== null)) {
    reasons.push(`${describeNeed(need)} > ${describeWindows(tooSmall)} → ${primary.model}`);
  }
  const capped = answerCap(request, need, primary, input.availability);
  if (capped) reasons.push(capped);
  return {
    outcome: { ok: true, decision: { ...primary, complexity: estimate.score, reasons, fallbacks: chain.slice(1) } },
    cloudBlock: blocked,
  };
}

/** The models of one rung of the tier's ladder (none for the cloud). */
function ladderOf(input: RouteInput, r: Route): readonly string[] {
  return r === 'cloud' ? [] : (tierLadders[input.tier].routes[r] ?? []);
}

/** Ladder strength of a route: small < medium < large < cloud. */
function strength(r: Route): number {
  return r === 'cloud' ? 3 : localRoutesWeakToStrong.indexOf(r);
}

/** The local candidates that can take the request (tools, context) and whether the cloud can, or the refusal. */
type Usable =
  | {
      ok: true;
      locals: RouteCandidate[];
      /** The cloud candidates that can take it, first choice first (empty when `blocked`). */
      clouds: RouteCandidate[];
      blocked: CloudBlock | null;
      need: ContextNeed;
      tooSmall: Map<string, number>;
    }
  | { ok: false; error: { type: ErrorType; message: string; details?: ErrorDetails }; blocked: CloudBlock | null };

/** Filter the candidates by tools, structured output and context fit; refuse when neither a local model nor the cloud can take it. */
function usableCandidates(input: RouteInput, tools: boolean, reasons: string[]): Usable {
  const { request } = input;
  let blocked = cloudBlock(input);
  let clouds = blocked === null ? availableClouds(input.config, input.availability) : [];
  let locals = localCandidates(input);
  if (tools) {
    const capable = locals.filter((c) => toolCapable(c, input.availability));
    const cloudCapable = clouds.filter((c) => toolCapable(c, input.availability));
    const where = [...new Set(capable.map((c) => c.model)), ...cloudCapable.map((c) => c.model)];
    reasons.push(`tools requested → only models that can call tools (${where.length > 0 ? where.join(', ') : 'none available'})`);
    locals = capable;
    if (blocked === null && cloudCapable.length === 0) blocked = { kind: 'tools', reason: `${describeClouds(clouds)} cannot take tools` };
    clouds = blocked === null ? cloudCapable : [];
    if (locals.length === 0 && blocked !== null) {
      const localTools = toolModelNames().filter((m) => findModel(m)?.kind === 'local');
      const message =
        `No available model can call tools: the cloud is unavailable (${blocked.reason}) and no local tool-calling model ` +
        `(${localTools.join(', ')}) is running in an engine that passes tools (Ollama).`;
      return { ok: false, error: { type: 'no_model_available', message }, blocked };
    }
  }
  if (request.responseFormat) {
    const what = formatWords(request);
    const capable = locals.filter((c) => formatCapable(c, input.availability));
    const cloudCapable = clouds.filter((c) => formatCapable(c, input.availability));
    const where = [...new Set(capable.map((c) => `${c.model} on ${c.engine}`)), ...cloudCapable.map((c) => c.model)];
    reasons.push(`${what} requested → only engines that can enforce it (${where.length > 0 ? where.join(', ') : 'none available'})`);
    locals = capable;
    if (blocked === null && cloudCapable.length === 0)
      blocked = { kind: 'format', reason: `${describeClouds(clouds)} cannot enforce ${what}` };
    clouds = blocked === null ? cloudCapable : [];
    if (locals.length === 0 && blocked !== null) {
      const message =
        `No available engine can enforce ${what}: the cloud is unavailable (${blocked.reason}) and no local engine running a ` +
        'model can (llama.cpp, Ollama and OpenAI-compatible servers can).';
      return { ok: false, error: { type: 'no_model_available', message }, blocked };
    }
  }
  if (request.logprobs) {
    const only = logprobCandidates(input, locals, clouds, blocked, reasons);
    if (!only.ok) return only;
    ({ locals, clouds, blocked } = only);
  }
  // Context fit: a model whose window cannot hold the prompt and the answer's room is never given the request.
  const need = contextNeed(request, input.state?.tokens);
  const tooSmall = new Map<string, number>();
  locals = locals.filter((c) => {
    const window = contextOf(c, input.availability);
    if (window === undefined || need.total <= window) return true;
    if (!tooSmall.has(c.model)) tooSmall.set(c.model, window);
    return false;
  });
  const fitting = clouds.filter((c) => {
    const window = contextOf(c, input.availability);
    return window === undefined || need.total <= window;
  });
  const firstCloud = clouds[0];
  const cloudWindow = firstCloud && contextOf(firstCloud, input.availability);
  if (blocked === null && fitting.length === 0 && firstCloud && cloudWindow !== undefined) {
    blocked = { kind: 'context', reason: `${describeNeed(need)} > ${firstCloud.model}'s ${formatTokens(cloudWindow)}-token context` };
    tooSmall.set(firstCloud.model, cloudWindow);
  }
  clouds = blocked === null ? fitting : [];
  if (locals.length === 0 && blocked !== null && tooSmall.size > 0)
    return { ok: false, error: contextError(need, tooSmall, blocked.reason), blocked };
  return { ok: true, locals, clouds, blocked, need, tooSmall };
}

/** An engine that returns per-token log-probabilities (the embedded llama.cpp engine). */
function logprobsCapable(engine: EngineId, availability: Availability): boolean {
  return availability.engines[engine]?.logprobs === true;
}

/** The 400 for log-probabilities no candidate can return: it names the field and what does return them. */
function logprobsRefusal(what: string): { type: ErrorType; message: string; details: ErrorDetails } {
  return {
    type: 'invalid_request',
    message:
      `Invalid "logprobs": ${what} does not return token log-probabilities here. Only the embedded llama.cpp engine ` +
      'does (local models; "auto" picks one when it can); leave "logprobs" out for other models.',
    details: { param: 'logprobs' },
  };
}

/**
 * Log-probabilities asked for: only candidates on engines that return them; the cloud is off when none of its engines
 * does (kind 'logprobs'), and a request no candidate can serve is a 400 naming `logprobs`.
 */
function logprobCandidates(
  input: RouteInput,
  locals: RouteCandidate[],
  clouds: RouteCandidate[],
  blocked: CloudBlock | null,
  reasons: string[],
): { ok: true; locals: RouteCandidate[]; clouds: RouteCandidate[]; blocked: CloudBlock | null } | Extract<Usable, { ok: false }> {
  const capable = locals.filter((c) => logprobsCapable(c.engine, input.availability));
  const cloudCapable = clouds.filter((c) => logprobsCapable(c.engine, input.availability));
  const where = [...new Set(capable.map((c) => `${c.model} on ${c.engine}`)), ...cloudCapable.map((c) => c.model)];
  reasons.push(`log-probabilities requested → only engines that return them (${where.length > 0 ? where.join(', ') : 'none available'})`);
  let b = blocked;
  if (b === null && cloudCapable.length === 0 && clouds.length > 0)
    b = { kind: 'logprobs', reason: `${describeClouds(clouds)} does not return log-probabilities` };
  if (capable.length === 0 && cloudCapable.length === 0) {
    return { ok: false, error: logprobsRefusal(b ? `no model available now (${b.reason})` : 'no model available now'), blocked: b };
  }
  return { ok: true, locals: capable, clouds: b === null ? cloudCapable : [], blocked: b };
}

/** "claude-sonnet on anthropic" (the first choice; the others are named when several clouds are configured). */
function describeClouds(clouds: readonly RouteCandidate[]): string {
  return clouds.map((c) => `${c.model} on ${c.engine}`).join(', ');
}

/** The candidates in the order they are tried: the wanted rung, then stronger ones, the cloud if allowed, then weaker. */
function candidateChain(
  input: RouteInput,
  c: { want: Route; locals: RouteCandidate[]; clouds: RouteCandidate[]; blocked: CloudBlock | null; tools: boolean; wantTooSmall: boolean },
  reasons: string[],
): RouteCandidate[] {
  const { want, locals, blocked, clouds } = c;
  if (want === 'cloud') {
    if (blocked === null) return [...clouds, ...locals];
    if (locals.length > 0) reasons.push(`cloud disabled (${blocked.reason}) → best local model ${locals[0]!.model} instead`);
    return locals;
  }
  const same = locals.filter((l) => l.route === want);
  const stronger = locals.filter((l) => strength(l.route) > strength(want)).reverse(); // next rung up first
  const weaker = locals.filter((l) => strength(l.route) < strength(want));
  if (same.length === 0 && c.tools) {
    reasons.push(`no ${want} model that can call tools is available`);
  } else if (same.length === 0 && !c.wantTooSmall) {
    const missing = ladderOf(input, want).join(', ');
    reasons.push(`no ${want} model available (${missing || 'none in the ladder'} not installed or not running)`);
  }
  const chain = [...same, ...stronger, ...(blocked === null ? clouds : []), ...weaker];
  if (blocked?.kind === 'privacy') reasons.push(blocked.reason);
  if (same.length === 0 && chain[0] && !c.wantTooSmall) reasons.push(`→ ${chain[0].model} instead`);
  return chain;
}

/** Tokens a request needs in a model's context: its prompt (estimated, on the high side) and the answer's room. */
export interface ContextNeed {
  input: number;
  answer: number;
  total: number;
}

/** What `request` needs: the estimated prompt (all turns, template overhead) plus max_tokens or the minimum answer. */
export function contextNeed(request: ChatRequest, tokens?: TokenCache): ContextNeed {
  const inputTokens = estimateRequestTokens(request, tokens);
  const answer = answerBudget(request);
  return { input: inputTokens, answer, total: inputTokens + answer };
}

/**
 * The context window of `model` on `engine`: what the engine reports (the embedded engine reads it from the GGUF
 * and its own context cap), else the catalog's, else undefined (a raw Ollama tag: not checked here).
 */
export function contextOf(c: { model: string; engine: EngineId }, availability: Availability): number | undefined {
  const reported = availability.engines[c.engine]?.contextLengths?.[c.model];
  return reported ?? findModel(c.model)?.contextLength;
}

/** The reason when max_tokens asks for more than the chosen model's context leaves (the engine caps the answer). */
function answerCap(request: ChatRequest, need: ContextNeed, c: RouteCandidate, availability: Availability): string | null {
  const asked = request.params.maxTokens;
  const window = contextOf(c, availability);
  if (asked === undefined || window === undefined || need.input + asked <= window) return null;
  return (
    `max_tokens ${formatTokens(asked)} > the ~${formatTokens(window - need.input)} tokens ${c.model}'s ` +
    `${formatTokens(window)}-token context leaves after the input → the answer is capped there`
  );
}

/** "input ~2,900 tokens + 256 for the answer". */
function describeNeed(need: ContextNeed): string {
  return `input ~${formatTokens(need.input)} tokens + ${formatTokens(need.answer)} for the answer`;
}

/** "tinyllama's 2,048-token context, phi2's 2,048": smallest first, the weaker rung first among equals. */
function describeWindows(windows: ReadonlyMap<string, number>): string {
  // Entries arrive strongest rung first (the order of the local candidates): reversed, then sorted (stable) by size.
  return [...windows]
    .reverse()
    .sort((a, b) => a[1] - b[1])
    .map(([m, n], i) => (i === 0 ? `${m}'s ${formatTokens(n)}-token context` : `${m}'s ${formatTokens(n)}`))
    .join(', ');
}

/** The refusal when no usable model's context holds the request: names the size, the limits and what to do. */
function contextError(need: ContextNeed, windows: ReadonlyMap<string, number>, blocked: string) {
  const largest = Math.max(...windows.values());
  return {
    type: 'context_length_exceeded' as const,
    message:
      `The request does not fit the context of any available model: the input is ~${formatTokens(need.input)} tokens and ` +
      `the answer needs room for ${formatTokens(need.answer)} more (~${formatTokens(need.total)} in all), but the largest ` +
      `context is ${formatTokens(largest)} tokens (${describeWindows(windows)}), and the cloud is unavailable (${blocked}). ` +
      'Shorten the input or the conversation, or lower max_tokens.',
    details: { param: 'messages', value: `~${need.total} tokens` },
  };
}

function nothingAvailableMessage(blocked: CloudBlock | null): string {
  return (
    'No model can answer: no local model is installed or running (pull one with `hybrid-ai models pull tinyllama`, start Ollama, ' +
    `or set HYBRID_AI_LOCAL_MODEL to a GGUF file) and the cloud is unavailable (${blocked?.reason ?? 'unknown reason'}).`
  );
}

/**
 * Every model name that would answer now, for error messages (the same names /v1/models lists): "auto", the catalog's
 * models an engine serves (local, then the configured clouds'), then the names a local engine offers beyond the catalog
 * (an Ollama tag, the HYBRID_AI_LOCAL_MODEL file's name).
 */
export function validModelNames(availability: Availability): string[] {
  const up = Object.entries(availability.engines).filter(([, e]) => e?.ok === true) as Array<[EngineId, { models: string[] }]>;
  const served = (id: string) => up.some(([, e]) => e.models.includes(id));
  // Raw ids (no catalog entry) of local engines, and of the OpenAI-compatible cloud the user set up (its own list is
  // what they call it by); OpenAI's and Gemini's raw ids stay out (their catalog ids name them).
  const raw = up
    .filter(([e]) => e === 'cloud-compat' || !cloudEngineIds.includes(e))
    .flatMap(([, e]) => e.models.filter((m) => !findModel(m)));
  return [...new Set(['auto', ...localModels.map((m) => m.id).filter(served), ...cloudModels.map((m) => m.id).filter(served), ...raw])];
}

/** The error a caller-named cloud model gets when the cloud is off: the caller's or the owner's choice is forbidden. */
const refusalType: Record<CloudBlockKind, ErrorType> = {
  'local-only': 'forbidden',
  'request-local': 'forbidden',
  schedule: 'forbidden',
  privacy: 'forbidden',
  budget: 'rate_limited',
  logprobs: 'invalid_request',
  unavailable: 'no_model_available',
  tools: 'no_model_available',
  format: 'no_model_available',
  context: 'no_model_available',
};

function decideOverride(input: RouteInput, requested: string, score: number, reasons: string[]): RouteOutcome {
  const { availability } = input;
  const entry = findModel(requested);
  // A raw id another cloud lists (an OpenAI-compatible cloud's models, a GPT id the catalog lacks) goes to that cloud.
  const listedBy = cloudEngineIds.find((e) => availability.engines[e]?.ok && availability.engines[e]?.models.includes(requested));
  const cloudEngine = entry
    ? entry.kind === 'cloud'
      ? cloudEngineForModel(entry.id)
      : undefined
    : (cloudEngineForModel(requested) ?? listedBy);
  const isCloud = cloudEngine !== undefined;
  const tools = requestUsesTools(input.request);
  // A raw Ollama tag's abilities are unknown here: Ollama itself refuses tools for a model that lacks them.
  if (tools && (entry || isCloud) && !modelSupportsTools(requested)) {
    const valid = toolModelNames();
    return {
      ok: false,
      error: {
        type: 'invalid_request',
        message: `Model "${requested}" cannot call tools. Models that can: ${valid.join(', ')} (or "auto", which picks one).`,
        details: { param: 'model', value: requested, valid },
      },
    };
  }
  if (cloudEngine !== undefined) return decideCloudOverride(input, requested, entry?.id ?? requested, cloudEngine, score, reasons);
  return decideLocalOverride(input, requested, entry, tools, score, reasons);
}

/**
 * A named cloud model whose own cloud is down while other clouds are up: say which cloud that is and which are configured
 * ("… is a Claude model and Claude is unavailable: no Claude API key configured; configured clouds: openai, gemini …").
 * Null when no other cloud is up (the plain "the cloud is unavailable" then says it all).
 */
function otherCloudsMessage(input: RouteInput, requested: string, engine: EngineId, reason: string): string | null {
  const own = providerOf(engine);
  const up = [
    ...new Set(
      cloudEngineIds
        .filter((e) => e !== engine && input.availability.engines[e]?.ok === true)
        .map((e) => providerOf(e))
        .filter((p) => p !== undefined && p !== own),
    ),
  ];
  if (up.length === 0) return null;
  const name = own ? providerNames[own] : 'its cloud';
  return (
    `Model "${requested}" is a ${name} model and ${name} is unavailable: ${reason}; configured clouds: ${up.join(', ')}` +
    ` — name one of their models or use "auto".`
  );
}

/** A cloud model named by the caller: refused when its cloud is blocked or cannot honour the request, else that model. */
function decideCloudOverride(
  input: RouteInput,
  requested: string,
  model: string,
  cloudEngine: EngineId,
  score: number,
  reasons: string[],
): RouteOutcome {
  const { availability } = input;
  if (input.request.logprobs && !logprobsCapable(cloudEngine, availability)) {
    return { ok: false, error: logprobsRefusal(`model "${requested}" (on ${cloudEngine})`) };
  }
  if (input.request.responseFormat && !formatCapable({ route: 'cloud', model: requested, engine: cloudEngine }, availability)) {
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        message: `Model "${requested}" cannot be made to answer with ${formatWords(input.request)} here; choose "auto".`,
      },
    };
  }
  const blocked = cloudBlock(input, { route: 'cloud', model, engine: cloudEngine });
  if (blocked !== null) {
    const message = blocked.kind === 'unavailable' ? otherCloudsMessage(input, requested, cloudEngine, blocked.reason) : null;
    return {
      ok: false,
      error: {
        type: refusalType[blocked.kind],
        message: message ?? `Model "${requested}" is a cloud model and the cloud is unavailable: ${blocked.reason}.`,
        details: { kind: blocked.kind },
      },
    };
  }
  const tooBig = overrideContextError(input, model, cloudEngine);
  if (tooBig) return { ok: false, error: tooBig };
  reasons.push(`model "${requested}" requested by the caller`);
  if (input.request.responseFormat) reasons.push(`${formatWords(input.request)} requested → enforced by ${enforcer(cloudEngine)}`);
  return { ok: true, decision: { route: 'cloud', model, engine: cloudEngine, complexity: score, reasons, fallbacks: [] } };
}

/** A local model named by the caller: the engines that run it and can take the request, or why none can. */
function decideLocalOverride(
  input: RouteInput,
  requested: string,
  entry: ReturnType<typeof findModel>,
  tools: boolean,
  score: number,
  reasons: string[],
): RouteOutcome {
  const { availability, config } = input;
  const model = entry?.id ?? requested;
  const route: Route = entry && entry.kind === 'local' ? entry.routes[entry.routes.length - 1]! : 'medium';
  const all = enginesFor(model, availability, config.localEnginePreference);
  const withTools = tools ? all.filter((e) => availability.engines[e]?.tools === true) : all;
  const format = input.request.responseFormat !== undefined;
  const formatted = format ? withTools.filter((e) => availability.engines[e]?.structuredOutput === true) : withTools;
  const engines = input.request.logprobs ? formatted.filter((e) => logprobsCapable(e, availability)) : formatted;
  if (formatted.length > 0 && engines.length === 0) {
    return { ok: false, error: logprobsRefusal(`model "${model}" (on ${formatted.join(', ')})`) };
  }
  if (format && withTools.length > 0 && formatted.length === 0) {
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        message: `Model "${model}" runs here only on engines that cannot enforce ${formatWords(input.request)} (${withTools.join(', ')}); choose "auto".`,
      },
    };
  }
  if (tools && all.length > 0 && withTools.length === 0) {
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        // A name beyond the catalog (the HYBRID_AI_LOCAL_MODEL file) has no known tool calling to speak of.
        message: entry
          ? `Model "${model}" can call tools, but the engine running it here (${all.join(', ')}) does not pass tools; run it in Ollama, or choose "auto".`
          : `Model "${model}" runs here only on ${all.join(', ')}, which does not pass tools; name a model that can call tools, or choose "auto".`,
      },
    };
  }
  if (engines.length === 0) {
    if (!entry) {
      const valid = validModelNames(availability);
      return {
        ok: false,
        error: {
          type: 'not_found',
          message: `Unknown model "${requested}". Valid models: ${valid.join(', ')}.`,
          details: { param: 'model', value: requested, valid },
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
  // The caller insisted on this model: one that cannot hold the request is a clear 400, never a truncated input.
  const fitting = engines.filter((e) => overrideContextError(input, model, e) === null);
  if (fitting.length === 0) return { ok: false, error: overrideContextError(input, model, engines[0]!)! };
  reasons.push(`model "${requested}" requested by the caller`);
  if (format) reasons.push(`${formatWords(input.request)} requested → enforced by ${fitting[0]} (constrained decoding)`);
  const [first, ...rest] = fitting.map((engine) => ({ route, model, engine }));
  const capped = answerCap(input.request, contextNeed(input.request, input.state?.tokens), first!, availability);
  if (capped) reasons.push(capped);
  return { ok: true, decision: { ...first!, complexity: score, reasons, fallbacks: rest } };
}

/** How a cloud enforces a JSON schema, in a reason's words. */
function enforcer(engine: EngineId): string {
  return engine === 'anthropic' ? 'Claude with a forced tool call' : `${providerNames[providerOf(engine) ?? 'compat']}'s structured output`;
}

/** The 400 for a caller-picked model whose context cannot hold the request on `engine`, or null when it fits. */
function overrideContextError(input: RouteInput, model: string, engine: EngineId) {
  const window = contextOf({ model, engine }, input.availability);
  const need = contextNeed(input.request, input.state?.tokens);
  if (window === undefined || need.total <= window) return null;
  return {
    type: 'context_length_exceeded' as const,
    message:
      `Model "${model}" has a ${formatTokens(window)}-token context here, and this request needs ~${formatTokens(need.total)} ` +
      `(input ~${formatTokens(need.input)} tokens + ${formatTokens(need.answer)} for the answer). Shorten the input or the ` +
      'conversation, lower max_tokens, or use model "auto" to pick a model whose context fits.',
    details: { param: 'messages', value: `~${need.total} tokens` },
  };
}

/** What an embedding request may use: engines that can embed, in local preference order. */
export interface EmbedRouteInput {
  model: string;
  tier: Tier;
  availability: Availability;
  /** Engines that implement embeddings (and are configured), any order. */
  embedEngines: readonly EngineId[];
  preference: readonly EngineId[];
}

export type EmbedRouteOutcome =
  | { ok: true; model: string; engine: EngineId; reason: string }
  | { ok: false; error: { type: ErrorType; message: string; details?: ErrorDetails } };

/**
 * Which local model and engine compute embeddings. "auto" takes the tier's weakest available rung (the cheapest
 * vectors; any model's hidden state embeds, and one model per app keeps its vectors comparable); a name must be a
 * local model (or an engine's own name) on an engine that can embed. Claude has no embeddings API.
 */
export function decideEmbedding(input: EmbedRouteInput): EmbedRouteOutcome {
  const { availability } = input;
  const preference = input.preference.filter((e) => input.embedEngines.includes(e));
  const servable = (model: string): EngineId[] => enginesFor(model, availability, preference);
  const rawNames = preference
    .flatMap((e) => (availability.engines[e]?.ok ? availability.engines[e].models : []))
    .filter((m) => !findModel(m));
  const valid = ['auto', ...localModels.map((m) => m.id).filter((m) => servable(m).length > 0), ...new Set(rawNames)];
  const requested = withoutLatestTag(input.model.trim(), rawNames);
  if (requested === '' || requested.toLowerCase() === 'auto') {
    const ladder = tierLadders[input.tier].routes;
    const order = [...localRoutesWeakToStrong.flatMap((r) => ladder[r] ?? []), ...localModels.map((m) => m.id)];
    for (const model of order) {
      const engine = servable(model)[0];
      if (engine) {
        const served = servedName(model, engine, availability);
        return { ok: true, model: served, engine, reason: `"auto" embeds with the smallest available local model, ${served}` };
      }
    }
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        message:
          input.embedEngines.length === 0
            ? 'No engine here can compute embeddings (the embedded llama.cpp engine and Ollama can; Claude cannot).'
            : 'No local model is available to compute embeddings: set HYBRID_AI_LOCAL_MODEL, pull a model, or start Ollama.',
      },
    };
  }
  const entry = findModel(requested);
  if (entry?.kind === 'cloud' || (!entry && /^claude-/i.test(requested))) {
    return {
      ok: false,
      error: {
        type: 'invalid_request',
        message: `Model "${requested}" cannot compute embeddings (Claude has no embeddings API). Valid: ${valid.join(', ')}.`,
        details: { param: 'model', value: requested, valid },
      },
    };
  }
  const model = entry?.id ?? requested;
  const engine = servable(model)[0];
  if (engine)
    return { ok: true, model: servedName(model, engine, availability), engine, reason: `model "${requested}" requested by the caller` };
  if (entry) {
    return {
      ok: false,
      error: {
        type: 'no_model_available',
        message: `Model "${model}" is not available to an engine that can embed. Pull it with \`hybrid-ai models pull ${model}\`, or choose "auto".`,
      },
    };
  }
  return {
    ok: false,
    error: {
      type: 'not_found',
      message: `Unknown model "${requested}". Valid models for embeddings: ${valid.join(', ')}.`,
      details: { param: 'model', value: requested, valid },
    },
  };
}

/** Whether the cloud route can answer now and, when not, why (the UI shows this instead of working it out itself). */
export interface CloudStatus {
  available: boolean;
  /** Why not, typed (null when available). */
  kind: CloudBlockKind | null;
  /** Why not, in words (null when available). */
  reason: string | null;
  /** The cloud that would answer first (null when none can). */
  engine: EngineId | null;
  model: string | null;
}

/**
 * The cloud route's state for a request that is not yet written: local-only mode, the schedule, each configured cloud
 * being up, and the budget (the privacy guard and a request's tools or size are judged per request).
 */
export function cloudStatus(input: Omit<RouteInput, 'request'>): CloudStatus {
  const full: RouteInput = { ...input, request: { model: 'auto', messages: [], params: {} } };
  const blocked = cloudBlock(full);
  if (blocked) return { available: false, kind: blocked.kind, reason: blocked.reason, engine: null, model: null };
  const first = availableClouds(input.config, input.availability)[0]!;
  return { available: true, kind: null, reason: null, engine: first.engine, model: first.model };
}
