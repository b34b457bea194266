// The local engines' order, derived from engineKinds: Ollama first, the embedded engine first for an explicit model file.
import { describe, expect, it } from 'vitest';
import { engineKinds, type EngineId } from '../contracts/decision.js';
import { localEngineIds, localEnginePreference } from './cloud.js';

describe('localEnginePreference', () => {
  it('lists every local engine of engineKinds once: Ollama first, or llama.cpp first for an explicit HYBRID_AI_LOCAL_MODEL', () => {
    expect(localEnginePreference(false)).toEqual(['ollama', 'llamacpp', 'openai-compat']);
    expect(localEnginePreference(true)).toEqual(['llamacpp', 'ollama', 'openai-compat']);
    const local = (Object.keys(engineKinds) as EngineId[]).filter((e) => engineKinds[e].kind === 'local');
    expect(localEngineIds).toEqual(local);
    for (const explicit of [false, true]) expect([...localEnginePreference(explicit)].sort()).toEqual([...local].sort());
  });
});
