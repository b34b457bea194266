// The Models screen names each cloud engine by its provider: every cloud engine has kind "cloud", and the kind alone
// named Gemini's and OpenAI's rows "Claude (cloud)" beside their own "no Gemini/OpenAI API key" reasons.
import { describe, expect, it } from 'vitest';
import { engineLabel } from './ModelsView';

describe('engineLabel', () => {
  it('names each cloud by its provider and local engines by their kind', () => {
    expect(engineLabel({ id: 'anthropic', kind: 'cloud' })).toBe('Claude (cloud)');
    expect(engineLabel({ id: 'openai', kind: 'cloud' })).toBe('OpenAI (cloud)');
    expect(engineLabel({ id: 'gemini', kind: 'cloud' })).toBe('Google Gemini (cloud)');
    expect(engineLabel({ id: 'cloud-compat', kind: 'cloud' })).toBe('OpenAI-compatible cloud');
    expect(engineLabel({ id: 'llamacpp', kind: 'embedded' })).toBe('Embedded llama.cpp');
    expect(engineLabel({ id: 'ollama', kind: 'system-ollama' })).toBe('System Ollama');
  });
});
