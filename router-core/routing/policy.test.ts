// Route policy: ladder per tier, override, local-only, no key, budget cap, fallbacks when models are missing.
import { describe, expect, it } from 'vitest';
import type { Availability, EngineId, Tier } from '../contracts/decision.js';
import type { ChatRequest } from '../contracts/chat.js';
import { decideEmbedding, decideRoute, withoutLatestTag, type RoutingConfig } from './policy.js';
import { estimateComplexity } from './complexity.js';
import { createRoutingState } from './state.js';

// Thresholds that force every prompt into one band, so these tests do not depend on the estimator.
const ALL_SMALL = { medium: 1.01, cloud: 1.02 };
const ALL_MEDIUM = { medium: 0, cloud: 1.01 };
const ALL_CLOUD = { medium: 0, cloud: 0 };

const config = (over: Partial<RoutingConfig> = {}): RoutingConfig => ({
  thresholds: ALL_SMALL,
  localOnly: false,
  cloudModel: 'claude-sonnet',
  budget: {},
  localEnginePreference: ['ollama', 'llamacpp'],
  ...over,
});
const req = (content: string, model = 'auto', extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content }],
  params: {},
  ...extra,
});
const everything: Availability = {
  engines: {
    llamacpp: { ok: true, models: ['tinyllama', 'phi2', 'mistral-7b'] },
    anthropic: { ok: true, models: ['claude-haiku', 'claude-sonnet', 'claude-opus'] },
  },
};
const noKey: Availability = {
  engines: { llamacpp: everything.engines.llamacpp, anthropic: { ok: false, models: [], reason: 'no Claude API key configured' } },
};
const nothingSpent = { todayMicros: 0, monthMicros: 0 };

function decide(
  content: string,
  opts: { cfg?: Partial<RoutingConfig>; tier?: Tier; availability?: Availability; model?: string; spend?: typeof nothingSpent } = {},
) {
  return decideRoute({
    request: req(content, opts.model),
    config: config(opts.cfg),
    tier: opts.tier ?? 2,
    availability: opts.availability ?? everything,
    spend: opts.spend ?? nothingSpent,
  });
}

describe('decideRoute: kept state across decisions', () => {
  it('a threshold change takes effect at once with the routing state kept between requests (estimates are kept per threshold pair)', () => {
    const state = createRoutingState();
    const route = (thresholds: RoutingConfig['thresholds']) => {
      const o = decideRoute({
        request: req('hi'),
        config: config({ thresholds }),
        tier: 2,
        availability: everything,
        spend: nothingSpent,
        state,
      });
      return o.ok ? o.decision.route : o.error.type;
    };
    expect(route(ALL_SMALL)).toBe('small');
    expect(route(ALL_CLOUD)).toBe('cloud');
    expect(route(ALL_SMALL)).toBe('small');
    expect(route(ALL_MEDIUM)).toBe('medium');
  });
});

describe('decideRoute: the ladder', () => {
  it('small prompts go to the tier small model', () => {
    const o = decide('hi');
    expect(o.ok && o.decision).toMatchObject({ route: 'small', model: 'tinyllama', engine: 'llamacpp' });
  });

  it('medium prompts go to phi2 on tier 2 but to the cloud on tier 1 (no local medium model)', () => {
    const t2 = decide('explain', { cfg: { thresholds: ALL_MEDIUM }, tier: 2 });
    expect(t2.ok && t2.decision).toMatchObject({ route: 'medium', model: 'phi2' });
    const t1 = decide('explain', { cfg: { thresholds: ALL_MEDIUM }, tier: 1 });
    expect(t1.ok && t1.decision).toMatchObject({ route: 'cloud', model: 'claude-sonnet', engine: 'anthropic' });
    expect(t1.ok && t1.decision.reasons.join(' ')).toMatch(/tier 1 has no local medium model/);
  });

  it('the upper medium band goes to the large model on tier 3', () => {
    const prompt = 'Write a short story about a lighthouse keeper.';
    const s = estimateComplexity(prompt).score;
    // Band [0, s + ε): s sits in its upper third on tier 3 (large) but not in the upper ~0% of tier 2 (no large rung).
    const o = decide(prompt, { cfg: { thresholds: { medium: 0, cloud: s + 0.001 }, estimator: 'rules' }, tier: 3 });
    expect(o.ok && o.decision).toMatchObject({ route: 'large', model: 'mistral-7b' });
    // The reasons name the band as a band and the rung it reached: no "→ medium" beside a LARGE pill.
    const why = o.ok ? o.decision.reasons : [];
    expect(why[0]).toMatch(/^complexity \d\.\d\d \(medium band\)$/);
    expect(why).toContain('upper part of the medium band → the tier 3 large model');
    expect(why.join(' | ')).not.toMatch(/→ medium/);
    const low = decide(prompt, { cfg: { thresholds: { medium: 0, cloud: s * 3 + 0.01 }, estimator: 'rules' }, tier: 3 });
    expect(low.ok && low.decision).toMatchObject({ route: 'medium', model: 'phi2' });
  });

  it('cloud prompts go to Claude with local models as fallbacks, strongest first', () => {
    const o = decide('prove it', { cfg: { thresholds: ALL_CLOUD }, tier: 3 });
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    expect(o.decision).toMatchObject({ route: 'cloud', engine: 'anthropic' });
    expect(o.decision.fallbacks.map((f) => f.model)).toEqual(['mistral-7b', 'phi2', 'tinyllama']);
  });

  it('reasons start with the complexity score', () => {
    const o = decide('hi');
    expect(o.ok && o.decision.reasons[0]).toMatch(/^complexity \d\.\d\d \(small band\)$/);
  });
});

