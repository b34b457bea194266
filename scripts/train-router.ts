// Trains the learned router (ordinal logistic regression) on scripts/training/ and writes router-core/data/router-weights.json; deterministic.
//
// Usage: npx tsx scripts/train-router.ts [--check] [--dev PATH] [--public FILE]
//   --check   train and report, but do not write the weights file (CI-friendly dry run)
//   --dev     the dev set whose prompts must NOT appear in the training data (default ../shared/eval/routing-dev.jsonl);
//             the build fails when any training prompt is a near-duplicate of one of them. The dev set is never
//             used for training, model selection or the operating point: those use cross-validation on our own data.
//
//   --eval-sources  a folder of the evaluation's public source prompts (*.jsonl, one JSON string a line; default
//             ../shared/training/eval-sources); like the dev set, no training prompt may be a near-duplicate of them
//   --public  weak-labelled public prompts from scripts/training/import-public.ts (default ../shared/training/public.jsonl)
//
// Method:
// 1. Features: router-core/routing/learned.ts (rule analysis, pattern groups, length/code/number features, hashed words).
// 2. Sources: hand-written sets (by file), template families, and each public set are separate sources.
// 3. Model: all-threshold ordinal logistic regression, z = w·x, P(≥medium) = σ(z − b1), P(cloud) = σ(z − b2), L2-regularised,
//    full-batch Adam (no randomness, so the same data gives the same weights).
// 4. Selection by leave-one-source-out log-loss (each fold holds out a whole source; mean over sources).
// 5. Calibration: Platt scaling of both ordinal thresholds on the out-of-source scores; reported per probability bin with
//    each source calibrated on the others only.
// 6. Operating point: P(≥medium) at the cost optimum (2·under + over); P(cloud) is the Quality ↔ Cost knob, its
//    curve (cloud share, under- and over-routing at each stop) measured on held-out sources and shipped with the weights.
// 7. Ship the same recipe trained on everything.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  calibrate,
  denseFeatureNames,
  learnedFeatures,
  ruleOverride,
  uncalibrate,
  type Calibration,
  type CalibrationKnots,
  type RouterWeights,
} from '../router-core/routing/learned.js';
import { publicExamples, trainingSet, type Example, type Tier } from './training/dataset.js';
import { findOverlaps, NEAR_DUPLICATE } from './training/overlap.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEIGHTS_PATH = resolve(repoRoot, 'router-core/data/router-weights.json');
/** why: 2,048 buckets keep collisions rare for the few thousand distinct words and bigrams of the training set. */
const LEX_BUCKETS = 2048;
/** why: full-batch Adam converges on this convex loss well within 1,500 steps (the loss changes < 1e-5 at the end). */
const ITERS = 1500;
const LEARNING_RATE = 0.05;
/** why: under-routing gives the user a bad answer, over-routing only costs money: twice the weight. */
const UNDER_COST = 2;
const RANK: Record<Tier, 0 | 1 | 2> = { small: 0, medium: 1, cloud: 2 };
const TIERS: readonly Tier[] = ['small', 'medium', 'cloud'];

interface Row {
  dense: Float64Array;
  lex: number[];
  y: 0 | 1 | 2;
  /** The rules' own level, for comparison. */
  rules: 0 | 1 | 2;
  /** Level forced by a high-precision rule (learned.ts ruleOverride), if any. */
  forced: 0 | 2 | null;
  e: Example;
  source: string;
}

interface Model {
  dense: Float64Array;
  lex: Float64Array;
  b1: number;
  b2: number;
}

interface FitOptions {
  l2Dense: number;
  l2Lex: number;
  /** Dense features in use (others stay 0). */
  mask: Uint8Array;
  useLex: boolean;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const logit = (p: number): number => Math.log(p / (1 - p));

function zOf(m: Model, r: Row): number {
  let z = 0;
  for (let i = 0; i < r.dense.length; i++) z += m.dense[i]! * r.dense[i]!;
  for (const b of r.lex) z += m.lex[b]!;
  return z;
}

/** All-threshold ordinal logistic loss (mean) for rows under model m. */
function logLoss(m: Model, rows: readonly Row[]): number {
  let loss = 0;
  for (const r of rows) {
    const z = zOf(m, r);
    const p1 = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z - m.b1)));
    const p2 = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z - m.b2)));
    loss -= r.y >= 1 ? Math.log(p1) : Math.log(1 - p1);
    loss -= r.y >= 2 ? Math.log(p2) : Math.log(1 - p2);
  }
  return loss / rows.length;
}

