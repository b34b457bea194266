// The keyword index built in slices at start-up (prepareFeatureIndexInSlices): other work runs between slices, an
// estimate needed mid-build finishes it at once, and the index is the one a single build makes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { patternGroups } from '../data/keywords.js';
import type * as Features from './features.js';
import { buildPatternIndex, patternIndexSteps } from './text-index/pattern-index.js';

/** A fresh copy of the features module: the index is module state, built once per process. */
async function freshFeatures(): Promise<typeof Features> {
  vi.resetModules();
  return import('./features.js');
}

const groups = Object.entries(patternGroups).map(([id, g]) => ({ id, patterns: g.patterns }));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('keyword index built in slices', () => {
  beforeEach(() => vi.resetModules());

  it('lets other callbacks run between slices, and is built at the end', async () => {
    const f = await freshFeatures();
    const events: string[] = [];
    // 0 ms slices: one group per turn of the event loop.
    const done = f.prepareFeatureIndexInSlices(0).then(() => events.push('built'));
    expect(f.featureIndexBuilt()).toBe(false);
    await turn();
    events.push('another callback');
    expect(f.featureIndexBuilt()).toBe(false);
    await done;
    expect(events).toEqual(['another callback', 'built']);
    expect(f.featureIndexBuilt()).toBe(true);
  });

  it('an estimate needed mid-build finishes the build at once, with the same features as a full build', async () => {
    const prompt = 'Prove that the sum of two even numbers is even, then write a Python function that checks it.';
    // The first estimate builds the whole index at once.
    const expected = (await freshFeatures()).extractFeatures(prompt);

    const f = await freshFeatures();
    const done = f.prepareFeatureIndexInSlices(0);
    await turn();
    expect(f.featureIndexBuilt()).toBe(false);
    expect(f.extractFeatures(prompt)).toEqual(expected);
    expect(f.featureIndexBuilt()).toBe(true);
    await done;
  });

  it('the index made step by step is the one a single build makes', () => {
    const steps = patternIndexSteps(groups);
    let r = steps.next();
    let n = 0;
    while (!r.done) {
      n++;
      r = steps.next();
    }
    // One step per group after the first, and one to flatten the trie.
    expect(n).toBe(groups.length);
    expect(r.value).toEqual(buildPatternIndex(groups));
  });
});
