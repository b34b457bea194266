// Conversation-aware complexity: a follow-up inherits the level of the task it continues; thanks and new topics are judged alone.
import type { ChatMessage } from '../contracts/chat.js';
import { acknowledgementPattern, backReferences, continuationOpeners } from '../data/conversation-cues.js';
import { levelOf, type ComplexityEstimate, type ComplexityLevel, type ComplexityThresholds } from './complexity.js';

/** How the last user turn relates to the conversation before it. */
export type TurnKind = 'acknowledgement' | 'follow-up' | 'new-topic';

/** The estimate of a whole conversation: the last turn's, raised to the task it continues when it is a follow-up. */
export interface ConversationEstimate extends ComplexityEstimate {
  /** 'alone' when there is no earlier user turn. */
  kind: TurnKind | 'alone';
  /** The last user turn scored on its own. */
  turn: ComplexityEstimate;
}

/** Scores one turn's text (estimateLearned or estimateComplexity with the configured thresholds). */
export type TurnEstimator = (text: string) => ComplexityEstimate;

/**
 * Score lost per user turn of distance between a follow-up and the task it continues. why: a cloud-grade task
 * (typically 0.7-0.85) keeps its follow-ups in the cloud for 2-5 turns at the 0.6 threshold and medium for about six
 * more, so a conversation that drifted to small talk drifts down, one explained step at a time, instead of flapping.
 */
const DECAY_PER_TURN = 0.05;
/**
 * Earlier user turns read at most. why: with the decay above a turn eight back has lost 0.35, more than a whole band,
 * so older turns cannot change the decision; the bound also caps the work (eight cached estimates) per decision.
 */
const MAX_LOOKBACK = 8;
/** why: "why?", "more examples", "the second one": three words or fewer cannot state a new task of their own. */
const BARE_FOLLOW_UP_WORDS = 3;
/**
 * why: up to six words ("explain the time complexity", "summarize the main points") a turn often leans on the one
 * before without a cue word; it counts as new only when the estimator is sure of it alone ("What is the capital of France?").
 */
const SHORT_FOLLOW_UP_WORDS = 6;
/**
 * why 0.7, on the small or cloud probability only: the learned estimator's probabilities are calibrated, so a short
 * routine ask is plainly "medium" (P 0.8) whether or not it leans on the turn before ("explain the time complexity");
 * what a short turn can be sure of alone is being trivial ("What is the capital of France?": P(small) 0.78) or hard.
 */
const CONFIDENT_PROB = 0.7;
/** why: without probabilities, a score within 0.1 of a threshold (a third of a band) is one the estimator is unsure of. */
const CONFIDENT_MARGIN = 0.1;
/** why: a back-reference ("this", "your code") in the first six words is where a follow-up names its object. */
const BACK_REFERENCE_WINDOW_WORDS = 6;
/** why: past 30 words a turn usually carries its own material (pasted text, a full spec), so it stands alone. */
const BACK_REFERENCE_MAX_WORDS = 30;
/** why: acknowledgements are a few words; a long turn that happens to start with "ok" is not one. */
const ACK_MAX_CHARS = 60;

/** The first `n` words of `text` (cheap: stops scanning once it has them) and whether there were more. */
function firstWords(text: string, n: number): { words: string[]; more: boolean } {
  const words: string[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (words.length === n) return { words, more: true };
    words.push(m[0]);
  }
  return { words, more: false };
}

/**
 * Classify one user turn. The heuristic, in order: a whole turn of thanks/ok/greeting is an acknowledgement; a turn
 * that opens with a continuation cue ("now", "and", "why", "make it"), has three words or fewer, points back in its
 * first words ("this", "your code"), or is short (six words or fewer) and not scored confidently on its own, is a
 * follow-up; anything else is a self-contained new request. `confident`: the estimator is sure of the turn's band
 * alone (see {@link isConfident}); "What is the capital of France?" is, "Explain the time complexity" is not.
 */
export function classifyTurn(text: string, confident: boolean): TurnKind {
  const t = text.trim();
  if (t.length <= ACK_MAX_CHARS && acknowledgementPattern.test(t)) return 'acknowledgement';
  if (continuationOpeners.test(t)) return 'follow-up';
  const head = firstWords(t, BACK_REFERENCE_MAX_WORDS);
  if (!head.more && head.words.length <= BARE_FOLLOW_UP_WORDS) return 'follow-up';
  if (!head.more && backReferences.test(head.words.slice(0, BACK_REFERENCE_WINDOW_WORDS).join(' '))) return 'follow-up';
  if (!head.more && head.words.length <= SHORT_FOLLOW_UP_WORDS && !confident) return 'follow-up';
  return 'new-topic';
}

/**
 * Whether the estimator is sure of a turn's band on its own: its small or cloud probability when it gives them (the
 * learned estimator), else the score's distance from the nearest threshold.
 */
