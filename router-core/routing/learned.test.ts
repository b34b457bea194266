// Learned estimator: shipped weights load, decisions are deterministic and explained in words, and a fresh sample routes well.
import { describe, expect, it } from 'vitest';
import { defaultThresholds, type ComplexityLevel } from './complexity.js';
import { denseFeatureNames, estimateLearned, lexBuckets, ruleOverride, weights } from './learned.js';
import { extractFeatures } from './features.js';
import { analyseRules } from './complexity.js';

// Written for this test (not in scripts/training/), one or more per rule of the labelling principle.
const FRESH: ReadonlyArray<readonly [ComplexityLevel, string]> = [
  ['small', 'hiya, good to see you'],
  ['small', 'What is the capital of Norway?'],
  ['small', 'Give me an antonym for "brave".'],
  ['small', 'Translate "where is the museum" into Italian.'],
  ['small', 'What is 64 divided by 8?'],
  ['small', 'How do I print a list in reverse in Python?'],
  ['small', 'Is this headline about sports or politics? "Senate passes new farm bill"'],
  ['small', 'Write a haiku about a cactus.'],
  ['small', 'Who discovered gravity?'],
  ['small', 'Alphabetize: kiwi, apple, grape, banana'],
  ['medium', 'Write a friendly email inviting my neighbours to a garden party on Saturday.'],
  ['medium', 'Explain how a heat pump heats a house in winter.'],
  ['medium', 'Give me a recipe for a simple vegetable soup.'],
  ['medium', 'Write a Python function that returns the n most common words in a text.'],
  [
    'medium',
    'A baker uses 3 eggs per cake. She bakes 14 cakes on Monday and 9 on Tuesday. How many eggs does she use, and how many cartons of 12 must she buy?',
  ],
  ['medium', 'Write a short bedtime story about an owl who cannot sleep.'],
  ['medium', 'I want you to act as a fitness coach and plan my first week of strength training.'],
  ['medium', 'What are the pros and cons of working a four-day week?'],
  ['medium', 'Summarize the main arguments for and against school uniforms.'],
  ['medium', 'Write a limerick about a forgetful wizard, in all lowercase.'],
  ['cloud', 'Prove that the sum of the reciprocals of the primes diverges.'],
  ['cloud', 'How many times does the letter "e" appear in "excellence"?'],
  ['cloud', 'Write a 250-word essay about autumn without using the letter "a".'],
  ['cloud', 'Design a globally replicated payment ledger with exactly-once transfers and auditability.'],
  [
    'cloud',
    'My 80-year-old father takes amiodarone and was just prescribed simvastatin 40 mg. Is that dose safe with his heart medication?',
  ],
  ['cloud', 'Implement a Linux eBPF program that samples off-CPU time per process, with the user-space reader in Rust.'],
  ['cloud', 'How many ways can 10 identical balls be put into 4 distinct boxes so that no box is empty?'],
  [
    'cloud',
    'Three switches outside a closed room control three bulbs inside. You may enter the room once. How do you find which switch controls which bulb?',
  ],
  ['cloud', 'Write a literature review, with citations, on the effect of sleep deprivation on working memory.'],
  ['cloud', 'Write a sonnet in which every line begins with the letter M and no word repeats.'],
];
const RANK: Record<ComplexityLevel, number> = { small: 0, medium: 1, cloud: 2 };

describe('learned estimator: weights', () => {
  it('match the features of this build', () => {
    const w = weights();
    expect(w.features).toEqual([...denseFeatureNames]);
    expect(w.dense).toHaveLength(denseFeatureNames.length);
    expect(w.lex).toHaveLength(w.lexBuckets);
    expect(w.cuts[0]).toBeLessThan(w.cuts[1]);
  });

  it('record how they were trained, with a held-out result and the dev-overlap check', () => {
    const meta = weights().meta as { heldOut?: { learned?: { exact: number; under: number } }; trainingSet?: { prompts: number } };
    expect(meta.trainingSet?.prompts).toBeGreaterThan(1000);
    // why: the held-out fold of our own data (never the dev set) is the honest number; below 80% would be a regression.
    expect(meta.heldOut?.learned?.exact).toBeGreaterThanOrEqual(0.8);
    expect(meta.heldOut?.learned?.under).toBeLessThanOrEqual(0.1);
  });
});

