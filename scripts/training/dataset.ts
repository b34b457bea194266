// The router's training set: hand-written and template-generated prompts, deduplicated, with a deterministic group-aware train/held-out split.
import { cloudExamples } from './cloud.js';
import { detailedExamples } from './detailed.js';
import { mediumExamples } from './medium.js';
import { smallExamples } from './small.js';
import { templateExamples } from './templates.js';
import type { Example } from './types.js';

export type { Example, Tier } from './types.js';

/** Every training example, exact duplicates (after whitespace/case folding) removed, in a fixed order. */
export function trainingSet(): Example[] {
  const seen = new Set<string>();
  const out: Example[] = [];
  for (const e of [...smallExamples, ...mediumExamples, ...cloudExamples, ...detailedExamples, ...templateExamples()]) {
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
