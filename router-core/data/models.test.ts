// The model catalog as data: every local entry pinned, complete and consistent; RAM needs and tier ladders derived.
import { describe, expect, it } from 'vitest';
import { computeBufferBytes, kvCacheBytes, MODEL_BUDGET_MIB, minTierFor, ramNeed } from './memory.js';
import {
  cloudModels,
  cloudModelsOf,
  defaultCloudModel,
  defaultCloudModelFor,
  findLocalModel,
  findModel,
  isPermissive,
  licenceLabel,
  localModels,
  ollamaBuildNote,
  pinnedUrl,
} from './models.js';
import { prices, type Price } from './prices.js';
import { cloudEngineOf, engineKinds, type CloudProvider, type EngineId } from '../contracts/decision.js';
import { ladderRoutesFor, recommendationsFor, recommendedModels, tierLadders } from './tiers.js';

const model = (id: string) => {
  const m = findLocalModel(id);
  if (!m) throw new Error(`no catalog entry ${id}`);
  return m;
};

describe('local model catalog', () => {
  it('every entry names a Hugging Face GGUF pinned to a 40-hex commit, with its exact size, sha256 and quantisation', () => {
    for (const m of localModels) {
      // `resolve/main` would follow the branch: a same-name file replaced there fails every download's sha256 check.
      expect(m.url, m.id).toMatch(/^https:\/\/huggingface\.co\/[\w.-]+\/[\w.-]+\/resolve\/[0-9a-f]{40}\/[\w.-]+\.gguf$/);
      expect(m.url, m.id).toBe(pinnedUrl(m.repo, m.revision, m.file));
      expect(m.revision, m.id).toMatch(/^[0-9a-f]{40}$/);
      expect(m.sha256, m.id).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isSafeInteger(m.sizeBytes) && m.sizeBytes > 0, m.id).toBe(true);
      expect(m.quantization).toBe('Q4_K_M');
      expect(m.routes, m.id).toContain(m.ladderRoute);
      expect(m.evidence.summary.length, m.id).toBeGreaterThan(0);
      expect(m.evidence.source.length, m.id).toBeGreaterThan(0);
    }
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(localModels.map((m) => m.file))).toBe(true);
    expect(unique(localModels.map((m) => m.sha256))).toBe(true);
    expect(unique(localModels.map((m) => m.ollamaTag))).toBe(true);
  });

  it('licences are SPDX ids or an explicit custom, non-permissive licence that says so', () => {
    for (const m of localModels) {
      if ('spdx' in m.licence) expect(['Apache-2.0', 'MIT'], m.id).toContain(m.licence.spdx);
      else expect(m.licence.terms.length, m.id).toBeGreaterThan(0);
      expect(m.licence.url, m.id).toMatch(/^https:\/\//);
    }
    const llama = model('llama-3.2-3b');
    expect(isPermissive(llama.licence)).toBe(false);
    expect(licenceLabel(llama.licence)).toBe(
      'custom: Llama 3.2 Community License (not permissive: acceptable-use policy, attribution, 700 M monthly-user limit)',
    );
    // Phi-2 is MIT upstream (its GGUF card still shows the old research licence): the link is the upstream model's.
    expect(model('phi2').licence).toEqual({ spdx: 'MIT', url: 'https://huggingface.co/microsoft/phi-2/blob/main/LICENSE' });
    expect(licenceLabel(model('qwen3-4b').licence)).toBe('Apache-2.0');
    // Phi-4-mini is MIT (linked upstream); Gemma's own terms are flagged as custom, not permissive.
    expect(model('phi-4-mini').licence).toEqual({
      spdx: 'MIT',
      url: 'https://huggingface.co/microsoft/Phi-4-mini-instruct/blob/main/LICENSE',
    });
    expect(isPermissive(model('gemma-3-4b').licence)).toBe(false);
    expect(licenceLabel(model('gemma-3-4b').licence)).toMatch(/^custom: Gemma Terms of Use \(not permissive: /);
  });

  it("says where Ollama's tag is another build than the catalog file; Mistral stays on v0.2", () => {
    expect(model('mistral-7b').ollamaTag).toBe('mistral:7b-instruct-v0.2-q4_K_M');
    expect(ollamaBuildNote(model('tinyllama'))).toBe("Ollama's tinyllama:1.1b is a Q4_0 build of the same model, not this Q4_K_M file");
    expect(ollamaBuildNote(model('phi2'))).toContain('Q4_0 build');
    expect(ollamaBuildNote(model('granite-4.0-micro'))).toBe("Ollama's granite4:micro is this same file");
  });

  it('findLocalModel resolves ids and aliases, never cloud models', () => {
    expect(findLocalModel('TinyLlama-1.1B')?.id).toBe('tinyllama');
    expect(findLocalModel('llama3.2-3b')?.id).toBe('llama-3.2-3b');
    expect(findLocalModel('qwen3:4b')?.id).toBe('qwen3-4b');
    expect(findLocalModel('claude-sonnet')).toBeUndefined();
    expect(findLocalModel('../../etc/passwd')).toBeUndefined();
  });
});

