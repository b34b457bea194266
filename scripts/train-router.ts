// Trains the learned router (ordinal logistic regression) on scripts/training/ and writes router-core/data/router-weights.json; deterministic.
//
// Usage: npx tsx scripts/train-router.ts [--check] [--dev PATH]
//   --check   train and report, but do not write the weights file (CI-friendly dry run)
//   --dev     the dev set whose prompts must NOT appear in the training data (default ../shared/eval/routing-dev.jsonl);
//             the build fails when any training prompt is a near-duplicate of one of them. The dev set is never
//             used for training, model selection or the operating point: those use cross-validation on our own data.
//
// Method:
// 1. Features: router-core/routing/learned.ts (rule analysis, pattern groups, length/code/number features, hashed words).
// 2. Split: groups (a hand-written prompt, or one ask phrasing of a template family) hashed into 5 folds; fold 0 is the
//    held-out test side, folds 1-4 are used for 4-fold cross-validation.
// 3. Model: all-threshold ordinal logistic regression, z = w·x, P(≥medium) = σ(z − b1), P(cloud) = σ(z − b2), L2-regularised,
//    full-batch Adam (no randomness, so the same data gives the same weights).
// 4. Selection by cross-validated log-loss: feature set (rules only / dense / dense + words) and L2 strengths.
// 5. Operating point: probability cuts that minimise 2·under-routed + over-routed on the out-of-fold predictions.
// 6. Report the held-out fold (model trained on folds 1-4), then train on everything and ship that model.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { denseFeatureNames, learnedFeatures, ruleOverride, type RouterWeights } from '../router-core/routing/learned.js';
import { isHeldOut, trainingSet, type Example, type Tier } from './training/dataset.js';
import { findOverlaps, NEAR_DUPLICATE } from './training/overlap.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEIGHTS_PATH = resolve(repoRoot, 'router-core/data/router-weights.json');
/** why: 2,048 buckets keep collisions rare for the few thousand distinct words and bigrams of the training set. */
const LEX_BUCKETS = 2048;
const FOLDS = 5;
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

/** Level at probability cuts: cloud when P(cloud) ≥ pc, else medium when P(≥medium) ≥ pm, else small. */
function levelAt(z: number, m: { b1: number; b2: number }, pm: number, pc: number): 0 | 1 | 2 {
  if (z >= m.b2 + logit(pc)) return 2;
  if (z >= m.b1 + logit(pm)) return 1;
  return 0;
}

/** The shipped decision: a high-precision rule's level when one fires, else the model's. */
function decideRow(r: Row, z: number, m: { b1: number; b2: number }, pm: number, pc: number): 0 | 1 | 2 {
  return r.forced ?? levelAt(z, m, pm, pc);
}

const cost = (x: Metrics): number => UNDER_COST * x.under + x.over;

/** Cross-validated out-of-fold z (and per-fold b1/b2) over folds 1..FOLDS-1 of `rows`. */
function crossValidate(rows: readonly Row[], o: FitOptions): { z: number[]; cuts: Array<{ b1: number; b2: number }>; loss: number } {
  const fold = rows.map((r) => foldOf(r.e));
  const z = new Array<number>(rows.length).fill(0);
  const cuts = new Array<{ b1: number; b2: number }>(rows.length);
  let loss = 0;
  for (let f = 1; f < FOLDS; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const test = rows.filter((_, i) => fold[i] === f);
    const m = fit(train, o);
    loss += logLoss(m, test) * test.length;
    rows.forEach((r, i) => {
      if (fold[i] === f) {
        z[i] = zOf(m, r);
        cuts[i] = { b1: m.b1, b2: m.b2 };
      }
    });
  }
  return { z, cuts, loss: loss / rows.length };
}

function foldOf(e: Example): number {
  for (let f = 0; f < FOLDS; f++) if (isHeldOut(e, f, FOLDS)) return f;
  return 0;
}