describe('decideRoute: cloud off', () => {
  it('no key: cloud prompts go to the best local model and the reasons say so', () => {
    const o = decide('prove it', { cfg: { thresholds: ALL_CLOUD }, availability: noKey, tier: 2 });
    expect(o.ok && o.decision).toMatchObject({ route: 'medium', model: 'phi2' });
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/cloud disabled \(no Claude API key configured\) → best local model phi2/);
    expect(o.ok && o.decision.fallbacks.some((f) => f.engine === 'anthropic')).toBe(false);
  });

  it('local-only mode keeps everything local', () => {
    const o = decide('prove it', { cfg: { thresholds: ALL_CLOUD, localOnly: true } });
    expect(o.ok && o.decision.engine).toBe('llamacpp');
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/local-only mode is on/);
  });

  it('per-request localOnly keeps it local', () => {
    const o = decideRoute({
      request: req('x', 'auto', { localOnly: true }),
      config: config({ thresholds: ALL_CLOUD }),
      tier: 2,
      availability: everything,
      spend: nothingSpent,
    });
    expect(o.ok && o.decision.engine).toBe('llamacpp');
  });

  it('budget cap reached: local only, with the reason', () => {
    const o = decide('prove it', {
      cfg: { thresholds: ALL_CLOUD, budget: { dailyMicros: 1_000_000 } },
      spend: { todayMicros: 1_000_000, monthMicros: 1_000_000 },
    });
    expect(o.ok && o.decision.engine).toBe('llamacpp');
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/daily cloud budget of \$1\.00 reached/);
  });

  it('budget not yet reached: cloud allowed', () => {
    const o = decide('prove it', {
      cfg: { thresholds: ALL_CLOUD, budget: { dailyMicros: 1_000_000 } },
      spend: { todayMicros: 900_000, monthMicros: 900_000 },
    });
    expect(o.ok && o.decision.engine).toBe('anthropic');
  });

  it('budget that this request would exceed (estimated before the call): local only, with the reason', () => {
    // 'prove it' at Sonnet prices: ~11 input tokens + up to 1024 output tokens ≈ $0.0154, more than the $0.01 left.
    const o = decide('prove it', {
      cfg: { thresholds: ALL_CLOUD, budget: { dailyMicros: 1_000_000 } },
      spend: { todayMicros: 990_000, monthMicros: 990_000 },
    });
    expect(o.ok && o.decision.engine).toBe('llamacpp');
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/daily cloud budget of \$1\.00 would be exceeded/);
  });

  it('a named Claude model without a Claude key names the clouds that are configured', () => {
    const a: Availability = {
      engines: {
        ...noKey.engines,
        openai: { ok: true, models: ['gpt-4o-mini'] },
        gemini: { ok: true, models: ['gemini-2.5-flash'] },
      },
    };
    const o = decide('hi', { availability: a, model: 'claude-haiku' });
    expect(!o.ok && o.error.type).toBe('no_model_available');
    expect(!o.ok && o.error.message).toBe(
      'Model "claude-haiku" is a Claude model and Claude is unavailable: no Claude API key configured; ' +
        'configured clouds: openai, gemini — name one of their models or use "auto".',
    );
    const alone = decide('hi', { availability: noKey, model: 'claude-haiku' });
    expect(!alone.ok && alone.error.message).toBe(
      'Model "claude-haiku" is a cloud model and the cloud is unavailable: no Claude API key configured.',
    );
  });

  it('nothing available at all is a clear error', () => {
    const o = decide('hi', { availability: { engines: { anthropic: { ok: false, models: [], reason: 'no Claude API key configured' } } } });
    expect(o.ok).toBe(false);
    expect(!o.ok && o.error.type).toBe('no_model_available');
    expect(!o.ok && o.error.message).toMatch(/HYBRID_AI_LOCAL_MODEL/);
  });
});

