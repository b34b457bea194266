// Imports public prompt sets with human difficulty labels as weak router labels (shared/eval/README.md rules); writes JSONL outside the repo.
//
// Usage: npx tsx scripts/training/import-public.ts --mirrors DIR --out FILE [--exclude DIR]
//   DIR   (default ../.mirror) a folder of git mirrors named owner+name/repo (nlpxucan+WizardLM, openai+human-eval); files are read with `git show`
//   FILE  default ../shared/training/public.jsonl (never committed: the sets' own licences and canaries stay theirs)
//   --exclude  a folder of *.jsonl files, one JSON string (a prompt of an evaluation set) a line; with the dev set,
//              every imported prompt at or above EXCLUDE_SIMILARITY to any of them is dropped (default
//              ../shared/training/eval-sources: the evaluation's public sources)
//
// Sources, and why each is allowed: none of them is a source of the evaluation sets (MT-Bench, Vicuna bench, Arena-Hard,
// GSM8K, self-instruct, AlpacaEval, Koala, AlignBench, IFEval, awesome-chatgpt-prompts).
// - WizardLM test set (218 prompts, 29 skills, human difficulty 1-10): chat-like prompts; label from skill + difficulty.
// - HumanEval (164) and MBPP+ (378, sampled): standard function-writing tasks → medium (rule 7, "standard functions").
// Not used: BIG-Bench Hard carries a "never appear in training corpora" canary; MATH/APPS files are not in the mirrors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { findOverlaps } from './overlap.js';
import type { Tier } from './types.js';

/**
 * why 0.35, stricter than the trainer's 0.5: a public set may carry an evaluation prompt with a word or two changed
 * (the WizardLM test set has a Vicuna-bench question with the language swapped, at 0.57); 0.35 drops those and keeps
 * prompts that share only a phrase.
 */
const EXCLUDE_SIMILARITY = 0.35;

/** One weak-labelled public prompt (the JSONL line format the trainer reads). */
export interface PublicExample {
  prompt: string;
  tier: Tier;
  category: string;
  /** The dataset: leave-one-source-out holds out one of these at a time. */
  source: string;
  group: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function gitShow(mirror: string, path: string): Buffer {
  return execFileSync('git', ['-C', mirror, 'show', `HEAD:${path}`], { maxBuffer: 64 * 1024 * 1024 });
}

interface Wizard {
  idx: number;
  Skill: string;
  Difficulty: number;
  Instruction: string;
}

/** Skills whose prompts are explanations, opinions, essays and role-play: rule 6 (routine generation) unless trivial. */
const ROUTINE = new Set([
  'Writting',
  'Counterfactual',
  'Roleplay',
  'Economy',
  'History',
  'Ethics',
  'Technology',
  'Art',
  'Music',
  'Literature',
  'Sport',
  'Biology',
  'Chemistry',
  'Computer Science',
  'Medicine',
  'Philosophy',
  'Academic Writing',
  'Entertainment',
  'Toxicity',
  'TruthfulQA',
  'Physics',
  'Multilingual',
  'Common-Sense',
]);

/**
 * The weak label of a WizardLM test prompt under the labelling rules, from its skill and its human difficulty (1-10).
 * why these cut-offs: difficulty ≤ 3 on fact/common-sense skills are common-knowledge or multiple-choice lookups
 * (rules 4-5: small); the test set's hard math (≥ 6: calculus with conditions, open conjectures), code (≥ 7:
 * systems, graph algorithms in C++), debugging (≥ 5: non-trivial bugs, rule 3), format-constrained tasks (≥ 5) and
 * puzzles (≥ 5: seating and assignment puzzles, rule 8) are cloud; law case narratives are rule 9 cloud.
 */
export function wizardTier(w: Wizard): Tier {
  const d = w.Difficulty;
  const s = w.Skill;
  const text = w.Instruction;
  switch (s) {
    case 'Math':
      return d <= 2 ? 'small' : d <= 5 ? 'medium' : 'cloud';
    case 'Code Generation':
      return d <= 6 ? 'medium' : 'cloud';
    case 'Code Debug':
      return d <= 4 ? 'medium' : 'cloud';
    case 'Complex Format':
      return d <= 4 ? 'medium' : 'cloud';
    case 'Reasoning':
      return d <= 4 ? 'medium' : /main types of reasoning/i.test(text) ? 'medium' : 'cloud';
    case 'Law':
      // A named party's specific case (rule 9) versus a textbook explanation (rule 6).
      return /\b[A-Z][a-z]+ (is|and) [A-Z]?[a-z]+\b.*\b(sues?|tenant|married|article)\b/s.test(text) ? 'cloud' : 'medium';
    default:
      if (!ROUTINE.has(s)) return 'medium';
      if (d <= 3 && (/\b[A-D]\)|\b[a-d]\. /.test(text) || /^(what|which|who|how much|how many)\b/i.test(text))) return 'small';
      if (s === 'Common-Sense' && d <= 2) return 'small';
      if (s === 'Multilingual' && d <= 2) return 'small';
      // Difficulty 9-10 here is breadth (a business plan, "teach me physics"), still routine generation (rule 6).
      return 'medium';
  }
}

