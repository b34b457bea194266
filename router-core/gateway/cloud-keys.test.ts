// A cloud key's shape: one rule for a pasted key (400) and a key from the environment (a warning, never a crash).
import { describe, expect, it } from 'vitest';
import { envKeyWarnings, validateProviderKey } from './cloud-api.js';

describe('validateProviderKey / envKeyWarnings', () => {
  it('uses the right article for each provider', () => {
    expect(() => validateProviderKey('openai', 'sk-short')).toThrow(/; an OpenAI API key has 20 to 512 /);
    expect(() => validateProviderKey('gemini', 'AIza-short')).toThrow(/; a Gemini API key has 20 to 512 /);
    expect(() => validateProviderKey('compat', 'x'.repeat(513))).toThrow(/; an OpenAI-compatible cloud API key has 1 to 512 /);
  });

  it("takes a self-hosted OpenAI-compatible proxy's short key (LiteLLM's sk-1234), not an empty or spaced one", () => {
    expect(validateProviderKey('compat', ' sk-1234 ')).toBe('sk-1234');
    expect(() => validateProviderKey('compat', '  ')).toThrow(/0 characters; an OpenAI-compatible cloud API key has 1 to 512/);
    expect(() => validateProviderKey('compat', 'sk 1234')).toThrow(/no spaces/);
    expect(() => validateProviderKey('openai', 'sk-1234')).toThrow(/has 20 to 512/);
  });

  it('warns about a malformed env key by the same rule the API refuses it, and says nothing of a good one', () => {
    const fourteen = 'sk-0123456789a';
    expect(fourteen).toHaveLength(14);
    expect(() => validateProviderKey('openai', fourteen)).toThrow();
    const warnings = envKeyWarnings({
      openai: { env: 'OPENAI_API_KEY', value: fourteen },
      gemini: { env: 'GEMINI_API_KEY', value: 'AIzaSyA-0123456789abcdefghijklmnopqrstu' },
      compat: { env: 'HYBRID_AI_CLOUD_COMPAT_KEY', value: undefined },
    });
    expect(warnings).toEqual([
      'OPENAI_API_KEY looks malformed: 14 characters; an OpenAI API key has 20 to 512 (check that it was copied whole).',
    ]);
    expect(warnings.join(' ')).not.toContain(fourteen);
    expect(envKeyWarnings({ anthropic: { env: 'ANTHROPIC_API_KEY', value: 'nope' } })[0]).toMatch(
      /^ANTHROPIC_API_KEY looks malformed: a Claude API key starts with/,
    );
  });
});