/** Fit by full-batch Adam: deterministic. */
function fit(rows: readonly Row[], o: FitOptions): Model {
  const D = denseFeatureNames.length;
  const m: Model = { dense: new Float64Array(D), lex: new Float64Array(LEX_BUCKETS), b1: 0, b2: 1 };
  const n = rows.length;
  const P = D + LEX_BUCKETS + 2;
  const g = new Float64Array(P);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let t = 1; t <= ITERS; t++) {
    g.fill(0);
    for (const r of rows) {
      const z = zOf(m, r);
      const d1 = sigmoid(z - m.b1) - (r.y >= 1 ? 1 : 0);
      const d2 = sigmoid(z - m.b2) - (r.y >= 2 ? 1 : 0);
      const dz = (d1 + d2) / n;
      for (let i = 1; i < D; i++) if (o.mask[i]) g[i]! += dz * r.dense[i]!;
      if (o.useLex) for (const b of r.lex) g[D + b]! += dz;
      g[D + LEX_BUCKETS]! -= d1 / n;
      g[D + LEX_BUCKETS + 1]! -= d2 / n;
    }
    for (let i = 1; i < D; i++) if (o.mask[i]) g[i]! += o.l2Dense * m.dense[i]!;
    if (o.useLex) for (let b = 0; b < LEX_BUCKETS; b++) g[D + b]! += o.l2Lex * m.lex[b]!;
    const lr = (LEARNING_RATE * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let k = 0; k < P; k++) {
      const gk = g[k]!;
      if (gk === 0 && m1[k] === 0) continue;
      m1[k] = beta1 * m1[k]! + (1 - beta1) * gk;
      m2[k] = beta2 * m2[k]! + (1 - beta2) * gk * gk;
      const step = (lr * m1[k]!) / (Math.sqrt(m2[k]!) + 1e-8);
      if (k < D) m.dense[k]! -= step;
      else if (k < D + LEX_BUCKETS) m.lex[k - D]! -= step;
      else if (k === D + LEX_BUCKETS) m.b1 -= step;
      else m.b2 -= step;
    }
  }
  return m;
}

interface Metrics {
  n: number;
  exact: number;
  under: number;
  over: number;
  cloudRate: number;
  trueCloud: number;
}

function metrics(pred: readonly (0 | 1 | 2)[], rows: readonly Row[]): Metrics {
  let exact = 0;
  let under = 0;
  let over = 0;
  let cloud = 0;
  let trueCloud = 0;
  rows.forEach((r, i) => {
    const p = pred[i]!;
    if (p === r.y) exact++;
    else if (p < r.y) under++;
    else over++;
    if (p === 2) cloud++;
    if (r.y === 2) trueCloud++;
  });
  const n = rows.length;
  return { n, exact: exact / n, under: under / n, over: over / n, cloudRate: cloud / n, trueCloud: trueCloud / n };
}

/** Calibrated P(≥medium) and P(cloud) of a linear score z (isotonic maps of the ordinal model's two thresholds). */
function calibrated(z: number, m: { b1: number; b2: number }, cal: Calibration): [number, number] {
  const pm = calibrate(cal.medium, z - m.b1);
  return [pm, Math.min(pm, calibrate(cal.cloud, z - m.b2))];
}

/** Level at calibrated probability thresholds: cloud when P(cloud) ≥ tc, else medium when P(≥medium) ≥ tm. */
function levelAt(p: readonly [number, number], tm: number, tc: number): 0 | 1 | 2 {
  if (p[1] >= tc) return 2;
  if (p[0] >= tm) return 1;
  return 0;
}

/** The shipped decision: a high-precision rule's level when one fires, else the model's. */
function decideRow(r: Row, p: readonly [number, number], tm: number, tc: number): 0 | 1 | 2 {
  return r.forced ?? levelAt(p, tm, tc);
}

const cost = (x: Metrics): number => UNDER_COST * x.under + x.over;

/** Out-of-fold linear scores: each source's rows scored by a model trained on every other source. */
interface Loso {
  z: number[];
  cuts: Array<{ b1: number; b2: number }>;
  /** Mean over sources of each held-out source's log-loss (every dataset counts the same). */
  macroLoss: number;
}