describe('decideRoute: missing models and engines', () => {
  it('small model missing: next rung up, then cloud, then weaker', () => {
    const a: Availability = { engines: { llamacpp: { ok: true, models: ['phi2'] }, anthropic: everything.engines.anthropic } };
    const o = decide('hi', { availability: a });
    expect(o.ok && o.decision).toMatchObject({ model: 'phi2', route: 'medium' });
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/no small model available/);
    expect(o.ok && o.decision.fallbacks.map((f) => f.engine)).toEqual(['anthropic']);
  });

  it('prefers the engine order given and offers the other engine as fallback for the same model', () => {
    const a: Availability = { engines: { ...everything.engines, ollama: { ok: true, models: ['tinyllama'] } } };
    const o = decide('hi', { availability: a });
    expect(o.ok && o.decision).toMatchObject({ model: 'tinyllama', engine: 'ollama' });
    expect(o.ok && o.decision.fallbacks[0]).toMatchObject({ model: 'tinyllama', engine: 'llamacpp' });
  });
});

describe('decideRoute: model override', () => {
  it('a local model by id or seed alias', () => {
    const o = decide('prove it', { cfg: { thresholds: ALL_CLOUD }, model: 'PHI-2' });
    expect(o.ok && o.decision).toMatchObject({ model: 'phi2', engine: 'llamacpp' });
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/requested by the caller/);
  });

  it('a Claude alias and a raw Claude id', () => {
    const a = decide('hi', { model: 'claude-sonnet' });
    expect(a.ok && a.decision).toMatchObject({ model: 'claude-sonnet', engine: 'anthropic', route: 'cloud' });
    const b = decide('hi', { model: 'claude-3-5-haiku-latest' });
    expect(b.ok && b.decision).toMatchObject({ model: 'claude-3-5-haiku-latest', engine: 'anthropic' });
  });

  it('unknown model → not_found (a 404 in every protocol) listing the valid ones', () => {
    const o = decide('hi', { model: 'gpt-9' });
    expect(!o.ok && o.error.type).toBe('not_found');
    expect(!o.ok && o.error.details).toMatchObject({ param: 'model', value: 'gpt-9' });
    expect(!o.ok && o.error.message).toMatch(
      /Unknown model "gpt-9"\. Valid models: auto, .*tinyllama, .*phi2, .*mistral-7b, .*claude-haiku/,
    );
    // Only what would answer: a catalog model no engine serves is not listed.
    expect(!o.ok && o.error.message).not.toMatch(/qwen3-1\.7b/);
  });

  it('the valid list names the HYBRID_AI_LOCAL_MODEL file and leaves out clouds that are not configured', () => {
    const a: Availability = {
      engines: {
        llamacpp: { ok: true, models: ['tiny', 'tinyllama', 'phi2'], servesAllLocalAs: 'tiny' },
        anthropic: { ok: false, models: [], reason: 'no Claude API key configured' },
        openai: { ok: true, models: ['gpt-5.4-mini'] },
      },
    };
    const o = decide('hi', { availability: a, model: 'nope' });
    expect(!o.ok && o.error.type).toBe('not_found');
    const valid = (!o.ok && (o.error.details as { valid: string[] }).valid) || [];
    expect(valid).toContain('tiny');
    expect(valid).toContain('gpt-5.4-mini');
    expect(valid.filter((m) => m.startsWith('claude-'))).toEqual([]);
    expect(!o.ok && o.error.message).toMatch(/Valid models: auto, .*gpt-5\.4-mini, tiny\.$/);
    const tiny = decide('hi', { availability: a, model: 'tiny' });
    expect(tiny.ok && tiny.decision).toMatchObject({ model: 'tiny', engine: 'llamacpp' });
  });

  it('Claude requested without a key → no_model_available; in local-only mode → forbidden', () => {
    const a = decide('hi', { model: 'claude-sonnet', availability: noKey });
    expect(!a.ok && a.error.type).toBe('no_model_available');
    expect(!a.ok && a.error.message).toMatch(/no Claude API key configured/);
    const b = decide('hi', { model: 'claude-sonnet', cfg: { localOnly: true } });
    expect(!b.ok && b.error.type).toBe('forbidden');
  });

  it('catalog model not installed → no_model_available with the pull hint', () => {
    const a: Availability = { engines: { llamacpp: { ok: true, models: ['tinyllama'] } } };
    const o = decide('hi', { model: 'mistral-7b', availability: a });
    expect(!o.ok && o.error).toMatchObject({ type: 'no_model_available' });
    expect(!o.ok && o.error.message).toMatch(/hybrid-ai models pull mistral-7b/);
  });

  it('a raw Ollama tag the server has', () => {
    const a: Availability = { engines: { ollama: { ok: true, models: ['qwen2.5:0.5b'] } } };
    const o = decide('hi', { model: 'qwen2.5:0.5b', availability: a });
    expect(o.ok && o.decision).toMatchObject({ model: 'qwen2.5:0.5b', engine: 'ollama' });
  });
});

