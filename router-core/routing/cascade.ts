// Cascade on confidence: which request starts on a cheaper rung, and whether a finished local answer is good enough to keep.
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteCandidate, RouteDecision } from '../contracts/decision.js';
import type { FinishReason } from '../contracts/stream.js';

/** Cascade settings (Settings: cascade.*; a request may switch it on or off for itself). */
export interface CascadeConfig {
  enabled: boolean;
  /**
   * Answers whose mean token log-probability is below this are weak.
   * why: −1.5 nats ≈ a geometric-mean token probability of 0.22. Fluent answers from 1-8B chat models measure
   * about −0.2 to −1.0; answers a model is guessing at (unknown facts, garbled maths, another language) fall
   * well below −1.5, and a model with random weights measures about −5.
   */
  minMeanLogprob: number;
  /**
   * A cloud decision whose score is less than this above the cloud threshold is "unsure": the best local model
   * answers first and the cloud only if that answer is weak. why: 0.15 is half the default medium band; the
   * surest cloud signals (proofs, letter counts) score far above it and go straight to the cloud.
   */
  unsureMargin: number;
}

export const defaultCascadeConfig: CascadeConfig = { enabled: false, minMeanLogprob: -1.5, unsureMargin: 0.15 };

/** How a cascaded request runs: `first` answers (held back), `escalateTo` answers instead when it is weak. */
export interface CascadePlan {
  first: RouteCandidate;
  escalateTo: RouteCandidate[];
  /** 'try-local': the router wanted the cloud but was unsure; 'verify': the router chose this local rung. */
  mode: 'try-local' | 'verify';
  reason: string;
}

const strength = (c: RouteCandidate): number => ['small', 'medium', 'large', 'cloud'].indexOf(c.route);

/**
 * Plan a cascade for a routed request, or null when it should run as decided.
 * Only `auto` requests cascade (a model chosen by name is what the caller wants), and never with tools (a tool
 * call cannot be held back and judged as text).
 */
export function planCascade(
  request: ChatRequest,
  decision: RouteDecision,
  cloudThreshold: number,
  config: CascadeConfig,
): CascadePlan | null {
  if (!config.enabled) return null;
  const requested = request.model.trim().toLowerCase();
  if (requested !== '' && requested !== 'auto') return null;
  if ((request.tools?.length ?? 0) > 0) return null;
  // The answer's log-probabilities must be those of the model that answers, from an engine that returns them.
  if (request.logprobs) return null;
  const chain = [decision as RouteCandidate, ...decision.fallbacks];
  if (decision.route === 'cloud') {
    if (decision.complexity >= cloudThreshold + config.unsureMargin) return null;
    const local = decision.fallbacks.filter((c) => c.route !== 'cloud').sort((a, b) => strength(b) - strength(a))[0];
    if (!local) return null;
    return {
      first: local,
      escalateTo: [decision, ...decision.fallbacks.filter((c) => c !== local)],
      mode: 'try-local',
      reason: `cascade: unsure cloud case → ${local.model} answers first, the cloud only if that answer looks weak`,
    };
  }
  // A local decision: the next stronger rung (a bigger local model or the cloud) stands by.
  const stronger = chain.filter((c) => strength(c) > strength(decision)).sort((a, b) => strength(a) - strength(b));
  if (stronger.length === 0) return null;
  const rest = chain.filter((c) => c !== decision && !stronger.includes(c));
  return {
    first: decision,
    escalateTo: [...stronger, ...rest],
    mode: 'verify',
    reason: `cascade: ${decision.model} answers, checked before it is shown; ${stronger[0]!.model} if it looks weak`,
  };
}

/** A finished answer to judge. */
export interface AnswerCheck {
  text: string;
  finishReason: FinishReason;
  meanLogprob?: number;
  outputTokens: number;
}

export type AnswerVerdict = { ok: true } | { ok: false; reason: string };

/** Refusals and capability disclaimers at the start of an answer (checked on its first ~200 characters). */
const REFUSAL_RE =
  /^\W*(?:i'?m sorry,? but i (?:can(?:'|no)t|am unable|'?m unable)|i (?:can(?:'|no)t|am unable to|'?m unable to|'?m not able to|am not able to) (?:help|assist|answer|provide|do that|comply|complete)|as an ai(?: language model)?,? i (?:can(?:'|no)t|don'?t|do not|am unable)|i do(?: not|n'?t) (?:know|have (?:enough )?information)|unfortunately,? i (?:can(?:'|no)t|am unable|don'?t know))/i;
/** Asks that want the answer as JSON. */
const WANTS_JSON_RE =
  /\b(?:(?:respond|reply|answer|output|return|format|give (?:me )?(?:the|your) (?:answer|response|output))\w*\b[^.\n]{0,40}\b(?:as|in|with) (?:valid |a |an )?json\b|json (?:only|format|object|array)\b|only (?:valid )?json\b)/i;
/** why: even the shortest real answer ("yes", "4") is one token; zero tokens with some whitespace is a glitch. */
const MIN_OUTPUT_TOKENS = 1;

/** Does the request ask for JSON output? */
export function wantsJson(request: ChatRequest): boolean {
  return request.messages.some((m) => (m.role === 'user' || m.role === 'system') && WANTS_JSON_RE.test(m.content.slice(0, 4000)));
}

/** The JSON inside an answer: the whole text, or the body of its first ```json fence. */
function jsonBody(text: string): string {
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text);
  return (fence ? fence[1]! : text).trim();
}

/**
 * Is a finished (held-back) answer good enough to show? Weak when empty, cut off by the length limit, a refusal,
 * invalid JSON where JSON was asked for, or of low mean token log-probability.
 */
export function judgeAnswer(answer: AnswerCheck, request: ChatRequest, config: CascadeConfig): AnswerVerdict {
  const text = answer.text.trim();
  if (text === '' || answer.outputTokens < MIN_OUTPUT_TOKENS) return { ok: false, reason: 'empty answer' };
  // Every weakness found is named (a cut-off answer is often also a low-confidence one).
  const weak: string[] = [];
  if (answer.finishReason === 'length') weak.push('answer cut off at the length limit');
  if (REFUSAL_RE.test(text.slice(0, 200))) weak.push('the model declined or said it does not know');
  if (wantsJson(request)) {
    try {
      JSON.parse(jsonBody(text));
    } catch {
      weak.push('JSON was asked for and the answer is not valid JSON');
    }
  }
  if (answer.meanLogprob !== undefined && answer.meanLogprob < config.minMeanLogprob) {
    weak.push(`low confidence (mean token log-probability ${answer.meanLogprob.toFixed(2)} < ${config.minMeanLogprob})`);
  }
  return weak.length === 0 ? { ok: true } : { ok: false, reason: weak.join('; ') };
}
