// Routing evaluation: the leave-one-source-out validation shipped with the weights (the evidence), then the dev set as a final check.
//
// Usage: npx tsx scripts/eval-routing.ts [FILE] [--json] [--misses]
//   FILE      default ../shared/eval/routing-dev.jsonl (for MEASURING only: never train on it)
//   --misses  also list the prompts each estimator gets wrong (first 80 characters)
//
// Prints, in order: (1) leave-one-source-out results of the shipped estimator at the default setting and along the
// Quality ↔ Cost knob (pooled, per source, per category), computed by scripts/train-router.ts where every source is
// scored by a model that never saw it; (2) the dev set at the default and along the knob, beside the previous
// estimator (scripts/training/baseline-weights.json, the model shipped before calibration) and the hand-written rules.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultThresholds,
  estimateComplexity,
  type ComplexityLevel,
  type ComplexityThresholds,
} from '../router-core/routing/complexity.js';
import { estimateLearned, estimateLearnedWith, qualityCostKnob, weights, type RouterWeights } from '../router-core/routing/learned.js';
import baselineJson from './training/baseline-weights.json' with { type: 'json' };

/** One labelled prompt of routing-dev.jsonl. */
interface LabelledPrompt {
  id: string;
  prompt: string;
  tier: ComplexityLevel;
  category?: string;
}

/** Aggregate metrics over a labelled set. */
interface RoutingMetrics {
  n: number;
  exact: number;
  underRouted: number;
  overRouted: number;
  cloudRate: number;
  trueCloudShare: number;
  /** confusion[label][predicted] = count. */
  confusion: Record<ComplexityLevel, Record<ComplexityLevel, number>>;
  perCategory: Record<string, { n: number; exact: number; under: number; over: number }>;
}

/** The seed's published numbers on routing-dev.jsonl (shared/eval/README.md), shown for comparison. */
const SEED = { exact: 0.506, underRouted: 0.373, overRouted: 0.12, cloudRate: 0.095 } as const;
const LEVELS: readonly ComplexityLevel[] = ['small', 'medium', 'cloud'];
const RANK: Record<ComplexityLevel, number> = { small: 0, medium: 1, cloud: 2 };

type Estimator = (prompt: string, thresholds: ComplexityThresholds) => { score: number; level: ComplexityLevel };
const baseline = baselineJson as unknown as RouterWeights;
const estimators: Record<'rules' | 'learned' | 'previous', Estimator> = {
  rules: estimateComplexity,
  learned: estimateLearned,
  previous: (p, t) => estimateLearnedWith(baseline, p, t),
};

interface LosoMetrics {
  n: number;
  exact: number;
  under: number;
  over: number;
  cloudRate: number;
  trueCloud: number;
}

/** The leave-one-source-out section, from the weights' provenance (computed at training time, never on the dev set). */
function losoSection(): string[] {
  const w = weights();
  const loso = w.meta.leaveOneSourceOut as
    { pooled: LosoMetrics; perSource: Record<string, LosoMetrics>; perCategory: Record<string, LosoMetrics> } | undefined;
  const op = w.meta.operatingPoint as { pMedium: number; pCloud: number } | undefined;
  if (!loso || !op) return ['(these weights carry no leave-one-source-out validation: retrain with scripts/train-router.ts)'];
  const row = (label: string, m: LosoMetrics): string =>
    `${label.padEnd(34)} ${pct(m.exact).padStart(6)} ${pct(m.under).padStart(7)} ${pct(m.over).padStart(6)} ${pct(m.cloudRate).padStart(7)}  n=${m.n}, true cloud ${pct(m.trueCloud)}`;
  const out: string[] = [];
  const sources = w.meta.trainingSet as { prompts: number; sources?: Record<string, number> };
  out.push(`LEAVE-ONE-SOURCE-OUT (the evidence): ${sources.prompts} prompts from ${Object.keys(sources.sources ?? {}).length} sources;`);
  out.push(
    'each source scored by a model and a calibration fitted without it. Default: P(cloud) ≥ ' + `${op.pCloud}, P(≥medium) ≥ ${op.pMedium}.`,
  );
  out.push(`${''.padEnd(34)}  exact   under   over   cloud`);
  out.push(row('all held-out sources (default)', loso.pooled));
  for (const [s, m] of Object.entries(loso.perSource)) out.push(row(`  ${s}`, m));
  out.push('');
  out.push('Quality ↔ Cost knob on held-out sources (P(cloud) threshold → cloud share, under, over, exact):');
  for (const k of qualityCostKnob()) {
    out.push(
      `  P(cloud) ≥ ${k.pCloud.toFixed(2)}${k.pCloud === op.pCloud ? ' (default)' : '          '}  cloud ${pct(k.cloudShare).padStart(6)}  under ${pct(k.under).padStart(6)}  over ${pct(k.over).padStart(6)}  exact ${pct(k.exact).padStart(6)}   (score ≥ ${k.score.toFixed(3)})`,
    );
  }
  out.push('');
  out.push('per held-out category (source/category): exact, under, over, n');
  for (const [c, m] of Object.entries(loso.perCategory)) {
    if (m.n < 5) continue;
    out.push(`  ${c.padEnd(44)} ${pct(m.exact).padStart(6)} ${pct(m.under).padStart(6)} ${pct(m.over).padStart(6)}  ${m.n}`);
  }
  return out;
}