describe('decideRoute: tools', () => {
  const tools = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  const withTools: Availability = {
    engines: {
      llamacpp: { ok: true, models: ['tinyllama', 'phi2', 'qwen2.5-1.5b'] },
      ollama: { ok: true, models: ['qwen2.5-1.5b', 'tinyllama', 'llama3.1:8b'], tools: true },
      anthropic: { ok: true, models: ['claude-haiku', 'claude-sonnet', 'claude-opus'], tools: true },
    },
  };
  const run = (model: string, availability: Availability, extra: Partial<ChatRequest> = { tools }) =>
    decideRoute({ request: req('hi', model, extra), config: config(), tier: 2, availability, spend: nothingSpent });

  it('auto with tools picks a tool-calling model on an engine that passes tools, and says so', () => {
    const o = run('auto', withTools);
    expect(o.ok && o.decision).toMatchObject({ model: 'qwen2.5-1.5b', engine: 'ollama' });
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(
      /tools requested → only models that can call tools \(qwen2\.5-1\.5b, claude-sonnet\)/,
    );
    // Every fallback can call tools too: no tinyllama, no llama.cpp (it does not pass tools).
    expect(o.ok && o.decision.fallbacks).toEqual([{ route: 'cloud', model: 'claude-sonnet', engine: 'anthropic' }]);
  });

  const claudeTools = everythingWith({ anthropic: { ok: true, models: ['claude-sonnet'], tools: true } });

  it('without a local tool-calling engine, tools go to Claude', () => {
    const o = run('auto', claudeTools);
    expect(o.ok && o.decision).toMatchObject({ route: 'cloud', model: 'claude-sonnet', engine: 'anthropic' });
  });

  it('a conversation holding tool results needs a tool-calling model even without new tools', () => {
    const o = decideRoute({
      request: {
        model: 'auto',
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{}' }] },
          { role: 'tool', content: 'sunny', toolCallId: 'c1' },
        ],
        params: {},
      },
      config: config(),
      tier: 2,
      availability: claudeTools,
      spend: nothingSpent,
    });
    expect(o.ok && o.decision.model).toBe('claude-sonnet');
  });

  it('nothing can call tools → no_model_available naming the models that could', () => {
    const o = run('auto', noKey);
    expect(!o.ok && o.error.type).toBe('no_model_available');
    expect(!o.ok && o.error.message).toMatch(
      /No available model can call tools.*\(qwen3-1\.7b, qwen2\.5-1\.5b, qwen3-4b, phi-4-mini, smollm3-3b, granite-4\.0-micro, llama-3\.2-3b\)/,
    );
  });

  it('a named model that cannot call tools → invalid_request listing those that can', () => {
    const o = run('tinyllama', withTools);
    expect(!o.ok && o.error).toMatchObject({ type: 'invalid_request', details: { param: 'model', value: 'tinyllama' } });
    expect(!o.ok && o.error.message).toMatch(
      /Model "tinyllama" cannot call tools\. Models that can: qwen3-1\.7b, qwen2\.5-1\.5b, .*llama-3\.2-3b, claude-haiku/,
    );
  });

  it('a tool-calling model only on an engine that does not pass tools → no_model_available saying why', () => {
    const o = run('qwen2.5-1.5b', everythingWith({ llamacpp: { ok: true, models: ['qwen2.5-1.5b'] } }));
    expect(!o.ok && o.error.type).toBe('no_model_available');
    expect(!o.ok && o.error.message).toMatch(/engine running it here \(llamacpp\) does not pass tools/);
  });

  it('named Claude models and raw Ollama tags take tools (Ollama itself refuses a model without them)', () => {
    expect(run('claude-haiku', withTools)).toMatchObject({ ok: true, decision: { model: 'claude-haiku', engine: 'anthropic' } });
    expect(run('llama3.1:8b', withTools)).toMatchObject({ ok: true, decision: { model: 'llama3.1:8b', engine: 'ollama' } });
  });

  it('requests without tools are routed as before', () => {
    // The best present small model answers; models that cannot call tools stay in the chain as fallbacks.
    const o = run('auto', withTools, {});
    expect(o).toMatchObject({ ok: true, decision: { model: 'qwen2.5-1.5b' } });
    expect(o.ok && o.decision.fallbacks.map((f) => f.model)).toEqual(expect.arrayContaining(['tinyllama', 'phi2']));
  });

  function everythingWith(engines: Availability['engines']): Availability {
    return { engines: { ...everything.engines, ...engines } };
  }
});