/** Probability cuts minimising the cost on out-of-fold predictions. */
function chooseOperatingPoint(
  rows: readonly Row[],
  cv: { z: number[]; cuts: Array<{ b1: number; b2: number }> },
): { pm: number; pc: number } {
  let best = { pm: 0.5, pc: 0.5, c: Infinity };
  for (let pm = 0.15; pm <= 0.651; pm += 0.05) {
    for (let pc = 0.15; pc <= 0.651; pc += 0.05) {
      const pred = rows.map((r, i) => decideRow(r, cv.z[i]!, cv.cuts[i]!, pm, pc));
      const c = cost(metrics(pred, rows));
      if (c < best.c - 1e-9) best = { pm: round(pm, 2), pc: round(pc, 2), c };
    }
  }
  return { pm: best.pm, pc: best.pc };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function row(label: string, m: Metrics): string {
  return `${label.padEnd(34)} ${pct(m.exact).padStart(6)} ${pct(m.under).padStart(7)} ${pct(m.over).padStart(6)} ${pct(m.cloudRate).padStart(7)}   (n=${m.n}, true cloud ${pct(m.trueCloud)})`;
}

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, dev: { type: 'string' } } });
  const log = (s = ''): void => void process.stdout.write(`${s}\n`);
  const examples = trainingSet();

  // 1. Never train on the dev set: fail on any near-duplicate.
  const devPath = resolve(repoRoot, values.dev ?? '../shared/eval/routing-dev.jsonl');
  let overlapCheck: Record<string, unknown>;
  if (existsSync(devPath)) {
    const dev = readFileSync(devPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; prompt: string });
    const { overlaps, maxSimilarity } = findOverlaps(
      examples.map((e) => e.prompt),
      dev,
    );
    if (overlaps.length > 0) {
      for (const o of overlaps) {
        process.stderr.write(
          `near-duplicate of dev prompt ${o.devId} (similarity ${o.similarity.toFixed(2)}): training example ${o.trainIndex} (${examples[o.trainIndex]!.category})\n`,
        );
      }
      process.stderr.write(
        `train-router: ${overlaps.length} training prompt(s) overlap the dev set; remove them from scripts/training/.\n`,
      );
      process.exit(1);
    }
    overlapCheck = {
      devPrompts: dev.length,
      devSha256: createHash('sha256').update(readFileSync(devPath)).digest('hex').slice(0, 16),
      maxSimilarity: round(maxSimilarity, 3),
      threshold: NEAR_DUPLICATE,
    };
    log(`overlap check: ${dev.length} dev prompts, max similarity ${maxSimilarity.toFixed(2)} (< ${NEAR_DUPLICATE})`);
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
    return { dense: f.dense, lex: f.lex, y: RANK[e.tier], rules: rl, forced: o === null ? null : o === 'small' ? 0 : 2, e };
  });
  const counts = Object.fromEntries(TIERS.map((t) => [t, examples.filter((e) => e.tier === t).length]));
  log(
    `training set: ${rows.length} prompts (${TIERS.map((t) => `${counts[t]} ${t}`).join(', ')}), features in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  const heldOut = rows.filter((r) => isHeldOut(r.e, 0, FOLDS));
  const train = rows.filter((r) => !isHeldOut(r.e, 0, FOLDS));
  log(`split: ${train.length} train (4-fold CV) / ${heldOut.length} held-out (fold 0, by group)`);

  // 3-4. Model selection by cross-validated log-loss on the train side only.
  const D = denseFeatureNames.length;
  const all = new Uint8Array(D).fill(1);
  const rulesOnly = new Uint8Array(D);
  denseFeatureNames.forEach((n, i) => {
    if (/^(rule:|base$|factor:|task:)/.test(n)) rulesOnly[i] = 1;
  });
  const candidates: Array<{ name: string; o: FitOptions }> = [];
  for (const l2 of [0.001, 0.003, 0.01])
    candidates.push({ name: `rules-only l2=${l2}`, o: { l2Dense: l2, l2Lex: 0, mask: rulesOnly, useLex: false } });
  for (const l2 of [0.001, 0.003, 0.01])
    candidates.push({ name: `dense l2=${l2}`, o: { l2Dense: l2, l2Lex: 0, mask: all, useLex: false } });
  for (const l2 of [0.0003, 0.001, 0.003]) {
    for (const l2Lex of [0.003, 0.01, 0.03]) {
      candidates.push({ name: `dense+words l2=${l2} l2words=${l2Lex}`, o: { l2Dense: l2, l2Lex, mask: all, useLex: true } });
    }
  }
  log('');
  log('cross-validation (train side, 4 folds): log-loss, and metrics at the cost-optimal operating point');
  let best: { name: string; o: FitOptions; loss: number; cv: ReturnType<typeof crossValidate> } | undefined;
  const cvReport: Array<Record<string, unknown>> = [];
  for (const c of candidates) {
    const cv = crossValidate(train, c.o);
    const op = chooseOperatingPoint(train, cv);
    const m = metrics(
      train.map((r, i) => decideRow(r, cv.z[i]!, cv.cuts[i]!, op.pm, op.pc)),
      train,
    );
    cvReport.push({
      model: c.name,
      logLoss: round(cv.loss, 4),
      exact: round(m.exact, 3),
      under: round(m.under, 3),
      cloudRate: round(m.cloudRate, 3),
    });
    log(`  ${c.name.padEnd(40)} loss ${cv.loss.toFixed(4)}  exact ${pct(m.exact)}  under ${pct(m.under)}  cloud ${pct(m.cloudRate)}`);
    if (!best || cv.loss < best.loss) best = { ...c, loss: cv.loss, cv };
  }
  const chosen = best!;
  const op = chooseOperatingPoint(train, chosen.cv);
  log(`chosen: ${chosen.name}; operating point P(≥medium) ≥ ${op.pm}, P(cloud) ≥ ${op.pc}`);

  // 5. Held-out report: model trained on the train side only.
  const mTrain = fit(train, chosen.o);
  const heldPred = heldOut.map((r) => decideRow(r, zOf(mTrain, r), mTrain, op.pm, op.pc));
  const heldNoOverride = metrics(
    heldOut.map((r) => levelAt(zOf(mTrain, r), mTrain, op.pm, op.pc)),
    heldOut,
  );
  const heldMetrics = metrics(heldPred, heldOut);
  const rulesHeld = metrics(
    heldOut.map((r) => r.rules),
    heldOut,
  );
  const trainFit = metrics(
    train.map((r) => decideRow(r, zOf(mTrain, r), mTrain, op.pm, op.pc)),
    train,
  );
  log('');
  log(`${''.padEnd(34)}  exact   under   over   cloud`);
  log(row('held-out: learned (train side)', heldMetrics));
  log(row('held-out: learned, no rule override', heldNoOverride));
  log(row('held-out: rules', rulesHeld));
  log(row('train side: learned (fit)', trainFit));
  const perCat: Record<string, { n: number; exact: number; under: number }> = {};
  heldOut.forEach((r, i) => {
    const c = (perCat[r.e.category] ??= { n: 0, exact: 0, under: 0 });
    c.n++;
    if (heldPred[i] === r.y) c.exact++;
    else if (heldPred[i]! < r.y) c.under++;
  });
  log('held-out per category (learned): exact / under');
  for (const [cat, c] of Object.entries(perCat).sort((a, b) => a[0].localeCompare(b[0]))) {
    log(`  ${cat.padEnd(28)} ${String(c.exact).padStart(3)}/${String(c.n).padEnd(3)} under ${c.under}`);
  }

  // 6. Ship: the same recipe trained on everything.
  const mAll = fit(rows, chosen.o);
  const denseW = Array.from(mAll.dense, (v) => round(v, 4));
  const lexW = Array.from(mAll.lex, (v) => round(v, 4));
  const b1 = round(mAll.b1, 4);
  const b2 = round(mAll.b2, 4);
  // Score map: the default thresholds 0.3 / 0.6 fall exactly on the operating point.
  const z1 = b1 + logit(op.pm);
  const z2 = b2 + logit(op.pc);
  if (!(z2 > z1)) throw new Error(`operating point is not ordered (z1 ${z1}, z2 ${z2})`);
  const scale = (logit(0.6) - logit(0.3)) / (z2 - z1);
  const center = z2 - logit(0.6) / scale;
  const dataSha = createHash('sha256')
    .update(JSON.stringify(examples.map((e) => [e.prompt, e.tier, e.group])))
    .digest('hex')
    .slice(0, 16);
  const weights: RouterWeights = {
    version: 1,
    features: [...denseFeatureNames],
    dense: denseW,
    lexBuckets: LEX_BUCKETS,
    lex: lexW,
    cuts: [b1, b2],
    scale: round(scale, 6),
    center: round(center, 6),
    meta: {
      builtBy: 'scripts/train-router.ts',
      trainingSet: { prompts: rows.length, ...counts, sha256: dataSha },
      model: chosen.name,
      operatingPoint: { pMedium: op.pm, pCloud: op.pc, underCost: UNDER_COST },
      crossValidation: cvReport,
      heldOut: {
        note: 'fold 0 of 5 by group, model trained on folds 1-4 with the same recipe',
        learned: roundMetrics(heldMetrics),
        learnedWithoutOverrides: roundMetrics(heldNoOverride),
        rules: roundMetrics(rulesHeld),
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

function roundMetrics(m: Metrics): Record<string, number> {
  return {
    n: m.n,
    exact: round(m.exact, 3),
    under: round(m.under, 3),
    over: round(m.over, 3),
    cloudRate: round(m.cloudRate, 3),
    trueCloud: round(m.trueCloud, 3),
  };
}

main();
