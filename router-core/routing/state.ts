// What routing keeps between decisions, owned by the caller: working memory for the text walks and the caches across requests.
import { TurnCache } from './conversation.js';
import { LearnedScratch } from './learned.js';
import { PrivacyMemory, type PrivacyContext } from './privacy.js';
import type { Utf16WriterFactory } from './code-units.js';
import { TextScratch } from './text-index/scratch.js';
import { TokenCache } from './tokens.js';

/**
 * The routing state of one thread (decisions are synchronous, so one state serves every request in turn): the
 * composition root makes it once (server/wiring.ts) and passes it down in RouteInput; a decision given none makes a
 * fresh one, which decides the same, only without the caches.
 */
export interface RoutingState extends PrivacyContext {
  /** The estimators' working memory (it holds `text`, shared with the privacy guard). */
  learned: LearnedScratch;
  /** Per-turn estimates of recent conversations. */
  turns: TurnCache;
  /** Token estimates of recent long messages (context fit). */
  tokens: TokenCache;
}

/** A new routing state; `native` copies a string's code units natively (Node: routing-state.ts), else a loop does. */
export function createRoutingState(native?: Utf16WriterFactory): RoutingState {
  const text = new TextScratch(native);
  return { text, learned: new LearnedScratch(text), privacy: new PrivacyMemory(), turns: new TurnCache(), tokens: new TokenCache() };
}
