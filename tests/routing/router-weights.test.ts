// The shipped router weights come from the training set in scripts/training/, which shares no prompt with the dev set.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { weights } from '../../router-core/routing/learned.js';
import { isHeldOut, trainingSet } from '../../scripts/training/dataset.js';
import { findOverlaps, NEAR_DUPLICATE } from '../../scripts/training/overlap.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const devPath = resolve(repoRoot, '../shared/eval/routing-dev.jsonl');

describe('training set', () => {
  const examples = trainingSet();

  it('is what router-weights.json was built from (rebuild with `npx tsx scripts/train-router.ts` after editing it)', () => {
    const sha = createHash('sha256')
      .update(JSON.stringify(examples.map((e) => [e.prompt, e.tier, e.group])))
      .digest('hex')
      .slice(0, 16);
    expect((weights().meta.trainingSet as { sha256: string }).sha256).toBe(sha);
  });

  it('covers every tier and names the labelling rule of every example', () => {
    for (const tier of ['small', 'medium', 'cloud'] as const) expect(examples.filter((e) => e.tier === tier).length).toBeGreaterThan(300);
    for (const e of examples) expect(e.rule).toMatch(/^(?:[1-9]|1[0-2])$/);
  });

  it('splits by group: no group on both sides of the held-out split', () => {
    const held = new Set(examples.filter((e) => isHeldOut(e)).map((e) => e.group));
    const train = new Set(examples.filter((e) => !isHeldOut(e)).map((e) => e.group));
    for (const g of held) expect(train.has(g)).toBe(false);
    expect(held.size).toBeGreaterThan(100);
  });

  it('flags a near-duplicate of a dev prompt (the check itself works)', () => {
    const dev = [{ id: 'd1', prompt: 'What is the capital city of Mongolia?' }];
    expect(findOverlaps(['what is the capital city of Mongolia'], dev).overlaps).toHaveLength(1);
    expect(findOverlaps(['Name three rivers in Brazil.'], dev).overlaps).toHaveLength(0);
  });

  // The dev set lives outside the repository (../shared/eval): a fresh clone has no copy to compare with.
  it.skipIf(!existsSync(devPath))('shares no prompt (or near-duplicate) with the dev set', () => {
    const dev = readFileSync(devPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; prompt: string });
    const { overlaps, maxSimilarity } = findOverlaps(
      examples.map((e) => e.prompt),
      dev,
    );
    expect(overlaps, `max similarity ${maxSimilarity}`).toEqual([]);
    expect(maxSimilarity).toBeLessThan(NEAR_DUPLICATE);
  });
});