describe('RAM needs are derived from weights + KV cache + compute buffer + runtime overhead', () => {
  it('Phi-2: 1,706 MiB of weights + 640 MiB of f16 KV at its 2,048 context, ~2.6 GiB in all (was listed as 2,300)', () => {
    const r = ramNeed(model('phi2'));
    expect(r).toMatchObject({ context: 2048, weightsMiB: 1706, kvMiB: 640 });
    expect(r.totalMiB).toBe(Math.ceil(1_789_239_136 / 1048576 + 640 + computeBufferBytes(model('phi2').shape, 2048) / 1048576 + 100));
    expect(r.totalMiB).toBeGreaterThan(2.5 * 1024);
    expect(model('phi2').ramMiB).toBe(r.totalMiB);
  });

  it("every entry's ramMiB and minTier come from the one function, at the engine's context capped by the model's", () => {
    for (const m of localModels) {
      const r = ramNeed(m);
      expect(m.ramMiB, m.id).toBe(r.totalMiB);
      expect(r.context, m.id).toBe(Math.min(4096, m.contextLength));
      expect(m.minTier, m.id).toBe(minTierFor(m.ramMiB));
      expect(MODEL_BUDGET_MIB[m.minTier], m.id).toBeGreaterThanOrEqual(m.ramMiB);
      if (m.minTier > 1) expect(MODEL_BUDGET_MIB[(m.minTier - 1) as 1 | 2 | 3], m.id).toBeLessThan(m.ramMiB);
    }
  });

  it('KV cache scales with layers × KV heads × head size × context (GQA makes it smaller)', () => {
    const shape = { arch: 'llama', layers: 32, kvHeads: 8, headDim: 128, ff: 14336, vocab: 32000 };
    expect(kvCacheBytes(shape, 4096)).toBe(512 * 1048576);
    expect(kvCacheBytes({ ...shape, kvHeads: 32 }, 4096)).toBe(4 * 512 * 1048576);
  });
});

describe('tier ladders come from the catalog and the derived memory needs', () => {
  it('each rung lists the models that fit the tier best first by evidence, the seed models after the newer ones', () => {
    expect(ladderRoutesFor(1)).toEqual({ small: ['tinyllama'] });
    expect(ladderRoutesFor(2)).toEqual({
      small: ['qwen3-1.7b', 'qwen2.5-1.5b', 'tinyllama'],
      medium: ['smollm3-3b', 'granite-4.0-micro', 'llama-3.2-3b', 'phi2'],
    });
    expect(ladderRoutesFor(3)).toEqual({
      small: ['qwen3-1.7b', 'qwen2.5-1.5b', 'tinyllama'],
      medium: ['qwen3-4b', 'phi-4-mini', 'smollm3-3b', 'granite-4.0-micro', 'gemma-3-4b', 'llama-3.2-3b', 'phi2'],
      large: ['mistral-7b'],
    });
    expect(tierLadders[4].routes).toEqual(ladderRoutesFor(4));
  });

  it('the recommended model of each rung is the one the router tries first on it (it answers once its file is present)', () => {
    for (const t of [1, 2, 3, 4] as const)
      for (const r of recommendationsFor(t)) expect(tierLadders[t].routes[r.route]?.[0], `tier ${t} ${r.route}`).toBe(r.id);
  });

  it('the recommended download per rung is the best model that fits, with its reason', () => {
    expect(recommendedModels(1)).toEqual(['tinyllama']);
    expect(recommendedModels(2)).toEqual(['qwen3-1.7b', 'smollm3-3b']);
    expect(recommendedModels(3)).toEqual(['qwen3-1.7b', 'qwen3-4b', 'mistral-7b']);
    expect(recommendedModels(4)).toEqual(['qwen3-1.7b', 'qwen3-4b', 'mistral-7b']);
    const [small] = recommendationsFor(2);
    expect(small).toEqual({
      id: 'qwen3-1.7b',
      route: 'small',
      reason: `best small model in 4 GB (3.0 GB per model): Qwen3 1.7B, needs 2.1 GB; ${model('qwen3-1.7b').evidence.summary}`,
    });
    // Qwen3 4B (3.4 GB) does not fit tier 2's 3.0 GB, so SmolLM3 (2.5 GB) is the medium pick there.
    expect(model('qwen3-4b').ramMiB).toBeGreaterThan(MODEL_BUDGET_MIB[2]);
    // Every recommendation fits its tier.
    for (const t of [1, 2, 3, 4] as const)
      for (const id of recommendedModels(t)) expect(model(id).ramMiB, `${id} on tier ${t}`).toBeLessThanOrEqual(MODEL_BUDGET_MIB[t]);
  });
});

