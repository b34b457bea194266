// Proves a routing speed-up changed no result: records every estimator/privacy decision on all prompts we have, or compares against such a record.
//
// Usage: npx tsx scripts/check-router-equivalence.ts --write FILE   (before a change: record the snapshot, e.g. under /tmp)
//        npx tsx scripts/check-router-equivalence.ts FILE           (after: recompute and compare byte for byte; exit 1 on any difference)
//
// Prompts: ../shared/eval/routing-dev.jsonl when present (read for this check only, never tuned to), the training set
// (scripts/training), and the string samples of the routing tests (string literals, `[...].join(sep)`, `.repeat(n)`,
// `a + b` and templates over top-level constants, read with the TypeScript parser), plus a few long and mixed variants.
// For each: rules and learned estimates (level, score and probabilities to 1e-9, reasons, the learned feature vector
// and word buckets in order), the privacy scan with and without a word list, and a whole decideRoute.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { estimateComplexity } from '../router-core/routing/complexity.js';
import { estimateLearned, learnedFeatures } from '../router-core/routing/learned.js';
import { decideRoute } from '../router-core/routing/policy.js';
import { defaultPrivacyRules, privacyGuard, scanText } from '../router-core/routing/privacy.js';
import { trainingSet } from './training/dataset.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Evaluate the string-valued expressions of one test file (constants resolved within the file). */
function testSamples(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const consts = new Map<string, string>();
  const out: string[] = [];
  const evalStr = (n: ts.Node): string | undefined => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
    if (ts.isParenthesizedExpression(n)) return evalStr(n.expression);
    if (ts.isIdentifier(n)) return consts.get(n.text);
    if (ts.isTemplateExpression(n)) {
      let s = n.head.text;
      for (const span of n.templateSpans) {
        const v = evalStr(span.expression);
        if (v === undefined) return undefined;
        s += v + span.literal.text;
      }
      return s;
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const a = evalStr(n.left);
      const b = evalStr(n.right);
      return a !== undefined && b !== undefined ? a + b : undefined;
    }
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const name = n.expression.name.text;
      const target = n.expression.expression;
      if (name === 'join' && ts.isArrayLiteralExpression(target)) {
        const parts = target.elements.map(evalStr);
        const sep = n.arguments[0] ? evalStr(n.arguments[0]) : ',';
        if (sep === undefined || parts.some((p) => p === undefined)) return undefined;
        return parts.join(sep);
      }
      if (name === 'repeat' && n.arguments[0] && ts.isNumericLiteral(n.arguments[0])) {
        const s = evalStr(target);
        return s === undefined ? undefined : s.repeat(Number(n.arguments[0].text));
      }
    }
    return undefined;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const v = evalStr(n.initializer);
      if (v !== undefined) consts.set(n.name.text, v);
    }
    if (ts.isExpression(n)) {
      const v = evalStr(n);
      if (v !== undefined && v.trim().length > 0) out.push(v);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

function collectPrompts(): string[] {
  const prompts: string[] = [];
  const dev = resolve(root, '../shared/eval/routing-dev.jsonl');
  if (existsSync(dev)) {
    for (const line of readFileSync(dev, 'utf8').split('\n'))
      if (line.trim()) prompts.push((JSON.parse(line) as { prompt: string }).prompt);
  } else process.stderr.write(`note: ${dev} not found, dev prompts skipped\n`);
  for (const e of trainingSet()) prompts.push(e.prompt);
  const testFiles = [
    ...readdirSync(resolve(root, 'router-core/routing'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => resolve(root, 'router-core/routing', f)),
    ...readdirSync(resolve(root, 'tests/routing')).map((f) => resolve(root, 'tests/routing', f)),
  ];
  for (const f of testFiles.sort()) prompts.push(...testSamples(f));
  // Long and mixed variants: every window boundary (ask window, edges, whole cap) is crossed by some of these.
  const base = [...prompts];
  for (let i = 0; i < base.length; i += 7) {
    const a = base[i]!;
    const b = base[(i * 13 + 5) % base.length]!;
    prompts.push(`${a}\n\n${b}`, `${b.repeat(Math.ceil(1500 / Math.max(1, b.length)))}\n\n${a}`, `${a}\n${'x = 1;\n'.repeat(i % 40)}${b}`);
  }
  return prompts;
}

const f9 = (x: number): string => x.toFixed(9);

function record(prompt: string): string {
  const rules = estimateComplexity(prompt);
  const learned = estimateLearned(prompt);
  const x = learnedFeatures(prompt);
  const words = { ...defaultPrivacyRules, words: ['Hollin Ford', 'project x', 'the'] };
  const decision = decideRoute({
    request: { model: 'auto', messages: [{ role: 'user', content: prompt }], params: {} },
    config: {
      thresholds: { medium: 0.3, cloud: 0.6 },
      localOnly: false,
      cloudModel: 'claude-sonnet',
      budget: { dailyMicros: 5_000_000 },
      localEnginePreference: ['llamacpp'],
    },
    tier: 3,
    availability: {
      engines: {
        llamacpp: { ok: true, models: ['tinyllama', 'phi2', 'mistral-7b'] },
        anthropic: { ok: true, models: ['claude-sonnet'] },
      },
    },
    spend: { todayMicros: 100, monthMicros: 100 },
  });
  return JSON.stringify({
    rules: { level: rules.level, score: f9(rules.score), reasons: rules.reasons },
    learned: { level: learned.level, score: f9(learned.score), probs: learned.probs.map(f9), reasons: learned.reasons },
    dense: Array.from(x.dense, (v) => v.toPrecision(17)).join(','),
    lex: x.lex.join(','),
    privacy: scanText(prompt),
    privacyWords: scanText(prompt, words),
    guard: privacyGuard([{ content: prompt }]),
    decision,
  });
}

const args = process.argv.slice(2);
const write = args[0] === '--write';
const file = write ? args[1] : args[0];
if (!file) {
  process.stderr.write('usage: npx tsx scripts/check-router-equivalence.ts [--write] SNAPSHOT_FILE\n');
  process.exit(2);
}
const prompts = collectPrompts();
const lines = prompts.map((p, i) => `${i}\t${JSON.stringify(p.slice(0, 60))}\t${record(p)}`);
const text = `${lines.join('\n')}\n`;
if (write) {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${prompts.length} prompts' decisions to ${file}\n`);
} else {
  const old = readFileSync(file, 'utf8');
  if (old === text) {
    process.stdout.write(`identical: ${prompts.length} prompts, ${text.length} bytes\n`);
  } else {
    const a = old.split('\n');
    const diff = lines.filter((l, i) => l !== a[i]);
    process.stdout.write(`DIFFERENT: ${diff.length} of ${prompts.length} lines differ (snapshot ${a.length - 1} lines)\n`);
    for (const l of diff.slice(0, 10)) process.stdout.write(`  new: ${l.slice(0, 400)}\n`);
    process.exit(1);
  }
}