describe('an engine serving every local model from one file (HYBRID_AI_LOCAL_MODEL)', () => {
  const catalogIds = ['qwen3-1.7b', 'qwen2.5-1.5b', 'tinyllama', 'smollm3-3b', 'phi2', 'my-model'];
  const a: Availability = {
    engines: {
      llamacpp: { ok: true, models: catalogIds, servesAllLocalAs: 'my-model' },
      anthropic: { ok: true, models: ['claude-sonnet'] },
    },
  };
  const run = (prompt: string, model = 'auto') =>
    decideRoute({ request: req(prompt, model), config: config(), tier: 2, availability: a, spend: nothingSpent });

  it('decides on the catalog rungs but names the file; the same file is not tried again as a fallback', () => {
    const o = run('hi');
    expect(o).toMatchObject({ ok: true, decision: { route: 'small', model: 'my-model', engine: 'llamacpp' } });
    expect(o.ok && o.decision.fallbacks).toEqual([{ route: 'cloud', model: 'claude-sonnet', engine: 'anthropic' }]);
  });
  it('the reasons name the file the answer will come from', () => {
    const o = decideRoute({
      request: req('Prove that there are infinitely many primes.', 'auto', { localOnly: true }),
      config: config({ thresholds: { medium: 0.3, cloud: 0.6 } }),
      tier: 2,
      availability: a,
      spend: nothingSpent,
    });
    expect(o).toMatchObject({ ok: true, decision: { model: 'my-model', engine: 'llamacpp' } });
    expect(o.ok && o.decision.reasons).toContain(
      'cloud disabled (the request asked to stay on this machine) → best local model my-model instead',
    );
  });
  it("a catalog model asked for by name, or the file's own name, is answered by the file under its name", () => {
    expect(run('hi', 'phi2')).toMatchObject({ ok: true, decision: { model: 'my-model', engine: 'llamacpp' } });
    expect(run('hi', 'my-model')).toMatchObject({ ok: true, decision: { model: 'my-model', engine: 'llamacpp' } });
  });
  it('embeddings name the file too', () => {
    const e = decideEmbedding({ model: 'auto', tier: 2, availability: a, embedEngines: ['llamacpp'], preference: ['llamacpp'] });
    expect(e).toMatchObject({ ok: true, model: 'my-model', engine: 'llamacpp' });
  });
});

describe('decideEmbedding', () => {
  const a: Availability = {
    engines: {
      llamacpp: { ok: true, models: ['phi2', 'tinyllama'] },
      ollama: { ok: true, models: ['nomic-embed-text:latest'] },
      anthropic: { ok: true, models: ['claude-sonnet'] },
    },
  };
  const embed = (model: string, embedEngines: EngineId[] = ['llamacpp', 'ollama']) =>
    decideEmbedding({ model, tier: 2, availability: a, embedEngines, preference: ['ollama', 'llamacpp'] });

  it('auto takes the smallest available local model on an engine that can embed', () => {
    expect(embed('auto')).toMatchObject({ ok: true, model: 'tinyllama', engine: 'llamacpp' });
  });
  it('a named local model or an engine-native name is used as given', () => {
    expect(embed('phi-2')).toMatchObject({ ok: true, model: 'phi2', engine: 'llamacpp' });
    expect(embed('nomic-embed-text:latest')).toMatchObject({ ok: true, model: 'nomic-embed-text:latest', engine: 'ollama' });
  });
  it('Claude cannot embed; unknown names are not_found; no engine that embeds → no_model_available', () => {
    expect(embed('claude-sonnet')).toMatchObject({ ok: false, error: { type: 'invalid_request', details: { param: 'model' } } });
    const unknown = embed('text-embedding-3-small');
    expect(unknown).toMatchObject({ ok: false, error: { type: 'not_found', details: { value: 'text-embedding-3-small' } } });
    expect(!unknown.ok && unknown.error.message).toMatch(/Valid models for embeddings: auto, tinyllama, phi2, nomic-embed-text:latest/);
    expect(embed('auto', [])).toMatchObject({ ok: false, error: { type: 'no_model_available' } });
    expect(embed('mistral-7b')).toMatchObject({ ok: false, error: { type: 'no_model_available' } });
  });
});

