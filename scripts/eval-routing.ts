// Measures estimateComplexity on a labelled JSONL set: accuracy, under/over-routing, cloud-call rate, confusion, per category.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateComplexity, type ComplexityLevel } from '../router-core/routing/complexity.js';

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
  perCategory: Record<string, { n: number; exact: number }>;
}

/** The seed's published numbers on routing-dev.jsonl (shared/eval/README.md), shown for comparison. */
const SEED = { exact: 0.506, underRouted: 0.373, overRouted: 0.12, cloudRate: 0.095 } as const;
const LEVELS: readonly ComplexityLevel[] = ['small', 'medium', 'cloud'];
const RANK: Record<ComplexityLevel, number> = { small: 0, medium: 1, cloud: 2 };

/** Compute metrics for a labelled set (pure over its input). */
function evaluate(rows: readonly LabelledPrompt[]): RoutingMetrics {
  const confusion = Object.fromEntries(
    LEVELS.map((l) => [l, Object.fromEntries(LEVELS.map((p) => [p, 0]))]),
  ) as RoutingMetrics['confusion'];
  const perCategory: RoutingMetrics['perCategory'] = {};
  let exact = 0;
  let under = 0;
  let over = 0;
  let cloud = 0;
  let trueCloud = 0;
  for (const row of rows) {
    const predicted = estimateComplexity(row.prompt).level;
    confusion[row.tier][predicted]++;
    const cat = (perCategory[row.category ?? '(none)'] ??= { n: 0, exact: 0 });
    cat.n++;
    if (predicted === row.tier) {
      exact++;
      cat.exact++;
    } else if (RANK[predicted] < RANK[row.tier]) under++;
    else over++;
    if (predicted === 'cloud') cloud++;
    if (row.tier === 'cloud') trueCloud++;
  }
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

function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const pathArg = argv.find((a) => !a.startsWith('--'));
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const path = resolve(repoRoot, pathArg ?? '../shared/eval/routing-dev.jsonl');
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledPrompt);
  const m = evaluate(rows);

  if (json) {
    process.stdout.write(`${JSON.stringify({ file: path, ...m, seed: SEED }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`file: ${path}`);
  out.push(`N = ${m.n}   (true cloud share ${pct(m.trueCloudShare)})`);
  out.push('');
  out.push('metric            this     seed');
  out.push(`exact accuracy    ${pct(m.exact).padStart(6)}   ${pct(SEED.exact).padStart(6)}`);
  out.push(`under-routed      ${pct(m.underRouted).padStart(6)}   ${pct(SEED.underRouted).padStart(6)}`);
  out.push(`over-routed       ${pct(m.overRouted).padStart(6)}   ${pct(SEED.overRouted).padStart(6)}`);
  out.push(`cloud-call rate   ${pct(m.cloudRate).padStart(6)}   ${pct(SEED.cloudRate).padStart(6)}`);
  out.push('note: the rules were checked against this file while they were written, so treat it as a');
  out.push('      development number; unseen prompts (the held-out set) will score lower.');
  out.push('');
  out.push('confusion (rows = label, columns = predicted)');
  out.push(`${'label'.padEnd(8)}${LEVELS.map((l) => l.padStart(8)).join('')}`);
  for (const l of LEVELS) out.push(`${l.padEnd(8)}${LEVELS.map((p) => String(m.confusion[l][p]).padStart(8)).join('')}`);
  out.push('');
  out.push('per category (exact)');
  for (const [cat, c] of Object.entries(m.perCategory).sort((a, b) => a[0].localeCompare(b[0]))) {
    out.push(`  ${cat.padEnd(26)} ${String(c.exact).padStart(3)}/${String(c.n).padEnd(3)} ${pct(c.exact / c.n).padStart(6)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main(process.argv.slice(2));
