// Learned estimator: shipped weights load, decisions are deterministic and explained in words, and a fresh sample routes well.
import { describe, expect, it } from 'vitest';
import { defaultThresholds, type ComplexityLevel } from './complexity.js';
import {
  calibrate,
  denseFeatureNames,
  estimateLearned,
  estimateLearnedWith,
  knobStopFor,
  LearnedScratch,
  lexBuckets,
  qualityCostKnob,
  ruleOverride,
  scoreForCloudProbability,
  tierProbs,
  uncalibrate,
  weights,
  type RouterWeights,
} from './learned.js';
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

  it('record how they were trained, with a leave-one-source-out result and the dev-overlap check', () => {
    const meta = weights().meta as {
      leaveOneSourceOut?: { pooled: { exact: number; under: number; cloudRate: number }; perSource: Record<string, unknown> };
      trainingSet?: { prompts: number; publicPrompts: number };
      overlapCheck?: { maxSimilarity?: number; threshold?: number };
    };
    expect(meta.trainingSet?.prompts).toBeGreaterThan(1500);
    expect(meta.trainingSet?.publicPrompts).toBeGreaterThan(300);
    // Every source was held out once: our six domains and the public sets.
    expect(Object.keys(meta.leaveOneSourceOut?.perSource ?? {}).length).toBeGreaterThanOrEqual(8);
    // why: the product's bar on sources the model never saw: at most 10% under-routed with at most 40% sent to the cloud.
    expect(meta.leaveOneSourceOut?.pooled.under).toBeLessThanOrEqual(0.1);
    expect(meta.leaveOneSourceOut?.pooled.cloudRate).toBeLessThanOrEqual(0.4);
    expect(meta.overlapCheck?.maxSimilarity).toBeLessThan(meta.overlapCheck?.threshold ?? 0);
  });
});