describe('cloud model catalog', () => {
  it('every cloud model names its provider, serves only the cloud route, and has a paid list price', () => {
    const providers = new Set(cloudModels.map((m) => m.provider));
    expect([...providers].sort()).toEqual(['anthropic', 'gemini', 'openai']);
    for (const m of cloudModels) {
      expect(m.routes, m.id).toEqual(['cloud']);
      expect(m.contextLength, m.id).toBeGreaterThanOrEqual(200_000);
      const p = (prices as Record<string, Price>)[m.id];
      expect(p, m.id).toBeDefined();
      expect(p!.inputPerMTok, m.id).toBeGreaterThan(0);
      expect(p!.outputPerMTok, m.id).toBeGreaterThan(p!.inputPerMTok);
      // Every catalog provider has a cheaper price for cached input, below the input price.
      expect(p!.cachedInputPerMTok, m.id).toBeGreaterThan(0);
      expect(p!.cachedInputPerMTok!, m.id).toBeLessThan(p!.inputPerMTok);
    }
    // No cloud model is a local model's alias, nor ever offered as a download.
    for (const m of cloudModels) expect(findLocalModel(m.id), m.id).toBeUndefined();
  });

  it('ids and aliases resolve to exactly one entry', () => {
    const names = [...localModels, ...cloudModels].flatMap((m) => [m.id, ...m.aliases]);
    expect(new Set(names).size).toBe(names.length);
    expect(findModel('GPT-5.4')?.id).toBe('gpt-5.4');
    expect(findModel('gemini')?.id).toBe('gemini-2.5-flash');
  });

  it('each provider has one default model of its own, Claude Sonnet stays the overall default, compat has none', () => {
    expect(defaultCloudModel).toBe('claude-sonnet');
    for (const provider of ['anthropic', 'openai', 'gemini'] as const) {
      const id = defaultCloudModelFor(provider);
      expect(findModel(id ?? '')?.kind === 'cloud' && cloudModelsOf(provider).some((m) => m.id === id), provider).toBe(true);
    }
    expect(defaultCloudModelFor('anthropic')).toBe('claude-sonnet');
    expect(defaultCloudModelFor('compat')).toBeUndefined();
    expect(cloudModelsOf('compat')).toEqual([]);
    expect(cloudModelsOf('openai').map((m) => m.id)).toEqual(['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano']);
  });

  it("engine kinds: the local engines are local, each cloud engine is its provider's", () => {
    const local = (Object.keys(engineKinds) as EngineId[]).filter((id) => engineKinds[id].kind === 'local');
    expect(local.sort()).toEqual(['llamacpp', 'ollama', 'openai-compat']);
    for (const [provider, id] of Object.entries(cloudEngineOf) as Array<[CloudProvider, EngineId]>)
      expect(engineKinds[id], id).toEqual({ kind: 'cloud', provider });
  });
});
