// Near-duplicate check between training prompts and the dev set: the router must never train on (or on paraphrases of) what it is measured on.

/** Lower-case, letters and digits only; CJK characters become one token each. */
export function tokens(text: string): string[] {
  const norm = text
    .toLowerCase()
    .replace(/([\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])/g, ' $1 ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return norm === '' ? [] : norm.split(' ');
}

function shingles(xs: readonly string[], n: number): Set<string> {
  const out = new Set<string>();
  if (xs.length < n) {
    if (xs.length > 0) out.add(xs.join(' '));
    return out;
  }
  for (let i = 0; i + n <= xs.length; i++) out.add(xs.slice(i, i + n).join(' '));
  return out;
}

function charGrams(text: string, n: number): Set<string> {
  const s = tokens(text).join(' ');
  const out = new Set<string>();
  for (let i = 0; i + n <= s.length; i++) out.add(s.slice(i, i + n));
  if (out.size === 0 && s.length > 0) out.add(s);
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Precomputed shingles of one text. */
export interface Fingerprint {
  words: Set<string>;
  chars: Set<string>;
}

export function fingerprint(text: string): Fingerprint {
  return { words: shingles(tokens(text), 3), chars: charGrams(text, 5) };
}

/**
 * Similarity in [0,1]: the larger of word-trigram and character-5-gram Jaccard.
 * why: trigrams catch a copied sentence inside a longer prompt's wording; character grams catch a short
 * prompt with small edits ("What's the capital…" vs "What is the capital…").
 */
export function similarity(a: Fingerprint, b: Fingerprint): number {
  return Math.max(jaccard(a.words, b.words), jaccard(a.chars, b.chars));
}

/**
 * At or above this similarity a training prompt counts as a copy or paraphrase of a dev prompt and the build fails.
 * why: independent prompts built on one phrase ("What does DNA stand for?" vs "What does CPU stand for?") score
 * about 0.45; a reworded copy ("define photosynthesis in one sentence" vs "define photosynthesis") 0.5 and up.
 */
export const NEAR_DUPLICATE = 0.5;

/** One training prompt that is too close to a dev prompt. */
export interface Overlap {
  trainIndex: number;
  devId: string;
  similarity: number;
}

/** Every training prompt whose similarity to some dev prompt reaches `threshold`, and the largest similarity seen. */
export function findOverlaps(
  train: readonly string[],
  dev: ReadonlyArray<{ id: string; prompt: string }>,
  threshold = NEAR_DUPLICATE,
): { overlaps: Overlap[]; maxSimilarity: number } {
  const devFp = dev.map((d) => ({ id: d.id, fp: fingerprint(d.prompt) }));
  const overlaps: Overlap[] = [];
  let maxSimilarity = 0;
  train.forEach((p, i) => {
    const fp = fingerprint(p);
    let best = 0;
    let bestId = '';
    for (const d of devFp) {
      const s = similarity(fp, d.fp);
      if (s > best) {
        best = s;
        bestId = d.id;
      }
    }
    maxSimilarity = Math.max(maxSimilarity, best);
    if (best >= threshold) overlaps.push({ trainIndex: i, devId: bestId, similarity: best });
  });
  return { overlaps, maxSimilarity };
}