describe('decideRoute: context fit', () => {
  // A 12,400-character document (plain English words) followed by a trivial ask: the shape of the reported bug.
  const doc = 'The quarterly report describes sales, hiring and the new office in plain words. '.repeat(155);
  const longAsk = `${doc}\n\nGive this text a short title.`;
  const chat = (content: string, extra: Partial<ChatRequest> = {}, model = 'auto'): ChatRequest => req(content, model, extra);
  const withContexts = (base: Availability, contextLengths: Record<string, number>): Availability => ({
    engines: { ...base.engines, llamacpp: { ...base.engines.llamacpp!, contextLengths } },
  });
  const route = (request: ChatRequest, opts: { tier?: Tier; availability?: Availability; cfg?: Partial<RoutingConfig> } = {}) =>
    decideRoute({
      request,
      config: config(opts.cfg),
      tier: opts.tier ?? 3,
      availability: opts.availability ?? everything,
      spend: nothingSpent,
    });

  it('a long input with a trivial ask routes past TinyLlama to a model whose context fits, and says why', () => {
    expect(longAsk.length).toBeGreaterThan(12_000);
    const o = route(chat(longAsk), { availability: noKey });
    expect(o.ok && o.decision).toMatchObject({ route: 'large', model: 'mistral-7b', engine: 'llamacpp' });
    const why = o.ok ? o.decision.reasons.join(' | ') : '';
    expect(why).toMatch(/input ~[\d,]+ tokens \+ 256 for the answer > tinyllama's 2,048-token context, phi2's 2,048 → mistral-7b/);
    expect(why).not.toMatch(/not installed/);
    // Models that cannot hold it are not even fallbacks (they would truncate it).
    expect(o.ok && o.decision.fallbacks.map((f) => f.model)).toEqual([]);
  });

  it('with the cloud on, a long input that no local model holds goes to the cloud with the reason', () => {
    const o = route(chat(longAsk), { tier: 2 });
    expect(o.ok && o.decision).toMatchObject({ route: 'cloud', model: 'claude-sonnet' });
    expect(o.ok && o.decision.reasons.join(' | ')).toMatch(/> tinyllama's 2,048-token context, phi2's 2,048 → claude-sonnet/);
  });

  it('the context the engine reports (GGUF, context cap) wins over the catalog', () => {
    // mistral-7b's catalog window is 32,768, but the embedded engine runs it with a 2,048-token context here.
    const capped = withContexts(noKey, { tinyllama: 2048, phi2: 2048, 'mistral-7b': 2048 });
    const o = route(chat(longAsk), { availability: capped });
    expect(o).toMatchObject({ ok: false, error: { type: 'context_length_exceeded' } });
    // And a larger reported window lets a short-context catalog model take it.
    const big = withContexts(noKey, { tinyllama: 16_384 });
    expect(route(chat(longAsk), { availability: big, cfg: { thresholds: ALL_SMALL } })).toMatchObject({
      ok: true,
      decision: { model: 'tinyllama' },
    });
  });

  it('nothing fits and the cloud is off → a clear error naming the size and the limit', () => {
    const o = route(chat(longAsk), { tier: 2, availability: noKey });
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.error.type).toBe('context_length_exceeded');
    expect(o.error.message).toMatch(/the input is ~[\d,]+ tokens and the answer needs room for 256 more/);
    expect(o.error.message).toMatch(/largest context is 2,048 tokens \(tinyllama's 2,048-token context, phi2's 2,048\)/);
    expect(o.error.message).toMatch(/the cloud is unavailable \(no Claude API key configured\)/);
    expect(o.error.details?.param).toBe('messages');
  });

  it('max_tokens below the minimum answer room lowers the need; above it, it is a limit the context caps, with the reason', () => {
    // ~1,850 estimated tokens: with the default 256-token answer room it does not fit 2,048; with max_tokens 16 it does.
    const medium = 'The quarterly report describes sales, hiring and the new office in plain words. '.repeat(85);
    const small = { availability: noKey, cfg: { thresholds: ALL_SMALL } };
    expect(route(chat(medium), small)).toMatchObject({ ok: true, decision: { model: 'mistral-7b' } });
    expect(route(chat(medium, { params: { maxTokens: 16 } }), small)).toMatchObject({ ok: true, decision: { model: 'tinyllama' } });
    // SDKs send max_tokens 4,096 by default: that alone does not push a short prompt off the small model.
    const big = route(chat('hi', { params: { maxTokens: 3000 } }), small);
    expect(big.ok && big.decision.model).toBe('tinyllama');
    expect(big.ok && big.decision.reasons.join(' | ')).toMatch(
      /max_tokens 3,000 > the ~2,0\d\d tokens tinyllama's 2,048-token context leaves after the input → the answer is capped there/,
    );
  });

  it('history counts: many short turns add up past a small context', () => {
    const messages: ChatRequest['messages'] = [];
    for (let i = 0; i < 40; i++) {
      messages.push({ role: 'user', content: `Question ${i}: what does the report say about topic number ${i}?` });
      messages.push({ role: 'assistant', content: 'The report says the topic went well and the numbers improved. '.repeat(4) });
    }
    messages.push({ role: 'user', content: 'ok, and the next one?' });
    const o = route({ model: 'auto', messages, params: {} }, { availability: noKey, cfg: { thresholds: ALL_SMALL } });
    expect(o.ok && o.decision.model).toBe('mistral-7b');
  });

  it('a caller-picked model that cannot hold the request → context_length_exceeded naming both numbers', () => {
    const o = route(chat(longAsk, {}, 'tinyllama'));
    expect(o).toMatchObject({ ok: false, error: { type: 'context_length_exceeded' } });
    expect(!o.ok && o.error.message).toMatch(
      /Model "tinyllama" has a 2,048-token context here, and this request needs ~[\d,]+ \(input ~[\d,]+ tokens \+ 256 for the answer\)/,
    );
    expect(route(chat(longAsk, {}, 'mistral-7b'))).toMatchObject({ ok: true, decision: { model: 'mistral-7b' } });
  });
});

