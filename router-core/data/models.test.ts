// The model catalog as data: every local entry complete and consistent; tier ladders derived from it.
import { describe, expect, it } from 'vitest';
import { findLocalModel, localModels } from './models.js';
import { ladderRoutesFor, recommendedModels, tierLadders } from './tiers.js';

describe('local model catalog', () => {
  it('every entry names a Hugging Face GGUF with its exact size, sha256, quantisation and licence', () => {
    for (const m of localModels) {
      expect(m.url, m.id).toBe(`${m.url.slice(0, m.url.lastIndexOf('/'))}/${m.file}`);
      expect(m.url, m.id).toMatch(/^https:\/\/huggingface\.co\/[\w.-]+\/[\w.-]+\/resolve\/main\/[\w.-]+\.gguf$/);
      expect(m.sha256, m.id).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isSafeInteger(m.sizeBytes) && m.sizeBytes > 0, m.id).toBe(true);
      // RAM need covers the weights (mmap) plus a small context.
      expect(m.ramMiB * 1048576, m.id).toBeGreaterThan(m.sizeBytes);
      expect(m.quantization).toBe('Q4_K_M');
      expect(m.licence.length).toBeGreaterThan(0);
      expect(m.routes, m.id).toContain(m.ladderRoute);
    }
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(localModels.map((m) => m.file))).toBe(true);
    expect(unique(localModels.map((m) => m.sha256))).toBe(true);
    expect(unique(localModels.map((m) => m.ollamaTag))).toBe(true);
  });

  it('findLocalModel resolves ids and aliases, never cloud models', () => {
    expect(findLocalModel('TinyLlama-1.1B')?.id).toBe('tinyllama');
    expect(findLocalModel('llama3.2-3b')?.id).toBe('llama-3.2-3b');
    expect(findLocalModel('claude-sonnet')).toBeUndefined();
    expect(findLocalModel('../../etc/passwd')).toBeUndefined();
  });
});

describe('tier ladders come from the catalog', () => {
  it('seed model first on every rung, newer alternates after it, each from its minimum tier', () => {
    expect(ladderRoutesFor(1)).toEqual({ small: ['tinyllama'] });
    expect(ladderRoutesFor(2)).toEqual({ small: ['tinyllama', 'qwen2.5-1.5b'], medium: ['phi2', 'llama-3.2-3b'] });
    expect(ladderRoutesFor(3)).toEqual({ small: ['tinyllama', 'qwen2.5-1.5b'], medium: ['phi2', 'llama-3.2-3b'], large: ['mistral-7b'] });
    expect(tierLadders[4].routes).toEqual(ladderRoutesFor(4));
  });

  it('what to download for each tier: the first model of each rung', () => {
    expect(recommendedModels(1)).toEqual(['tinyllama']);
    expect(recommendedModels(2)).toEqual(['tinyllama', 'phi2']);
    expect(recommendedModels(4)).toEqual(['tinyllama', 'phi2', 'mistral-7b']);
  });
});
