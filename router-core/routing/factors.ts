// The seed's four scoring factors over a prompt's features (length, keywords, code, task type), each mapped to [0,1] with its reason.
import type { PromptFeatures } from './features.js';

/** A feature value in [0,1] with the human-readable reason it has that value. */
export interface FactorValue {
  value: number;
  reason: string;
}

/**
 * Length factor: log-scaled script-aware length, 0 at ≤ 40 effective characters, 1 at ≥ 2,000.
 * why: the seed's step function (<100, <500, else) jumps at arbitrary points; a log ramp keeps the
 * ordering but treats "a bit longer" smoothly, and script weighting stops dense CJK looking short.
 */
export function lengthFactor(f: PromptFeatures): FactorValue {
  const lo = Math.log(40);
  const hi = Math.log(2000);
  const value = clamp01((Math.log(Math.max(f.effLength, 1)) - lo) / (hi - lo));
  const words = Math.round(f.effLength / 6);
  const size = value < 0.25 ? 'short' : value < 0.6 ? 'medium-length' : 'long';
  return { value, reason: `${size} prompt (~${words} words${f.cjkShare > 0.3 ? ', CJK weighted' : ''})` };
}

/**
 * Keyword factor: 0.35 neutral, +0.2 per analysis/depth keyword, −0.2 per simple-ask keyword.
 * why: the seed's ±0.1 per keyword hardly moved the score; 0.2 lets two depth words lift a neutral
 * prompt to the top of the factor while one "what is" pulls it down.
 */
export function keywordFactor(f: PromptFeatures): FactorValue {
  const complex = f.count('complexKeywords', 4);
  const simple = f.count('simpleKeywords', 3);
  const value = clamp01(0.35 + 0.2 * complex - 0.2 * simple);
  const parts: string[] = [];
  if (complex > 0) parts.push(`${complex} analysis/depth keyword${complex > 1 ? 's' : ''}`);
  if (simple > 0) parts.push(`${simple} simple-ask keyword${simple > 1 ? 's' : ''}`);
  return { value, reason: parts.length > 0 ? parts.join(', ') : 'no telling keywords' };
}

/**
 * Code factor: 0 none, 0.4 a programming task without code, 0.7 some pasted code, 1 a long listing.
 * why: pasted code must be read and reasoned about, and the longer it is the more can go wrong.
 */
export function codeFactor(f: PromptFeatures): FactorValue {
  if (f.code.codeLines >= 30) return { value: 1, reason: `long code pasted (~${f.code.codeLines} lines)` };
  if (f.code.codeLines >= 3 || f.code.fencedBlocks > 0) return { value: 0.7, reason: `code pasted (~${f.code.codeLines} lines)` };
  if (f.has('programming')) return { value: 0.4, reason: 'programming task, no code pasted' };
  return { value: 0, reason: 'no code' };
}

/** Coarse task type, from the cheapest kind of request to the most demanding. */
export type TaskType = 'chit-chat' | 'lookup' | 'question' | 'generation' | 'code-or-math' | 'reasoning';

/**
 * Task-type factor: what kind of work the ask is, 0 (chit-chat) … 1 (reasoning/design).
 * why: the seed scored only "question" vs "create/build"; these six kinds follow the labelling ladder.
 */
export function taskTypeFactor(f: PromptFeatures): FactorValue & { type: TaskType } {
  const type = taskType(f);
  const value = TASK_TYPE_VALUE[type];
  return { value, type, reason: `task type: ${type}` };
}

/** why: values spread the six kinds evenly-ish over [0,1] in the order of the labelling ladder. */
const TASK_TYPE_VALUE: Record<TaskType, number> = {
  'chit-chat': 0,
  lookup: 0.1,
  question: 0.3,
  generation: 0.5,
  'code-or-math': 0.7,
  reasoning: 1,
};

function taskType(f: PromptFeatures): TaskType {
  if (f.effLength <= 80 && (f.has('greeting', 'whole') || f.has('aboutAssistant', 'whole'))) return 'chit-chat';
  if (f.has('proof') || f.has('systemDesign') || f.has('logicPuzzle') || f.has('competitionMath') || f.has('deepDomain'))
    return 'reasoning';
  if (f.code.codeLines >= 3 || f.has('codeGeneration') || f.has('algebra') || f.has('probability')) return 'code-or-math';
  if (f.has('routineWriting') || f.has('explanation') || f.has('howTo') || f.has('rolePlay') || f.has('advice')) return 'generation';
  if (f.has('wordLevel') || f.has('classification') || f.has('translate') || f.has('arithmetic', 'whole') || f.has('trivialAsk', 'edges'))
    return 'lookup';
  return 'question';
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