describe('decideRoute: conversations', () => {
  const hard =
    'Design a lock-free concurrent hash map in C++ with resizing, prove its linearizability, and analyse the memory ' +
    'reclamation strategy under ABA hazards.';
  const conversation = (...userTurns: string[]): ChatRequest => ({
    model: 'auto',
    params: {},
    messages: userTurns.flatMap((t, i) =>
      i < userTurns.length - 1
        ? [
            { role: 'user' as const, content: t },
            { role: 'assistant' as const, content: `Here is a detailed answer number ${i}.` },
          ]
        : [{ role: 'user' as const, content: t }],
    ),
  });
  const route = (request: ChatRequest) =>
    decideRoute({
      request,
      config: config({ thresholds: { medium: 0.3, cloud: 0.6 } }),
      tier: 2,
      availability: everything,
      spend: nothingSpent,
    });

  it('the hard task itself goes to the cloud (the premise of the tests below)', () => {
    expect(route(conversation(hard))).toMatchObject({ ok: true, decision: { route: 'cloud' } });
    // Alone, the follow-ups below are small prompts.
    for (const t of ['now add tests', 'why?', 'make it faster'])
      expect(route(conversation(t))).toMatchObject({ ok: true, decision: { route: 'small' } });
  });

  it('a follow-up of a cloud-grade task stays in the cloud, and the reasons say so', () => {
    for (const t of ['now add tests', 'why?', 'make it faster']) {
      const o = route(conversation(hard, t));
      expect(o.ok && o.decision.route).toBe('cloud');
      expect(o.ok && o.decision.reasons.join(' | ')).toMatch(
        /follow-up of a cloud-grade task \(1 turn back, complexity 0\.\d\d\): cloud band/,
      );
      expect(o.ok && o.decision.reasons.join(' | ')).toMatch(/this turn alone: complexity 0\.\d\d \(small band\)/);
    }
  });

  it('a chain of follow-ups does not flap: it stays with the task, then decays one explained step at a time', () => {
    const turns = [hard, 'now add tests', 'why?', 'make it faster', 'and the docs?'];
    const routes = turns.map((_, i) => {
      const o = route(conversation(...turns.slice(0, i + 1)));
      return o.ok ? o.decision.route : 'error';
    });
    expect(routes).toEqual(['cloud', 'cloud', 'cloud', 'cloud', 'cloud']);
  });

  it('"thanks" after a cloud-grade task goes small, and says it was judged alone', () => {
    for (const t of ['thanks!', 'ok', 'Thank you so much.']) {
      const o = route(conversation(hard, t));
      expect(o.ok && o.decision.route).toBe('small');
      expect(o.ok && o.decision.reasons.join(' | ')).toMatch(/acknowledgement → judged alone, not as the cloud-grade task before it/);
    }
    // And a follow-up after the thanks still belongs to the task (the acknowledgement is skipped, not a new topic).
    const after = route(conversation(hard, 'thanks!', 'now add tests'));
    expect(after.ok && after.decision.route).toBe('cloud');
  });

  it('a self-contained new request resets: judged on its own, with the reason', () => {
    const fresh = 'Write a haiku about autumn leaves falling on a quiet pond.';
    const o = route(conversation(hard, 'now add tests', fresh));
    expect(o.ok && o.decision.route).toBe('small');
    expect(o.ok && o.decision.reasons.join(' | ')).toMatch(
      /new request \(self-contained, no reference to earlier turns\) → judged on its own/,
    );
    // A follow-up of the new topic inherits the new topic, not the hard task before it.
    const next = route(conversation(hard, 'now add tests', fresh, 'make it funnier'));
    expect(next.ok && next.decision.route).toBe('small');
  });
});

