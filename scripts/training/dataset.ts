// The router's training set: hand-written and template-generated prompts, deduplicated, with a deterministic group-aware train/held-out split.
import { existsSync, readFileSync } from 'node:fs';
import { cloudExamples } from './cloud.js';
import { detailedExamples } from './detailed.js';
import { mediumExamples } from './medium.js';
import { smallExamples } from './small.js';
import { templateExamples } from './templates.js';
import type { Example } from './types.js';

export type { Example, Tier } from './types.js';

/**
 * Weak-labelled public prompts written by scripts/training/import-public.ts (kept outside the repo: the sets'
 * licences and files stay theirs). Empty when the file is absent.
 */
export function publicExamples(path: string): Example[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Example & { source: string });
}

/**
 * The validation source of a hand-written or template prompt: its domain. why domains and not files: each file holds
 * one tier, so holding a file out would teach the model that its tier does not exist; a domain (code, math and
 * logic, writing, knowledge, chat and languages, long inputs) holds all three tiers, and holding one out asks what
 * the leave-one-source-out question asks: does the router hold on a kind of prompt it has never seen?
 */
export function domainOf(category: string): string {
  if (/code|algorithm|system_design/.test(category)) return 'hand:code';
  if (/math|arithmetic|proof|logic|probability|tricky/.test(category)) return 'hand:math-logic';
  if (/long_input|with_context|synthesis/.test(category)) return 'hand:long-input';
  if (/non_english|translation|chitchat|casual|classification/.test(category)) return 'hand:chat-language';
  if (/writing|constrain|char_level|email|creative|rewrite|formatting|roleplay/.test(category)) return 'hand:writing';
  return 'hand:knowledge';
}

const tag = (xs: readonly Example[]): Example[] => xs.map((e) => ({ ...e, source: domainOf(e.category) }));

/**
 * Every training example, exact duplicates (after whitespace/case folding) removed, in a fixed order, each tagged with
 * its validation source (domainOf for our own prompts, the set's name for public ones); `extra` come last.
 */
export function trainingSet(extra: readonly Example[] = []): Example[] {
  const seen = new Set<string>();
  const out: Example[] = [];
  for (const e of [
    ...tag(smallExamples),
    ...tag(mediumExamples),
    ...tag(cloudExamples),
    ...tag(detailedExamples),
    ...tag(templateExamples()),
    ...extra,
  ]) {
    const key = e.prompt.toLowerCase().replace(/\s+/g, ' ').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** FNV-1a of a string (deterministic split key). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Held-out side of the split: a group goes there when its hash falls in bucket `fold` of `folds`.
 * why: a template family or ask phrasing is one group, so the held-out side tests wording the model never saw.
 */
export function isHeldOut(e: Example, fold = 0, folds = 5): boolean {
  return fnv1a(e.group) % folds === fold;
}
