// Cascade: which requests start on a cheaper rung, and which finished answers are weak (empty, cut off, refusal, bad JSON, low confidence).
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteDecision } from '../contracts/decision.js';
import { defaultCascadeConfig, judgeAnswer, planCascade, wantsJson } from './cascade.js';

const on = { ...defaultCascadeConfig, enabled: true };
const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content }],
  params: {},
  ...extra,
});
const small = { route: 'small', model: 'tinyllama', engine: 'llamacpp' } as const;
const medium = { route: 'medium', model: 'phi2', engine: 'llamacpp' } as const;
const cloud = { route: 'cloud', model: 'claude-sonnet', engine: 'anthropic' } as const;
const decision = (
  primary: typeof small | typeof medium | typeof cloud,
  complexity: number,
  fallbacks: RouteDecision['fallbacks'],
): RouteDecision => ({
  ...primary,
  complexity,
  reasons: [],
  fallbacks,
});

describe('planCascade', () => {
  it('is off unless enabled, for named models and for tool requests', () => {
    const d = decision(small, 0.1, [medium, cloud]);
    expect(planCascade(req('hi'), d, 0.6, defaultCascadeConfig)).toBeNull();
    expect(planCascade(req('hi', { model: 'tinyllama' }), d, 0.6, on)).toBeNull();
    expect(planCascade(req('hi', { tools: [{ name: 'f', parameters: {} }] }), d, 0.6, on)).toBeNull();
  });

  it('a local decision is verified, with the next stronger rung standing by', () => {
    const p = planCascade(req('hi'), decision(small, 0.1, [medium, cloud]), 0.6, on);
    expect(p).toMatchObject({ mode: 'verify', first: small });
    expect(p!.escalateTo.map((c) => c.model)).toEqual(['phi2', 'claude-sonnet']);
  });

  it('an unsure cloud decision tries the strongest local model first', () => {
    const p = planCascade(req('x'), decision(cloud, 0.65, [medium, small]), 0.6, on);
    expect(p).toMatchObject({ mode: 'try-local', first: medium });
    expect(p!.escalateTo[0]).toEqual(expect.objectContaining(cloud));
  });

  it('a sure cloud decision goes straight to the cloud', () => {
    expect(planCascade(req('x'), decision(cloud, 0.9, [medium, small]), 0.6, on)).toBeNull();
  });

  it('nothing stronger to escalate to: no cascade', () => {
    expect(planCascade(req('x'), decision(medium, 0.4, [small]), 0.6, on)).toBeNull();
  });
});

describe('judgeAnswer', () => {
  const ok = { text: 'Paris is the capital of France.', finishReason: 'stop' as const, outputTokens: 8 };

  it('keeps a fluent, complete answer', () => {
    expect(judgeAnswer({ ...ok, meanLogprob: -0.4 }, req('capital of France?'), on)).toEqual({ ok: true });
    expect(judgeAnswer(ok, req('capital of France?'), on)).toEqual({ ok: true });
  });

  it('flags empty, cut-off and refused answers', () => {
    expect(judgeAnswer({ ...ok, text: '  ' }, req('q'), on)).toMatchObject({ ok: false, reason: /empty/ });
    expect(judgeAnswer({ ...ok, finishReason: 'length' }, req('q'), on)).toMatchObject({ ok: false, reason: /cut off/ });
    for (const t of [
      "I'm sorry, but I can't help with that.",
      'As an AI language model, I cannot browse.',
      "I don't know the answer to that.",
    ]) {
      expect(judgeAnswer({ ...ok, text: t }, req('q'), on)).toMatchObject({ ok: false, reason: /declined/ });
    }
    // A refusal later in an otherwise real answer is not a refusal of the task.
    expect(judgeAnswer({ ...ok, text: 'Here is the plan. I cannot guarantee the prices.' }, req('q'), on).ok).toBe(true);
  });

  it('flags low mean token log-probability, not a merely shortish one', () => {
    expect(judgeAnswer({ ...ok, meanLogprob: -3.2 }, req('q'), on)).toMatchObject({ ok: false, reason: /low confidence.*-3\.20/ });
    expect(judgeAnswer({ ...ok, meanLogprob: -1.2 }, req('q'), on).ok).toBe(true);
  });

  it('checks JSON only when JSON was asked for (bare or fenced)', () => {
    const asks = req('List three fruits. Respond only with valid JSON.');
    expect(wantsJson(asks)).toBe(true);
    expect(wantsJson(req('What is JSON?'))).toBe(false);
    expect(judgeAnswer({ ...ok, text: '["apple", "pear"' }, asks, on)).toMatchObject({ ok: false, reason: /not valid JSON/ });
    expect(judgeAnswer({ ...ok, text: '```json\n["apple", "pear", "fig"]\n```' }, asks, on).ok).toBe(true);
    expect(judgeAnswer({ ...ok, text: 'not json at all' }, req('What is JSON?'), on).ok).toBe(true);
  });
});