describe('decideRoute: structured output needs an engine that can enforce it', () => {
  const schema = { type: 'json_schema' as const, name: 'city', schema: { type: 'object', properties: {} } };
  const mixed: Availability = {
    engines: {
      // An engine that cannot constrain decoding (say, an OpenAI-compatible server that does not claim it).
      'openai-compat': { ok: true, models: ['tinyllama', 'phi2'] },
      llamacpp: { ok: true, models: ['tinyllama'], structuredOutput: true },
      anthropic: { ok: true, models: ['claude-sonnet'], structuredOutput: true },
    },
  };
  const run = (model: string, availability: Availability, cfg: Partial<RoutingConfig> = {}) =>
    decideRoute({
      request: req('hi', model, { responseFormat: schema }),
      config: config({ localEnginePreference: ['openai-compat', 'llamacpp'], ...cfg }),
      tier: 2,
      availability,
      spend: nothingSpent,
    });

  it('auto keeps only candidates whose engine can, and the reasons say so', () => {
    const o = run('auto', mixed);
    expect(o.ok && o.decision).toMatchObject({ model: 'tinyllama', engine: 'llamacpp' });
    expect(o.ok && o.decision.reasons.join('; ')).toMatch(
      /a JSON schema \("city"\) requested → only engines that can enforce it \(tinyllama on llamacpp, claude-sonnet\)/,
    );
    expect(o.ok && o.decision.fallbacks.every((c) => c.engine !== 'openai-compat')).toBe(true);
    // Without the format the preferred engine answers.
    const plain = decideRoute({
      request: req('hi'),
      config: config({ localEnginePreference: ['openai-compat', 'llamacpp'] }),
      tier: 2,
      availability: mixed,
      spend: nothingSpent,
    });
    expect(plain.ok && plain.decision.engine).toBe('openai-compat');
  });

  it('nothing able and the cloud off → no_model_available naming what can', () => {
    const o = run('auto', { engines: { 'openai-compat': mixed.engines['openai-compat'] } });
    expect(o).toMatchObject({
      ok: false,
      error: { type: 'no_model_available', message: expect.stringMatching(/No available engine can enforce a JSON schema/) },
    });
  });

  it('a named model only on an engine that cannot → a clear error; on one that can → its reason', () => {
    const o = run('phi2', mixed);
    expect(o).toMatchObject({
      ok: false,
      error: { type: 'no_model_available', message: expect.stringMatching(/"phi2" runs here only on engines that cannot enforce/) },
    });
    const ok = run('tinyllama', mixed);
    expect(ok.ok && ok.decision.engine).toBe('llamacpp');
    expect(ok.ok && ok.decision.reasons.join('; ')).toMatch(/enforced by llamacpp/);
  });
});

describe("withoutLatestTag: Ollama's default tag on a name beyond the catalog", () => {
  it('x:latest is the raw name x an engine offers; anything else is kept as given', () => {
    expect(withoutLatestTag('tiny:latest', ['tiny'])).toBe('tiny');
    expect(withoutLatestTag('Tiny:LATEST', ['tiny'])).toBe('tiny');
    // An Ollama engine lists its tags whole: that name is the one to route.
    expect(withoutLatestTag('llama3:latest', ['llama3:latest'])).toBe('llama3:latest');
    // Other tags and names no engine offers stay as they are.
    expect(withoutLatestTag('tiny:7b', ['tiny'])).toBe('tiny:7b');
    expect(withoutLatestTag('other:latest', ['tiny'])).toBe('other:latest');
    expect(withoutLatestTag('tiny', ['tiny'])).toBe('tiny');
  });
});

describe('decideRoute: log-probabilities need an engine that returns them', () => {
  const mixed: Availability = {
    engines: {
      ollama: { ok: true, models: ['tinyllama', 'phi2'] },
      llamacpp: { ok: true, models: ['tinyllama'], logprobs: true },
      anthropic: { ok: true, models: ['claude-sonnet'] },
    },
  };
  const run = (model: string, cfg: Partial<RoutingConfig> = {}, availability: Availability = mixed) =>
    decideRoute({
      request: req('hi', model, { logprobs: { top: 2 } }),
      config: config(cfg),
      tier: 2,
      availability,
      spend: nothingSpent,
    });

  it('auto keeps only candidates whose engine returns them, even where the cloud would answer; the reasons say so', () => {
    for (const thresholds of [ALL_SMALL, ALL_CLOUD]) {
      const o = run('auto', { thresholds });
      expect(o.ok && o.decision).toMatchObject({ model: 'tinyllama', engine: 'llamacpp' });
      expect(o.ok && o.decision.fallbacks).toEqual([]);
      expect(o.ok && o.decision.reasons.join('; ')).toMatch(
        /log-probabilities requested → only engines that return them \(tinyllama on llamacpp\)/,
      );
    }
  });

  it('a named model on engines that cannot, or nothing that can: invalid_request naming logprobs', () => {
    for (const [model, words] of [
      ['claude-sonnet', /model "claude-sonnet" \(on anthropic\) does not return token log-probabilities/],
      ['phi2', /model "phi2" \(on ollama\) does not return token log-probabilities/],
    ] as const) {
      const o = run(model);
      expect(o.ok, model).toBe(false);
      expect(!o.ok && o.error, model).toMatchObject({
        type: 'invalid_request',
        message: expect.stringMatching(words),
        details: { param: 'logprobs' },
      });
    }
    const none = run('auto', {}, { engines: { ollama: mixed.engines.ollama, anthropic: mixed.engines.anthropic } });
    expect(!none.ok && none.error).toMatchObject({ type: 'invalid_request', details: { param: 'logprobs' } });
    // The same model on the engine that can: answered there.
    expect(run('tinyllama').ok && (run('tinyllama') as { decision: { engine: string } }).decision.engine).toBe('llamacpp');
  });
});
