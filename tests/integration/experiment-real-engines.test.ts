// Routing experiments end to end: real llama.cpp on a generated GGUF and the Claude stand-in behind the real gateway;
// arms recorded per row and sticky per conversation, each arm deciding by its own policy, stats equal to the rows, adopt.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { estimateComplexity } from '../../router-core/routing/complexity.js';
import { assignArm, meanInterval, wilsonInterval, type ArmId } from '../../router-core/routing/experiment.js';
import { estimateLearned } from '../../router-core/routing/learned.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-experiment-key';
/** A plain question the main policy keeps on the small local model. */
const PROMPT = 'What is the capital of France?';
/** Arm B's variant: every threshold at 0, so every score is "cloud". */
const ALL_CLOUD = { thresholds: { medium: 0, cloud: 0 } };

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-exp-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2'],
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...srv.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const chat = (conversationId: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/api/v1/chat', { prompt: PROMPT, max_tokens: 8, conversation_id: conversationId, ...extra });

const rowOf = (id: string): RequestRecord => {
  const r = srv.core.ledger.recent(1000).find((x) => x.id === id);
  if (!r) throw new Error(`no ledger row for request ${id}`);
  return r;
};

describe('routing experiment through the gateway', () => {
  it('refuses bad settings with a clear error naming the valid values', async () => {
    const unknownField = await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: { budget: 1 } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error).toEqual({
      type: 'invalid_request',
      message: 'Unknown variant field "budget". Valid: thresholds, quality_cost, estimator.',
    });
    const extra = await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: ALL_CLOUD, arms: 3 });
    expect(extra.json.error.message).toBe('Unknown field "arms". Valid: share, variant, name.');
    const noShare = await call('PUT', '/api/v1/routing/experiment', { variant: ALL_CLOUD });
    expect(noShare.json.error.message).toMatch(/^Invalid "share": must be a number between 0 and 1/);
    const share = await call('PUT', '/api/v1/routing/experiment', { share: 1.5, variant: ALL_CLOUD });
    expect(share.status).toBe(400);
    expect(share.json.error.message).toMatch(/^Invalid "share": must be between 0 and 1, exclusive/);
    const estimator = await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: { estimator: 'magic' } });
    expect(estimator.status).toBe(400);
    expect(estimator.json.error.message).toMatch(/^Invalid "variant\.estimator": .*"learned".*"rules"/);
    const thresholds = await call('PUT', '/api/v1/routing/experiment', {
      share: 0.5,
      variant: { thresholds: { medium: 0.9, cloud: 0.1 } },
    });
    expect(thresholds.json.error.message).toMatch(/^Invalid "variant\.thresholds\.medium": medium must be ≤ cloud/);
    const empty = await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: {} });
    expect(empty.json.error.message).toBe('Invalid "variant": give at least one of thresholds, quality_cost, estimator.');
    expect((await call('POST', '/api/v1/routing/experiment/adopt', { arm: 'B' })).status).toBe(404);
    const badArm = await call('POST', '/api/v1/routing/experiment/adopt', { arm: 'C' });
    expect(badArm.status).toBe(400);
    expect(badArm.json.error.message).toMatch(/^Invalid "arm": must be "A" .* or "B"/);
    expect((await call('DELETE', '/api/v1/routing/experiment')).status).toBe(404);
    expect((await call('GET', '/api/v1/routing/experiment')).json).toEqual({
      experiment: null,
      variant_fields: ['thresholds', 'quality_cost', 'estimator'],
    });
  });

  it('splits conversations by hash, each arm decides by its own policy, the stats equal the rows, adopt makes B the policy', async () => {
    const before = await chat('warm-up');
    expect(before.json).toMatchObject({ engine: 'llamacpp', routing: { route: 'small' } });
    expect(rowOf(before.json.id)).toMatchObject({ experimentId: null, arm: null });

    const put = await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: ALL_CLOUD, name: 'all to Claude' });
    expect(put.status).toBe(200);
    const exp = put.json.experiment;
    expect(exp).toMatchObject({ name: 'all to Claude', status: 'running', share: 0.5, variant: ALL_CLOUD, adopted: null });

    // Four conversations in each arm, chosen by the same pure function the gateway uses.
    const byArm: Record<ArmId, string[]> = { A: [], B: [] };
    for (let i = 0; byArm.A.length < 4 || byArm.B.length < 4; i++) {
      const id = `conv-${i}`;
      const arm = assignArm(exp.id, 0.5, id);
      if (byArm[arm].length < 4) byArm[arm].push(id);
    }
    const ids: Record<ArmId, string[]> = { A: [], B: [] };
    for (const arm of ['A', 'B'] as const) {
      for (const conv of byArm[arm]) {
        const r = await chat(conv);
        expect(r.status).toBe(200);
        ids[arm].push(r.json.id);
        const row = rowOf(r.json.id);
        expect(row).toMatchObject({ experimentId: exp.id, arm });
        // A: the main policy (the small local model, real llama.cpp); B: thresholds at 0, so Claude.
        if (arm === 'A') expect(row).toMatchObject({ route: 'small', engine: 'llamacpp', costMicros: 0 });
        else expect(row).toMatchObject({ route: 'cloud', engine: 'anthropic' });
        if (arm === 'B') expect(row.costMicros).toBeGreaterThan(0);
      }
    }
    // Sticky: a second turn of a conversation stays in its arm.
    for (const arm of ['A', 'B'] as const) {
      const again = await chat(byArm[arm][0]!);
      expect(rowOf(again.json.id).arm).toBe(arm);
      ids[arm].push(again.json.id);
    }
    // A model named by the caller is not decided by any arm.
    const named = await chat(byArm.B[1]!, { model: 'tinyllama' });
    expect(rowOf(named.json.id)).toMatchObject({ experimentId: null, arm: null });

    // Verdicts: thumbs-down on one B answer; an A answer retried with Claude.
    expect((await call('POST', '/api/v1/feedback', { request_id: ids.B[0], rating: 'down' })).status).toBe(201);
    expect((await call('POST', '/api/v1/feedback', { request_id: ids.A[1], rating: 'retry' })).status).toBe(201);

    const stats = await call('GET', '/api/v1/routing/experiment/stats');
    expect(stats.status).toBe(200);
    expect(stats.json.experiment.id).toBe(exp.id);
    expect(stats.json.confidence).toBe(0.95);
    const rows = srv.core.ledger.recent(1000).filter((r) => r.experimentId === exp.id);
    for (const arm of ['A', 'B'] as const) {
      const mine = rows.filter((r) => r.arm === arm);
      expect(mine.map((r) => r.id).sort()).toEqual([...ids[arm]].sort());
      const cloud = mine.filter((r) => r.engine === 'anthropic').length;
      const cost = mine.reduce((a, r) => a + r.costMicros, 0);
      const costSq = mine.reduce((a, r) => a + r.costMicros * r.costMicros, 0);
      const down = arm === 'B' ? 1 : 0;
      const retried = arm === 'A' ? 1 : 0;
      const m = meanInterval(mine.length, cost, costSq);
      const s = stats.json.arms.find((x: any) => x.arm === arm);
      expect(s).toEqual({
        arm,
        policy: arm === 'A' ? 'main' : 'variant',
        requests: 5,
        cloud_share: wilsonInterval(cloud, 5),
        cost_micros: cost,
        mean_cost_micros: {
          mean: Math.round(m.mean),
          low: Math.max(0, Math.round(m.low!)),
          high: Math.max(0, Math.round(m.high!)),
        },
        thumbs_down: wilsonInterval(down, 5),
        retry_with_claude: wilsonInterval(retried, 5),
      });
    }
    expect(stats.json.arms.map((a: any) => a.cloud_share.count)).toEqual([0, 5]);
    // A answered locally for nothing; B's identical Claude answers cost the same each (a zero-width interval above 0),
    // and neither arm is rated clearly worse on 5 requests: A is the suggested winner, on cost.
    expect(stats.json.winner).toEqual({ arm: 'A', reason: 'A costs clearly less per request and is not rated worse' });

    // Adopt B: its thresholds become the main ones and the experiment stops.
    const adopt = await call('POST', '/api/v1/routing/experiment/adopt', { arm: 'B' });
    expect(adopt.status).toBe(200);
    expect(adopt.json.experiment).toMatchObject({ id: exp.id, status: 'stopped', adopted: 'B' });
    expect((await call('GET', '/api/v1/settings')).json.thresholds).toEqual(ALL_CLOUD.thresholds);
    // Every conversation, A's too, now goes by the adopted policy, and no arm is recorded any more.
    const after = await chat(byArm.A[0]!);
    expect(rowOf(after.json.id)).toMatchObject({ route: 'cloud', engine: 'anthropic', experimentId: null, arm: null });
    // The stopped experiment's comparison is still there to read.
    expect((await call('GET', '/api/v1/routing/experiment/stats')).json.arms.map((a: any) => a.requests)).toEqual([5, 5]);
  });

  it('stopping an experiment returns every request to the main policy; adopting A keeps the main policy', async () => {
    await call('PUT', '/api/v1/settings', { thresholds: { medium: 0.5, cloud: 0.95 } });
    const started = (await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: ALL_CLOUD })).json.experiment;
    let conv = 0;
    while (assignArm(started.id, 0.5, `stop-${conv}`) !== 'B') conv++;
    expect(rowOf((await chat(`stop-${conv}`)).json.id)).toMatchObject({ arm: 'B', engine: 'anthropic' });
    const stop = await call('DELETE', '/api/v1/routing/experiment');
    expect(stop.json.experiment).toMatchObject({ id: started.id, status: 'stopped', adopted: null });
    expect(rowOf((await chat(`stop-${conv}`)).json.id)).toMatchObject({ arm: null, engine: 'llamacpp' });
    expect((await call('POST', '/api/v1/routing/experiment/adopt', { arm: 'A' })).status).toBe(404);

    // A new experiment, then adopting A: the experiment stops and the main thresholds stay.
    const second = (await call('PUT', '/api/v1/routing/experiment', { share: 0.3, variant: ALL_CLOUD })).json.experiment;
    expect(second.id).not.toBe(started.id);
    const keep = await call('POST', '/api/v1/routing/experiment/adopt', { arm: 'A' });
    expect(keep.json.experiment).toMatchObject({ id: second.id, status: 'stopped', adopted: 'A' });
    expect((await call('GET', '/api/v1/settings')).json.thresholds).toEqual({ medium: 0.5, cloud: 0.95 });
  });

  it('a variant with the other estimator: B scores prompts with the rules, A with the learned model (the main one)', async () => {
    const prompt = 'Write a short poem about the sea, in four lines.';
    const rules = estimateComplexity(prompt).score;
    const learned = estimateLearned(prompt).score;
    // The two estimators must disagree on this prompt, or the check below could not tell them apart.
    expect(Math.abs(rules - learned)).toBeGreaterThan(0.01);
    const e = (await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: { estimator: 'rules' } })).json.experiment;
    expect(e.variant).toEqual({ estimator: 'rules' });
    for (const arm of ['A', 'B'] as const) {
      let i = 0;
      while (assignArm(e.id, 0.5, `est-${i}`) !== arm) i++;
      const r = await call('POST', '/api/v1/chat', { prompt, max_tokens: 8, conversation_id: `est-${i}` });
      const row = rowOf(r.json.id);
      expect(row.arm).toBe(arm);
      expect(row.complexity).toBeCloseTo(arm === 'B' ? rules : learned, 6);
    }
    // The main policy never changed: the estimator setting still reads "learned".
    expect((await call('GET', '/api/v1/routing/settings')).json.estimator).toBe('learned');
    await call('DELETE', '/api/v1/routing/experiment');
  });

  it('a cached answer belongs to no arm: no policy decided it', async () => {
    const e = (await call('PUT', '/api/v1/routing/experiment', { share: 0.5, variant: ALL_CLOUD })).json.experiment;
    let i = 0;
    while (assignArm(e.id, 0.5, `cache-${i}`) !== 'B') i++;
    // Temperature 0 and Claude's complete answer: the second, identical request is served from the response cache.
    const body = { prompt: 'Name three primary colours.', temperature: 0, max_tokens: 40 };
    const first = await chat(`cache-${i}`, body);
    expect(rowOf(first.json.id)).toMatchObject({ arm: 'B', engine: 'anthropic' });
    const second = await chat(`cache-${i}`, body);
    expect(second.json.cached).toBe(true);
    expect(rowOf(second.json.id)).toMatchObject({ arm: null, experimentId: null, engine: null });
    const b = (await call('GET', '/api/v1/routing/experiment/stats')).json.arms.find((a: any) => a.arm === 'B');
    expect(b.requests).toBe(1);
    await call('DELETE', '/api/v1/routing/experiment');
  });
});