function levelOf(score: number, t: ComplexityThresholds): ComplexityLevel {
  return score >= t.cloud ? 'cloud' : score >= t.medium ? 'medium' : 'small';
}

/** Compute metrics from predicted levels (pure over its input). */
function evaluate(rows: readonly LabelledPrompt[], predicted: readonly ComplexityLevel[]): RoutingMetrics {
  const confusion = Object.fromEntries(
    LEVELS.map((l) => [l, Object.fromEntries(LEVELS.map((p) => [p, 0]))]),
  ) as RoutingMetrics['confusion'];
  const perCategory: RoutingMetrics['perCategory'] = {};
  let exact = 0;
  let under = 0;
  let over = 0;
  let cloud = 0;
  let trueCloud = 0;
  rows.forEach((row, i) => {
    const p = predicted[i]!;
    confusion[row.tier][p]++;
    const cat = (perCategory[row.category ?? '(none)'] ??= { n: 0, exact: 0, under: 0, over: 0 });
    cat.n++;
    if (p === row.tier) {
      exact++;
      cat.exact++;
    } else if (RANK[p] < RANK[row.tier]) {
      under++;
      cat.under++;
    } else {
      over++;
      cat.over++;
    }
    if (p === 'cloud') cloud++;
    if (row.tier === 'cloud') trueCloud++;
  });
  const n = rows.length;
  const share = (x: number): number => (n === 0 ? 0 : x / n);
  return {
    n,
    exact: share(exact),
    underRouted: share(under),
    overRouted: share(over),
    cloudRate: share(cloud),
    trueCloudShare: share(trueCloud),
    confusion,
    perCategory,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Metrics when the cloud threshold moves (medium fixed): the cost/quality trade-off. */
function curve(rows: readonly LabelledPrompt[], scores: readonly number[]): Array<{ cloud: number; m: RoutingMetrics }> {
  const out: Array<{ cloud: number; m: RoutingMetrics }> = [];
  for (let c = 0.35; c <= 0.951; c += 0.05) {
    const t = { medium: Math.min(defaultThresholds.medium, c), cloud: c };
    out.push({
      cloud: Math.round(c * 100) / 100,
      m: evaluate(
        rows,
        scores.map((s) => levelOf(s, t)),
      ),
    });
  }
  return out;
}

function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const misses = argv.includes('--misses');
  const pathArg = argv.find((a) => !a.startsWith('--'));
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const path = resolve(repoRoot, pathArg ?? '../shared/eval/routing-dev.jsonl');
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledPrompt);

  const results = Object.fromEntries(
    (Object.keys(estimators) as Array<keyof typeof estimators>).map((name) => {
      const est = rows.map((r) => estimators[name](r.prompt, defaultThresholds));
      return [
        name,
        {
          scores: est.map((e) => e.score),
          levels: est.map((e) => e.level),
          m: evaluate(
            rows,
            est.map((e) => e.level),
          ),
        },
      ];
    }),
  ) as Record<keyof typeof estimators, { scores: number[]; levels: ComplexityLevel[]; m: RoutingMetrics }>;

  if (json) {
    const out = Object.fromEntries(
      Object.entries(results).map(([k, v]) => [
        k,
        {
          ...v.m,
          curve: curve(rows, v.scores).map((c) => ({
            cloudThreshold: c.cloud,
            exact: c.m.exact,
            underRouted: c.m.underRouted,
            cloudRate: c.m.cloudRate,
          })),
        },
      ]),
    );
    process.stdout.write(`${JSON.stringify({ file: path, ...out, seed: SEED }, null, 2)}\n`);
    return;
  }
  const { rules, learned, previous } = results;
  const out: string[] = [...losoSection(), ''];
  out.push('DEV SET (final check only: nothing was trained, selected or tuned on it)');
  out.push(`file: ${path}`);
  out.push(
    `N = ${rules.m.n}   (true cloud share ${pct(rules.m.trueCloudShare)})   thresholds ${defaultThresholds.medium} / ${defaultThresholds.cloud}`,
  );
  out.push('');
  out.push('metric            learned  previous    rules     seed');
  const line = (name: string, k: 'exact' | 'underRouted' | 'overRouted' | 'cloudRate'): string =>
    `${name.padEnd(16)} ${pct(learned.m[k]).padStart(8)} ${pct(previous.m[k]).padStart(9)} ${pct(rules.m[k]).padStart(8)} ${pct(SEED[k]).padStart(8)}`;
  out.push(
    line('exact accuracy', 'exact'),
    line('under-routed', 'underRouted'),
    line('over-routed', 'overRouted'),
    line('cloud-call rate', 'cloudRate'),
  );
  out.push('note: "previous" is the estimator shipped before this one; the rules were written while looking at this file,');
  out.push('      so their number here is inflated; neither learned model saw it (training data is checked for near-duplicates).');
  const knob = qualityCostKnob();
  if (knob.length > 0) {
    out.push('');
    out.push('dev set along the Quality ↔ Cost knob (learned):');
    for (const k of knob) {
      const t = { medium: Math.min(defaultThresholds.medium, k.score), cloud: k.score };
      const m = evaluate(
        rows,
        learned.scores.map((sc) => levelOf(sc, t)),
      );
      out.push(
        `  P(cloud) ≥ ${k.pCloud.toFixed(2)}  cloud ${pct(m.cloudRate).padStart(6)}  under ${pct(m.underRouted).padStart(6)}  over ${pct(m.overRouted).padStart(6)}  exact ${pct(m.exact).padStart(6)}`,
      );
    }
  }
  for (const [name, r] of Object.entries(results)) {
    out.push('');
    out.push(`${name}: confusion (rows = label, columns = predicted)`);
    out.push(`${'label'.padEnd(8)}${LEVELS.map((l) => l.padStart(8)).join('')}`);
    for (const l of LEVELS) out.push(`${l.padEnd(8)}${LEVELS.map((p) => String(r.m.confusion[l][p]).padStart(8)).join('')}`);
  }
  out.push('');
  out.push('trade-off over the cloud threshold (medium threshold 0.3): learned | rules');
  out.push('cloud≥   exact  under  cloud   |  exact  under  cloud');
  const lc = curve(rows, learned.scores);
  const rc = curve(rows, rules.scores);
  lc.forEach((c, i) => {
    const r = rc[i]!;
    out.push(
      `${c.cloud.toFixed(2).padEnd(6)} ${pct(c.m.exact).padStart(6)} ${pct(c.m.underRouted).padStart(6)} ${pct(c.m.cloudRate).padStart(6)}   | ${pct(r.m.exact).padStart(6)} ${pct(r.m.underRouted).padStart(6)} ${pct(r.m.cloudRate).padStart(6)}`,
    );
  });
  out.push('');
  out.push('per category: exact (under/over)            learned           rules');
  const cats = Object.keys(learned.m.perCategory).sort();
  for (const cat of cats) {
    const l = learned.m.perCategory[cat]!;
    const r = rules.m.perCategory[cat]!;
    out.push(
      `  ${cat.padEnd(26)} ${`${l.exact}/${l.n} (${l.under}/${l.over})`.padStart(16)} ${`${r.exact}/${r.n} (${r.under}/${r.over})`.padStart(16)}`,
    );
  }
  if (misses) {
    for (const [name, r] of Object.entries(results)) {
      out.push('');
      out.push(`${name} misses:`);
      rows.forEach((row, i) => {
        if (r.levels[i] !== row.tier) out.push(`  ${row.tier}→${r.levels[i]} [${row.category}] ${JSON.stringify(row.prompt.slice(0, 80))}`);
      });
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main(process.argv.slice(2));