function leaveOneSourceOut(rows: readonly Row[], sources: readonly string[], o: FitOptions): Loso {
  const z = new Array<number>(rows.length).fill(0);
  const cuts = new Array<{ b1: number; b2: number }>(rows.length);
  let loss = 0;
  for (const s of sources) {
    const train = rows.filter((r) => r.source !== s);
    const test = rows.filter((r) => r.source === s);
    const m = fit(train, o);
    loss += logLoss(m, test);
    rows.forEach((r, i) => {
      if (r.source === s) {
        z[i] = zOf(m, r);
        cuts[i] = { b1: m.b1, b2: m.b2 };
      }
    });
  }
  return { z, cuts, macroLoss: loss / sources.length };
}

/**
 * Isotonic regression (pool adjacent violators) of 0/1 outcomes on u, as knots of a piecewise-linear map.
 * why isotonic and not Platt: the rule features make z bimodal, and a logistic curve through two clusters is wrong in
 * between (measured: 0.7-0.8 predicted where 0.98 was observed); isotonic only assumes "higher z, no less likely".
 * why the shrink toward the base rate: a block of a few prompts would otherwise claim 0% or 100%.
 */
function isotonic(u: readonly number[], y: readonly number[]): CalibrationKnots {
  const order = u.map((_, i) => i).sort((a, b) => u[a]! - u[b]!);
  const base = y.reduce((a, b) => a + b, 0) / y.length;
  const blocks: Array<{ sum: number; n: number; uSum: number }> = [];
  for (const i of order) {
    blocks.push({ sum: y[i]!, n: 1, uSum: u[i]! });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.n < b.sum / b.n) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, n: a.n + b.n, uSum: a.uSum + b.uSum });
    }
  }
  // why PRIOR_WEIGHT 5: five pseudo-prompts at the base rate keep small blocks off 0 and 1 and barely move large ones.
  const PRIOR_WEIGHT = 5;
  const knots: CalibrationKnots = blocks.map((b) => [
    round(b.uSum / b.n, 4),
    round((b.sum + PRIOR_WEIGHT * base) / (b.n + PRIOR_WEIGHT), 4),
  ]);
  // Shrinking can make neighbouring blocks cross by a hair; keep the map non-decreasing.
  for (let i = 1; i < knots.length; i++) if (knots[i]![1] < knots[i - 1]![1]) knots[i]![1] = knots[i - 1]![1];
  return knots;
}