describe('learned estimator: behaviour', () => {
  it('scores in [0,1], levels follow the thresholds, probabilities sum to 1', () => {
    for (const [, p] of FRESH) {
      const e = estimateLearned(p);
      expect(e.score).toBeGreaterThanOrEqual(0);
      expect(e.score).toBeLessThanOrEqual(1);
      expect(e.level).toBe(e.score >= defaultThresholds.cloud ? 'cloud' : e.score >= defaultThresholds.medium ? 'medium' : 'small');
      expect(e.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it('respects custom thresholds without changing the score', () => {
    const p = 'Explain how a heat pump heats a house in winter.';
    const base = estimateLearned(p);
    expect(estimateLearned(p, { medium: 0, cloud: 0 }).level).toBe('cloud');
    expect(estimateLearned(p, { medium: 1.01, cloud: 1.02 }).level).toBe('small');
    expect(estimateLearned(p, { medium: 0, cloud: 0 }).score).toBe(base.score);
  });

  it('explains itself in words, top contributions first, never echoing the prompt', () => {
    const secret = 'zebracorn-7731';
    for (const p of [`Summarize the ${secret} memo in two lines.`, `Prove that ${secret} is prime.`, ...FRESH.map(([, q]) => q)]) {
      const e = estimateLearned(p);
      expect(e.reasons[0]).toMatch(/^learned estimate: small \d+%, medium \d+%, cloud \d+%$/);
      expect(e.reasons.length).toBeGreaterThan(1);
      for (const r of e.reasons) {
        expect(r).not.toContain('zebracorn');
        expect(r.length).toBeLessThan(140);
      }
    }
    expect(estimateLearned('Prove that there are infinitely many twin-free gaps.').reasons.join(' ')).toMatch(
      /rule decides: asks for a proof/,
    );
  });

  it('lets high-precision rules override the model', () => {
    const f = (p: string) => analyseRules(extractFeatures(p));
    expect(ruleOverride(f('hello there!'))).toBe('small');
    expect(ruleOverride(f('How many letters are in "onomatopoeia"?'))).toBe('cloud');
    expect(ruleOverride(f('Write a poem about rain.'))).toBeNull();
    expect(estimateLearned('hello there!').level).toBe('small');
  });

  it('is deterministic', () => {
    for (const [, p] of FRESH.slice(0, 8)) expect(estimateLearned(p)).toEqual(estimateLearned(p));
  });

  it('hashes words into buckets deterministically, CJK by character', () => {
    expect(lexBuckets('the cat sat', 2048)).toEqual(lexBuckets('the cat sat', 2048));
    expect(lexBuckets('证明这个定理', 2048).length).toBeGreaterThan(5);
    expect(lexBuckets('a 1 ! ?', 2048)).toEqual([]);
  });

  // why: a sample written apart from the training data; 80% exact and ≤ 10% under-routed is the bar the issue sets.
  it('routes a fresh sample well: ≥ 80% exact, ≤ 10% under-routed', () => {
    let exact = 0;
    let under = 0;
    const misses: string[] = [];
    for (const [label, p] of FRESH) {
      const got = estimateLearned(p).level;
      if (got === label) exact++;
      else {
        if (RANK[got] < RANK[label]) under++;
        misses.push(`${label}→${got}: ${p.slice(0, 60)}`);
      }
    }
    expect(exact / FRESH.length, misses.join('\n')).toBeGreaterThanOrEqual(0.8);
    expect(under / FRESH.length, misses.join('\n')).toBeLessThanOrEqual(0.1);
  });

  it('stays fast on a 4,000-character prompt', () => {
    const long = `${'The committee reviewed the quarterly figures and the staffing plan in detail. '.repeat(52)}\n\nWhat is the main point?`;
    for (let i = 0; i < 200; i++) estimateLearned(long);
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) estimateLearned(long);
    const perCallUs = ((performance.now() - t0) / 500) * 1000;
    // why: the target is < 100 µs p99 (measured by npm run bench); 2 ms per call here only catches catastrophic
    // regressions without failing on a loaded CI machine.
    expect(perCallUs).toBeLessThan(2000);
  });
});