function wizardlm(mirrors: string): PublicExample[] {
  const text = gitShow(join(mirrors, 'nlpxucan+WizardLM/repo'), 'WizardLM/data/WizardLM_testset.jsonl').toString('utf8');
  const seen = new Set<string>();
  const out: PublicExample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const w = JSON.parse(line) as Wizard;
    if (seen.has(w.Instruction)) continue;
    seen.add(w.Instruction);
    out.push({
      prompt: w.Instruction,
      tier: wizardTier(w),
      category: `wizardlm:${w.Skill}`,
      source: 'wizardlm-testset',
      group: `wizardlm#${w.idx}`,
    });
  }
  return out;
}

function humaneval(mirrors: string): PublicExample[] {
  const text = gunzipSync(gitShow(join(mirrors, 'openai+human-eval/repo'), 'data/HumanEval.jsonl.gz')).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { task_id: string; prompt: string })
    .map((p) => ({
      prompt: `Complete this Python function:\n\n${p.prompt}`,
      tier: 'medium' as const,
      category: 'code_function',
      source: 'humaneval',
      group: p.task_id,
    }));
}

function mbpp(mirrors: string): PublicExample[] {
  const json = JSON.parse(gitShow(join(mirrors, 'nlpxucan+WizardLM/repo'), 'WizardCoder/data/mbppplus.json').toString('utf8')) as Record<
    string,
    string
  >;
  // why every third: 378 near-identical "Write a function to ..." prompts would outweigh the chat-like sources.
  return Object.entries(json)
    .filter((_, i) => i % 3 === 0)
    .map(([id, prompt]) => ({ prompt, tier: 'medium' as const, category: 'code_function', source: 'mbpp', group: id }));
}

function main(): void {
  const { values } = parseArgs({ options: { mirrors: { type: 'string' }, out: { type: 'string' }, exclude: { type: 'string' } } });
  const mirrors = resolve(repoRoot, values.mirrors ?? '../.mirror');
  const out = resolve(repoRoot, values.out ?? '../shared/training/public.jsonl');
  const all = [...wizardlm(mirrors), ...humaneval(mirrors), ...mbpp(mirrors)];
  // Evaluation prompts: the dev set and every evaluation source file found.
  const excluded: Array<{ id: string; prompt: string }> = [];
  const devFile = resolve(repoRoot, '../shared/eval/routing-dev.jsonl');
  if (existsSync(devFile)) {
    for (const l of readFileSync(devFile, 'utf8').split('\n')) if (l.trim()) excluded.push(JSON.parse(l) as { id: string; prompt: string });
  }
  const exDir = resolve(repoRoot, values.exclude ?? '../shared/training/eval-sources');
  if (existsSync(exDir)) {
    for (const f of readdirSync(exDir).filter((n) => n.endsWith('.jsonl'))) {
      readFileSync(join(exDir, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .forEach((l, i) => excluded.push({ id: `${f}#${i + 1}`, prompt: JSON.parse(l) as string }));
    }
  }
  const { overlaps } = findOverlaps(
    all.map((r) => r.prompt),
    excluded,
    EXCLUDE_SIMILARITY,
  );
  const drop = new Set(overlaps.map((o) => o.trainIndex));
  for (const o of overlaps) process.stdout.write(`dropped ${all[o.trainIndex]!.group}: ${o.similarity.toFixed(2)} similar to ${o.devId}\n`);
  const rows = all.filter((_, i) => !drop.has(i));
  process.stdout.write(`checked against ${excluded.length} evaluation prompts: ${drop.size} dropped\n`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const by = (k: keyof PublicExample): Record<string, number> =>
    rows.reduce<Record<string, number>>((a, r) => ((a[r[k] as string] = (a[r[k] as string] ?? 0) + 1), a), {});
  process.stdout.write(
    `wrote ${rows.length} prompts to ${out}\n  by source ${JSON.stringify(by('source'))}\n  by tier ${JSON.stringify(by('tier'))}\n`,
  );
}

main();