function fitCalibration(rows: readonly Row[], loso: Loso, keep: (r: Row) => boolean): Calibration {
  const idx = rows.map((_, i) => i).filter((i) => keep(rows[i]!));
  return {
    medium: isotonic(
      idx.map((i) => loso.z[i]! - loso.cuts[i]!.b1),
      idx.map((i) => (rows[i]!.y >= 1 ? 1 : 0)),
    ),
    cloud: isotonic(
      idx.map((i) => loso.z[i]! - loso.cuts[i]!.b2),
      idx.map((i) => (rows[i]!.y >= 2 ? 1 : 0)),
    ),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function row(label: string, m: Metrics): string {
  return `${label.padEnd(30)} ${pct(m.exact).padStart(6)} ${pct(m.under).padStart(7)} ${pct(m.over).padStart(6)} ${pct(m.cloudRate).padStart(7)}   (n=${m.n}, true cloud ${pct(m.trueCloud)})`;
}

function roundMetrics(m: Metrics): Metrics {
  return {
    n: m.n,
    exact: round(m.exact, 3),
    under: round(m.under, 3),
    over: round(m.over, 3),
    cloudRate: round(m.cloudRate, 3),
    trueCloud: round(m.trueCloud, 3),
  };
}

/** Metrics of predictions grouped by a key (source or category). */
function grouped(rows: readonly Row[], pred: readonly (0 | 1 | 2)[], key: (r: Row) => string): Record<string, Metrics> {
  const keys = [...new Set(rows.map(key))].sort();
  return Object.fromEntries(
    keys.map((k) => {
      const idx = rows.map((_, i) => i).filter((i) => key(rows[i]!) === k);
      return [
        k,
        roundMetrics(
          metrics(
            idx.map((i) => pred[i]!),
            idx.map((i) => rows[i]!),
          ),
        ),
      ];
    }),
  );
}

/** why: the knob's stops: P(cloud) thresholds from "send most hard-looking prompts to Claude" to "only the surest". */
/** why: a wrong local answer is what users notice; one prompt in ten under-routed is the most the product accepts. */
const MAX_UNDER = 0.1;
/** why: more than 40% to the cloud would break the 60-80% saving the product promises. */
const MAX_CLOUD = 0.4;
const KNOB_STOPS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8];

/** Stops that make the same decisions (a flat stretch of the calibration) are one stop: keep the first of each. */
function dedupeStops<T extends { cloudRate: number; under: number; over: number }>(curve: readonly T[]): T[] {
  return curve.filter(
    (k, i) => i === 0 || !(k.cloudRate === curve[i - 1]!.cloudRate && k.under === curve[i - 1]!.under && k.over === curve[i - 1]!.over),
  );
}

function main(): void {
  const { values } = parseArgs({
    options: { check: { type: 'boolean' }, dev: { type: 'string' }, public: { type: 'string' }, 'eval-sources': { type: 'string' } },
  });
  const log = (s = ''): void => void process.stdout.write(`${s}\n`);
  const publicPath = resolve(repoRoot, values.public ?? '../shared/training/public.jsonl');
  const extra = publicExamples(publicPath);
  if (extra.length === 0 && !values.check) {
    process.stderr.write(
      `train-router: no public prompts at ${publicPath}; run scripts/training/import-public.ts first (or pass --check to train without writing).\n`,
    );
    process.exit(1);
  }
  const examples = trainingSet(extra);

  // 1. Never train on the dev set or on the evaluation's public sources: fail on any near-duplicate.
  const devPath = resolve(repoRoot, values.dev ?? '../shared/eval/routing-dev.jsonl');
  const sourcesDir = resolve(repoRoot, values['eval-sources'] ?? '../shared/training/eval-sources');
  let overlapCheck: Record<string, unknown>;
  if (existsSync(devPath)) {
    const dev = readFileSync(devPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; prompt: string });
    const devCount = dev.length;
    // The evaluation's public sources (MT-Bench, Vicuna, Arena-Hard, GSM8K test, self-instruct, AlpacaEval, Koala,
    // AlignBench, IFEval, awesome-chatgpt-prompts), one JSON string a line, when a copy is at hand.
    if (existsSync(sourcesDir)) {
      for (const f of readdirSync(sourcesDir)
        .filter((n) => n.endsWith('.jsonl'))
        .sort()) {
        readFileSync(resolve(sourcesDir, f), 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .forEach((l, i) => dev.push({ id: `${f}#${i + 1}`, prompt: JSON.parse(l) as string }));
      }
    }
    const { overlaps, maxSimilarity } = findOverlaps(
      examples.map((e) => e.prompt),
      dev,
    );
    if (overlaps.length > 0) {
      for (const o of overlaps) {
        process.stderr.write(
          `near-duplicate of dev prompt ${o.devId} (similarity ${o.similarity.toFixed(2)}): training example ${o.trainIndex} (${examples[o.trainIndex]!.source}/${examples[o.trainIndex]!.category})\n`,
        );
      }
      process.stderr.write(`train-router: ${overlaps.length} training prompt(s) overlap the dev set; remove them.\n`);
      process.exit(1);
    }
    overlapCheck = {
      devPrompts: devCount,
      evaluationSourcePrompts: dev.length - devCount,
      devSha256: createHash('sha256').update(readFileSync(devPath)).digest('hex').slice(0, 16),
      maxSimilarity: round(maxSimilarity, 3),
      threshold: NEAR_DUPLICATE,
    };
    log(
      `overlap check: ${devCount} dev prompts and ${dev.length - devCount} evaluation-source prompts, max similarity ${maxSimilarity.toFixed(2)} (< ${NEAR_DUPLICATE})`,
    );
  } else {
    overlapCheck = { skipped: `no dev file at ${values.dev ?? '../shared/eval/routing-dev.jsonl'}` };
    log(`overlap check skipped: ${devPath} not found`);
  }

  // 2. Features.
  const t0 = performance.now();
  const rows: Row[] = examples.map((e) => {
    const f = learnedFeatures(e.prompt, LEX_BUCKETS);
    const rl = f.rules.score >= 0.6 ? 2 : f.rules.score >= 0.3 ? 1 : 0;
    const o = ruleOverride(f.rules);
    return {
      dense: f.dense,
      lex: f.lex,
      y: RANK[e.tier],
      rules: rl,
      forced: o === null ? null : o === 'small' ? 0 : 2,
      e,
      source: e.source ?? 'unknown',
    };
  });
  const counts = Object.fromEntries(TIERS.map((t) => [t, examples.filter((e) => e.tier === t).length]));
  const sources = [...new Set(rows.map((r) => r.source))];
  log(
    `training set: ${rows.length} prompts (${TIERS.map((t) => `${counts[t]} ${t}`).join(', ')}) from ${sources.length} sources, features in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  for (const s of sources) log(`  ${s.padEnd(18)} ${rows.filter((r) => r.source === s).length}`);

  // 3. Model selection by leave-one-source-out log-loss (macro: every held-out dataset weighs the same).
  const D = denseFeatureNames.length;
  const all = new Uint8Array(D).fill(1);
  const rulesOnly = new Uint8Array(D);
  denseFeatureNames.forEach((n, i) => {
    if (/^(rule:|base$|factor:|task:)/.test(n)) rulesOnly[i] = 1;
  });
  const candidates: Array<{ name: string; o: FitOptions }> = [
    { name: 'rules-only l2=0.003', o: { l2Dense: 0.003, l2Lex: 0, mask: rulesOnly, useLex: false } },
    { name: 'rules-only l2=0.01', o: { l2Dense: 0.01, l2Lex: 0, mask: rulesOnly, useLex: false } },
    { name: 'dense l2=0.01', o: { l2Dense: 0.01, l2Lex: 0, mask: all, useLex: false } },
    { name: 'dense l2=0.03', o: { l2Dense: 0.03, l2Lex: 0, mask: all, useLex: false } },
    { name: 'dense+words l2=0.01 l2words=0.1', o: { l2Dense: 0.01, l2Lex: 0.1, mask: all, useLex: true } },
  ];
  log('');
  log('leave-one-source-out: mean held-out-source log-loss');
  let best: { name: string; o: FitOptions; loso: Loso } | undefined;
  const selection: Array<Record<string, unknown>> = [];
  // TRAIN_CACHE=FILE keeps the fitted models of this exact data and recipe, so calibration and reporting can be
  // iterated without refitting (the fits are deterministic: the cache changes nothing but the time taken).
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([examples.map((e) => [e.prompt, e.tier, e.source]), candidates.map((c) => c.name), ITERS, LEARNING_RATE]))
    .digest('hex');
  const cachePath = process.env.TRAIN_CACHE;
  type Cached = {
    key: string;
    selection: Array<Record<string, unknown>>;
    name: string;
    loso: Loso;
    all: { dense: number[]; lex: number[]; b1: number; b2: number };
  };
  const cached = cachePath && existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Cached) : null;
  if (cached?.key === cacheKey) {
    selection.push(...cached.selection);
    const c = candidates.find((x) => x.name === cached.name)!;
    best = { ...c, loso: cached.loso };
    log('  (fitted models from TRAIN_CACHE)');
  }
  for (const c of cached?.key === cacheKey ? [] : candidates) {
    const loso = leaveOneSourceOut(rows, sources, c.o);
    selection.push({ model: c.name, macroLogLoss: round(loso.macroLoss, 4) });
    log(`  ${c.name.padEnd(40)} ${loso.macroLoss.toFixed(4)}`);
    if (!best || loso.macroLoss < best.loso.macroLoss) best = { ...c, loso };
  }
  const chosen = best!;
  log(`chosen: ${chosen.name}`);

  // 4. Calibration, validated honestly: each source's probabilities use Platt parameters fitted on the OTHER sources'
  // out-of-fold scores, so neither the model nor its calibration has seen the source it is judged on.
  const loso = chosen.loso;
  const oofCal = new Map<string, Calibration>(sources.map((s) => [s, fitCalibration(rows, loso, (r) => r.source !== s)]));
  const probs = rows.map((r, i) => calibrated(loso.z[i]!, loso.cuts[i]!, oofCal.get(r.source)!));
  const reliability = (k: 0 | 1, yMin: 1 | 2): Array<Record<string, number>> => {
    const bins = Array.from({ length: 10 }, () => ({ n: 0, predicted: 0, observed: 0 }));
    rows.forEach((r, i) => {
      const p = probs[i]![k];
      const b = bins[Math.min(9, Math.floor(p * 10))]!;
      b.n++;
      b.predicted += p;
      b.observed += r.y >= yMin ? 1 : 0;
    });
    return bins
      .map((b, i) => ({
        bin: i / 10,
        n: b.n,
        predicted: b.n ? round(b.predicted / b.n, 3) : 0,
        observed: b.n ? round(b.observed / b.n, 3) : 0,
      }))
      .filter((b) => b.n > 0);
  };
  const relCloud = reliability(1, 2);
  // The same table for the raw ordinal P(cloud) = σ(z − b2), to show what calibration changed.
  const rawCloud = (() => {
    const bins = Array.from({ length: 10 }, () => ({ n: 0, predicted: 0, observed: 0 }));
    rows.forEach((r, i) => {
      const p = sigmoid(loso.z[i]! - loso.cuts[i]!.b2);
      const b = bins[Math.min(9, Math.floor(p * 10))]!;
      b.n++;
      b.predicted += p;
      b.observed += r.y >= 2 ? 1 : 0;
    });
    return bins
      .filter((b) => b.n > 0)
      .map((b) => ({ n: b.n, predicted: round(b.predicted / b.n, 3), observed: round(b.observed / b.n, 3) }));
  })();
  const ece = (bins: ReadonlyArray<{ n?: number; predicted?: number; observed?: number }>): number => {
    const n = bins.reduce((a, b) => a + b.n!, 0);
    return round(
      bins.reduce((a, b) => a + (b.n! / n) * Math.abs(b.predicted! - b.observed!), 0),
      4,
    );
  };
  const relMedium = reliability(0, 1);
  log('');
  log('calibration of P(cloud) on held-out sources: bin, n, mean predicted, observed frequency');
  for (const b of relCloud)
    log(`  ${b.bin!.toFixed(1)}  n=${String(b.n).padEnd(4)} predicted ${b.predicted!.toFixed(2)}  observed ${b.observed!.toFixed(2)}`);

  // 5. Operating point: P(≥medium) threshold at the cost optimum; P(cloud) threshold is the user's knob, its default
  // the cost optimum (under-routing costs twice over-routing: the Bayes-optimal cut would be 1/3 when calibrated).
  const predAt = (tm: number, tc: number): Array<0 | 1 | 2> => rows.map((r, i) => decideRow(r, probs[i]!, tm, tc));
  let op = { tm: 0.5, tc: 0.5, c: Infinity };
  for (let tm = 0.2; tm <= 0.701; tm += 0.05) {
    for (const tc of KNOB_STOPS) {
      const c = cost(metrics(predAt(tm, tc), rows));
      if (c < op.c - 1e-9) op = { tm: round(tm, 2), tc, c };
    }
  }
  const curve = dedupeStops(KNOB_STOPS.map((tc) => ({ pCloud: tc, ...roundMetrics(metrics(predAt(op.tm, tc), rows)) })));
  if (!curve.some((k) => k.pCloud === op.tc)) op = { ...op, tc: curve.reduce((a, k) => (k.pCloud <= op.tc ? k : a), curve[0]!).pCloud };
  // The default is the most cost-saving stop that keeps held-out under-routing within MAX_UNDER and the cloud share
  // within MAX_CLOUD (the product's quality bar); when no stop meets both, the cost optimum stays.
  const withinBar = curve.filter((k) => k.under <= MAX_UNDER && k.cloudRate <= MAX_CLOUD);
  if (withinBar.length > 0) op = { ...op, tc: withinBar[withinBar.length - 1]!.pCloud };
  log('');
  log(`knob (P(cloud) threshold) on held-out sources, P(≥medium) ≥ ${op.tm}:`);
  log(`${'  P(cloud) ≥'.padEnd(30)}  exact   under   over   cloud`);
  for (const k of curve) log(row(`  ${k.pCloud.toFixed(2)}${k.pCloud === op.tc ? ' (default)' : ''}`, k));
  const pred = predAt(op.tm, op.tc);
  const pooled = metrics(pred, rows);
  const perSource = grouped(rows, pred, (r) => r.source);
  const perCategory = grouped(rows, pred, (r) => `${r.source}/${r.e.category}`);
  log('');
  log('per held-out source at the default:');
  for (const [s, m] of Object.entries(perSource)) log(row(`  ${s}`, m));

  // 6. Ship: the same recipe trained on everything; calibration fitted on all out-of-fold scores.
  const mAll: Model =
    cached?.key === cacheKey
      ? { dense: Float64Array.from(cached.all.dense), lex: Float64Array.from(cached.all.lex), b1: cached.all.b1, b2: cached.all.b2 }
      : fit(rows, chosen.o);
  if (cachePath && cached?.key !== cacheKey) {
    const all = { dense: Array.from(mAll.dense), lex: Array.from(mAll.lex), b1: mAll.b1, b2: mAll.b2 };
    writeFileSync(cachePath, JSON.stringify({ key: cacheKey, selection, name: chosen.name, loso, all } satisfies Cached));
  }
  const cal = fitCalibration(rows, loso, () => true);
  const b1 = round(mAll.b1, 4);
  const b2 = round(mAll.b2, 4);
  // z where a calibrated probability first reaches p (inverse of the isotonic map of one threshold).
  const zAt = (p: number, knots: CalibrationKnots, b: number): number => {
    const u = uncalibrate(knots, p);
    if (u === null) throw new Error(`the calibration never reaches ${p}`);
    return b + u;
  };
  const z1 = zAt(op.tm, cal.medium, b1);
  const z2 = zAt(op.tc, cal.cloud, b2);
  if (!(z2 > z1)) throw new Error(`operating point is not ordered (z1 ${z1}, z2 ${z2})`);
  // Score map: the default thresholds 0.3 / 0.6 fall exactly on the default operating point.
  const scale = (logit(0.6) - logit(0.3)) / (z2 - z1);
  const center = z2 - logit(0.6) / scale;
  const scoreAt = (z: number): number => round(sigmoid(scale * (z - center)), 4);
  // Two hashes: our own prompts (a fresh clone can check them: tests/routing/router-weights.test.ts) and the public
  // ones (outside the repo).
  const sha = (xs: readonly Example[]): string =>
    createHash('sha256')
      .update(JSON.stringify(xs.map((e) => [e.prompt, e.tier, e.group])))
      .digest('hex')
      .slice(0, 16);
  const own = trainingSet();
  const dataSha = sha(own);
  const publicSha = sha(examples.slice(own.length));
  const weights: RouterWeights = {
    version: 1,
    features: [...denseFeatureNames],
    dense: Array.from(mAll.dense, (v) => round(v, 4)),
    lexBuckets: LEX_BUCKETS,
    lex: Array.from(mAll.lex, (v) => round(v, 4)),
    cuts: [b1, b2],
    scale: round(scale, 6),
    center: round(center, 6),
    calibration: cal,
    knob: curve.map((k) => ({
      pCloud: k.pCloud,
      score: scoreAt(zAt(k.pCloud, cal.cloud, b2)),
      cloudShare: k.cloudRate,
      under: k.under,
      over: k.over,
      exact: k.exact,
    })),
    meta: {
      builtBy: 'scripts/train-router.ts',
      trainingSet: {
        prompts: rows.length,
        ...counts,
        sources: Object.fromEntries(sources.map((s) => [s, rows.filter((r) => r.source === s).length])),
        sha256: dataSha,
        publicPrompts: examples.length - own.length,
        publicSha256: publicSha,
        publicFrom: 'scripts/training/import-public.ts',
      },
      model: chosen.name,
      selection,
      operatingPoint: { pMedium: op.tm, pCloud: op.tc, underCost: UNDER_COST },
      leaveOneSourceOut: {
        note: 'each source scored by a model trained on all other sources, calibrated on the other sources; never the dev set',
        pooled: roundMetrics(pooled),
        perSource,
        perCategory,
        reliability: { cloud: relCloud, atLeastMedium: relMedium, rawCloud },
        expectedCalibrationError: { cloud: ece(relCloud), rawCloud: ece(rawCloud) },
      },
      overlapCheck,
    },
  };
  if (values.check) {
    log('--check: weights not written');
    return;
  }
  writeFileSync(WEIGHTS_PATH, `${JSON.stringify(weights)}\n`);
  log(`wrote ${WEIGHTS_PATH}`);
}

main();