describe('learned estimator: calibration and the Quality ↔ Cost knob', () => {
  const w = weights();
  const meta = w.meta as {
    leaveOneSourceOut: {
      reliability: {
        cloud: Array<{ n: number; predicted: number; observed: number }>;
        rawCloud: Array<{ n: number; predicted: number; observed: number }>;
      };
    };
  };

  // The reliability table was measured on held-out sources, each calibrated without its own data: predicted
  // probabilities must track observed frequencies, or "the share you send to the cloud" would be a guess.
  it('predicted P(cloud) tracks the observed cloud frequency on held-out sources, better than the raw model', () => {
    const bins = meta.leaveOneSourceOut.reliability.cloud;
    const n = bins.reduce((a, b) => a + b.n, 0);
    expect(n).toBeGreaterThan(1500);
    const ece = (xs: typeof bins) => xs.reduce((a, b) => a + (b.n / n) * Math.abs(b.predicted - b.observed), 0);
    // why 0.08: measured 0.073 when each held-out source is calibrated on the others only (the raw ordinal model:
    // 0.095); sources differ in how hard their "hard" prompts are, so cross-source calibration cannot be perfect.
    expect(ece(bins)).toBeLessThanOrEqual(0.08);
    expect(ece(bins)).toBeLessThan(ece(meta.leaveOneSourceOut.reliability.rawCloud));
    // why 0.25: no well-populated bin (≥ 100 prompts) may be off by more than a quarter; the worst measured is 0.20.
    for (const b of bins) if (b.n >= 100) expect(Math.abs(b.predicted - b.observed), JSON.stringify(b)).toBeLessThanOrEqual(0.25);
  });

  it('applies the calibration to the tier probabilities: piecewise linear through its knots, flat beyond them', () => {
    const cal = {
      medium: [
        [-1, 0.1],
        [1, 0.9],
      ] as Array<[number, number]>,
      cloud: [
        [0, 0.2],
        [2, 0.6],
      ] as Array<[number, number]>,
    };
    const [small, medium, cloud] = tierProbs(0.5, [0, 1], cal);
    expect(1 - small).toBeCloseTo(0.7, 12); // u = 0.5 on the medium map: 0.1 + 0.8 · 1.5/2
    expect(cloud).toBeCloseTo(0.2, 12); // u = −0.5 on the cloud map: below its first knot
    expect(small + medium + cloud).toBeCloseTo(1, 12);
    expect(tierProbs(10, [0, 1], cal)[2]).toBeCloseTo(0.6, 12); // beyond the last knot
    expect(uncalibrate(cal.cloud, 0.4)).toBeCloseTo(1, 12);
    expect(uncalibrate(cal.cloud, 0.7)).toBeNull();
    expect(calibrate(cal.cloud, uncalibrate(cal.cloud, 0.35)!)).toBeCloseTo(0.35, 12);
    // Without a calibration: the raw ordinal model.
    expect(tierProbs(1, [0, 2])[2]).toBeCloseTo(1 / (1 + Math.exp(1)), 12);
  });

  it('the knob threshold is the same decision as the calibrated probability threshold', () => {
    for (const p of [0.2, 0.35, 0.5, 0.7]) {
      const s = scoreForCloudProbability(p)!;
      expect(s).toBeGreaterThan(0);
      for (const [, prompt] of FRESH) {
        const e = estimateLearned(prompt);
        if (/^rule decides/.test(e.reasons[1] ?? '')) continue; // a sure rule pins the score, not the model
        // Away from rounding at the boundary, P(cloud) ≥ p exactly when score ≥ the knob's threshold.
        if (Math.abs(e.probs[2] - p) < 0.005) continue;
        expect(e.score >= s, `${prompt.slice(0, 40)} p=${e.probs[2]} score=${e.score} threshold=${s}`).toBe(e.probs[2] >= p);
      }
    }
    expect(scoreForCloudProbability(0)).toBeNull();
    expect(scoreForCloudProbability(1)).toBeNull();
  });

  it('ships a knob whose stops trade cloud share for under-routing, measured on held-out sources', () => {
    const stops = qualityCostKnob();
    expect(stops.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < stops.length; i++) {
      expect(stops[i]!.pCloud).toBeGreaterThan(stops[i - 1]!.pCloud);
      expect(stops[i]!.score).toBeGreaterThan(stops[i - 1]!.score);
      expect(stops[i]!.cloudShare).toBeLessThanOrEqual(stops[i - 1]!.cloudShare);
      expect(stops[i]!.under).toBeGreaterThanOrEqual(stops[i - 1]!.under);
    }
    // The default cloud threshold (0.6 on the score) is the default stop.
    const op = w.meta.operatingPoint as { pCloud: number };
    expect(knobStopFor(defaultThresholds.cloud)?.pCloud).toBe(op.pCloud);
    expect(knobStopFor(defaultThresholds.cloud)?.score).toBeCloseTo(defaultThresholds.cloud, 3);
  });

  it('estimates with other weights when asked (an earlier model, an experiment arm)', () => {
    const flat: RouterWeights = { ...w, dense: w.dense.map(() => 0), lex: w.lex.map(() => 0), calibration: undefined };
    const p = 'Explain how a heat pump heats a house in winter.';
    expect(estimateLearnedWith(w, p)).toEqual(estimateLearned(p));
    // All-zero weights: z = 0 for every prompt, so the probabilities are the cuts' alone.
    expect(estimateLearnedWith(flat, p).probs).toEqual(tierProbs(0, w.cuts));
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
    // As the server calls it: with the scratch memory it keeps for the process (routing/state.ts).
    const scratch = new LearnedScratch();
    for (let i = 0; i < 200; i++) estimateLearned(long, undefined, scratch);
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) estimateLearned(long, undefined, scratch);
    const perCallUs = ((performance.now() - t0) / 500) * 1000;
    // why: the target is < 100 µs p99 (measured by npm run bench); 2 ms per call here only catches catastrophic
    // regressions without failing on a loaded CI machine.
    expect(perCallUs).toBeLessThan(2000);
  });
});
