// Training examples for the learned router: a prompt, its tier under shared/eval/README.md's labelling principle, and the rule that decides it.

/** The three tiers of the labelling principle. */
export type Tier = 'small' | 'medium' | 'cloud';

/** One labelled training prompt. */
export interface Example {
  prompt: string;
  tier: Tier;
  /** Short category name (what kind of request). */
  category: string;
  /** Number of the labelling rule (shared/eval/README.md "Decision rules") that gives the label. */
  rule: string;
  /** Split unit: examples of one group go to the same side of the train/held-out split (a template family shares one). */
  group: string;
  /**
   * Its validation source: leave-one-source-out validation holds out one source at a time (set by dataset.ts: the
   * domain of a hand-written or template prompt, or a public set's name).
   */
  source?: string;
}

/** Hand-written prompts of one category, each its own split group. */
export function hand(category: string, rule: string, tier: Tier, prompts: readonly string[]): Example[] {
  return prompts.map((prompt, i) => ({ prompt, tier, category, rule, group: `${category}#${i}` }));
}
