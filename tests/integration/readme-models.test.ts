// The README's local-models tier table says what the catalog recommends per tier and rung, with the derived sizes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_BUDGET_MIB } from '../../router-core/data/memory.js';
import { findLocalModel } from '../../router-core/data/models.js';
import { recommendationsFor, tierLadders } from '../../router-core/data/tiers.js';

const gb = (mib: number): string => `${(mib / 1024).toFixed(1)} GB`;

describe('README: Local models', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Local models'), readme.indexOf('## On a server'));

  it.each([1, 2, 3, 4] as const)('tier %i: its row names each rung’s recommended model and the per-model budget', (tier) => {
    const row = section.split('\n').find((l) => new RegExp(`^\\| ${tier} \\|`).test(l));
    expect(row, `tier ${tier} row`).toBeDefined();
    const cells = row!.split('|').map((c) => c.trim());
    // | tier | RAM (per model) | small | medium | large | target |
    expect(cells[2]).toBe(`${tierLadders[tier].ramGiB} GB${tier === 4 ? ' + GPU' : ''} (${gb(MODEL_BUDGET_MIB[tier])})`);
    const recs = recommendationsFor(tier);
    (['small', 'medium', 'large'] as const).forEach((route, i) => {
      const rec = recs.find((r) => r.route === route);
      const cell = cells[3 + i]!;
      if (!rec) return expect(cell, `${route} on tier ${tier}`).toBe('cloud');
      const m = findLocalModel(rec.id)!;
      // The label without its "Instruct"/"Chat" suffix, e.g. "Qwen3 1.7B", "Mistral 7B v0.2", "TinyLlama 1.1B".
      const name = m.label.replace(/ (Instruct|Chat)\b/, '');
      expect(cell, `${route} on tier ${tier}`).toContain(name);
      if (cell.includes('GB')) expect(cell).toContain(`(${gb(m.ramMiB)})`);
    });
  });
});