export function isConfident(e: ComplexityEstimate, thresholds: ComplexityThresholds): boolean {
  const probs = (e as { probs?: unknown }).probs;
  if (Array.isArray(probs) && probs.length > 0 && probs.every((p) => typeof p === 'number'))
    return (probs[0] as number) >= CONFIDENT_PROB || (probs[probs.length - 1] as number) >= CONFIDENT_PROB;
  return Math.min(Math.abs(e.score - thresholds.medium), Math.abs(e.score - thresholds.cloud)) >= CONFIDENT_MARGIN;
}

/** why: a few hundred turns covers every recent conversation of a busy server at a few hundred KB. */
const TURN_CACHE_ENTRIES = 512;
/** why: turns longer than this (pasted documents) are re-scored rather than held in memory (at most 512 × 8K chars, 8 MB). */
const TURN_CACHE_MAX_CHARS = 8_192;

/**
 * Per-turn estimates by estimator and thresholds, so a long chat does not re-score its history on every turn. Owned
 * by the caller (the composition root keeps one for the process; a call given none scores every turn afresh).
 */
export class TurnCache {
  readonly byKey = new Map<string, Map<string, ComplexityEstimate>>();
}

/** `estimate(text)`, remembered under `cacheKey` (the estimator and its thresholds) in a small LRU. */
function cachedEstimate(turns: TurnCache, cacheKey: string, estimate: TurnEstimator, text: string): ComplexityEstimate {
  if (text.length > TURN_CACHE_MAX_CHARS) return estimate(text);
  let cache = turns.byKey.get(cacheKey);
  if (!cache) turns.byKey.set(cacheKey, (cache = new Map()));
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const e = estimate(text);
  cache.set(text, e);
  if (cache.size > TURN_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return e;
}

const grade = (level: ComplexityLevel): string => `${level}-grade`;

/**
 * The estimate for a conversation. The last user turn is scored alone; when it is a follow-up, it takes the level of
 * the hardest earlier substantive user turn of the same task (acknowledgements skipped; the scan stops at the
 * turn that opened the task, i.e. the latest self-contained one), less {@link DECAY_PER_TURN} per turn of distance, if
 * that is higher. An acknowledgement or a new request is judged alone, and the reasons say so whenever the earlier
 * task would have ranked higher, so a change of tier inside a conversation always comes with its reason.
 */
export function estimateConversation(
  messages: readonly ChatMessage[],
  estimate: TurnEstimator,
  thresholds: ComplexityThresholds,
  cacheKey: string,
  turns: TurnCache = new TurnCache(),
): ConversationEstimate {
  const users: string[] = [];
  for (const m of messages) if (m.role === 'user' && m.content.trim() !== '') users.push(m.content);
  const current = users.at(-1) ?? '';
  const turn = cachedEstimate(turns, cacheKey, estimate, current);
  if (users.length <= 1) return { ...turn, kind: 'alone', turn };

  const kind = classifyTurn(current, isConfident(turn, thresholds));
  let best: { score: number; level: ComplexityLevel; distance: number } | undefined;
  const last = users.length - 1;
  for (let k = last - 1; k >= Math.max(0, last - MAX_LOOKBACK); k--) {
    const text = users[k]!;
    const e = cachedEstimate(turns, cacheKey, estimate, text);
    const cls = classifyTurn(text, isConfident(e, thresholds));
    if (cls === 'acknowledgement') continue;
    const distance = last - k;
    const score = Math.round(Math.max(0, e.score - DECAY_PER_TURN * (distance - 1)) * 1000) / 1000;
    if (!best || score > best.score) best = { score, level: e.level, distance };
    if (cls === 'new-topic') break;
  }
  if (!best || best.score <= turn.score) return { ...turn, kind, turn };

  const back = `${best.distance} turn${best.distance === 1 ? '' : 's'} back`;
  if (kind !== 'follow-up') {
    const why =
      kind === 'acknowledgement'
        ? `acknowledgement → judged alone, not as the ${grade(best.level)} task before it (${back})`
        : `new request (self-contained, no reference to earlier turns) → judged on its own, not as the ${grade(best.level)} task ${back}`;
    return { ...turn, kind, turn, reasons: [why, ...turn.reasons] };
  }
  const level = levelOf(best.score, thresholds);
  return {
    score: best.score,
    level,
    kind,
    turn,
    reasons: [
      `follow-up of a ${grade(best.level)} task (${back}, complexity ${best.score.toFixed(2)}${best.distance > 1 ? ` after a decay of ${DECAY_PER_TURN} a turn` : ''}): ${level} band`,
      `this turn alone: complexity ${turn.score.toFixed(2)} (${turn.level} band)`,
    ],
  };
}
