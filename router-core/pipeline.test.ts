// Pipeline: decide → engine with fallback → events → exactly one ledger row, with fake engines and a real in-memory SQLite.
import { describe, expect, it } from 'vitest';
import type { EngineId } from './contracts/decision.js';
import type { Engine } from './engines/engine.js';
import { openSqliteLedger } from './ledger/sqlite.js';
import { createPipeline, type PipelineEvent } from './pipeline.js';
import type { RoutingConfig } from './routing/policy.js';
import { createFakeEngine, type FakeEngine } from '../tests/fakes/engines.js';
import { createAvailabilityCache } from './engines/availability.js';

const ALL_CLOUD = { medium: 0, cloud: 0 };
const ALL_SMALL = { medium: 1.01, cloud: 1.02 };

function setup(engineList: FakeEngine[], routing: Partial<RoutingConfig> = {}, history = false) {
  const ledger = openSqliteLedger(':memory:');
  const engines = new Map<EngineId, Engine>(engineList.map((e) => [e.id, e]));
  let t = 1_700_000_000_000;
  const now = () => (t += 5);
  const cache = createAvailabilityCache(engines, now);
  const pipeline = createPipeline({
    engines,
    ledger,
    availability: () => cache.get(),
    invalidate: () => cache.invalidate(),
    routing: () => ({
      thresholds: ALL_SMALL,
      localOnly: false,
      cloudModel: 'claude-sonnet',
      budget: {},
      localEnginePreference: ['ollama', 'llamacpp'],
      ...routing,
    }),
    tier: () => 2,
    history: () => history,
    now,
    periodStarts: () => ({ day: 0, month: 0 }),
    newId: (() => {
      let i = 0;
      return () => `req-${++i}`;
    })(),
  });
  return { ledger, pipeline };
}

const req = (content = 'hi', model = 'auto') => ({ model, messages: [{ role: 'user' as const, content }], params: {} });

async function drain(events: AsyncIterable<PipelineEvent>): Promise<PipelineEvent[]> {
  const out: PipelineEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('pipeline', () => {
  it('streams the answer and writes one ledger row with real usage, cost and all-cloud cost', async () => {
    const local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'] });
    const { ledger, pipeline } = setup([local]);
    const run = await pipeline.handle(req('hello there'), { protocol: 'native' }, new AbortController().signal);
    expect(run.decision).toMatchObject({ model: 'tinyllama', engine: 'llamacpp', route: 'small' });
    const events = await drain(run.events);
    expect(events.map((e) => e.type)).toEqual(['text-delta', 'text-delta', 'text-delta', 'usage', 'summary', 'done']);
    const summary = events.find((e) => e.type === 'summary');
    expect(summary?.type === 'summary' && summary.summary).toMatchObject({
      costMicros: 0,
      allCloudMicros: 2 * 3 + 3 * 15,
      savingsMicros: 51,
    });
    const rows = await ledger.recent(10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'ok',
      model: 'tinyllama',
      inputTokens: 2,
      outputTokens: 3,
      costMicros: 0,
      allCloudMicros: 51,
      prompt: null,
      response: null,
    });
  });

  it('cloud answers are charged at Sonnet prices', async () => {
    const cloud = createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'] });
    const { ledger, pipeline } = setup([cloud, createFakeEngine({ id: 'llamacpp', models: ['tinyllama'] })], { thresholds: ALL_CLOUD });
    const run = await pipeline.handle(req('prove it'), { protocol: 'openai' }, new AbortController().signal);
    await drain(run.events);
    expect((await ledger.recent(1))[0]).toMatchObject({ engine: 'anthropic', costMicros: 2 * 3 + 3 * 15, allCloudMicros: 51 });
  });

  it('falls back before the first token and says so in the reasons and the ledger', async () => {
    const cloud = createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'], failBeforeFirst: 'upstream_overloaded' });
    const local = createFakeEngine({ id: 'llamacpp', models: ['phi2'] });
    const { ledger, pipeline } = setup([cloud, local], { thresholds: ALL_CLOUD });
    const run = await pipeline.handle(req(), { protocol: 'native' }, new AbortController().signal);
    expect(run.decision).toMatchObject({ engine: 'llamacpp', model: 'phi2' });
    expect(run.decision.reasons.at(-1)).toBe('fell back: claude-sonnet on anthropic: upstream_overloaded');
    await drain(run.events);
    expect((await ledger.recent(1))[0]).toMatchObject({
      status: 'ok',
      engine: 'llamacpp',
      fallbackFrom: ['claude-sonnet on anthropic: upstream_overloaded'],
    });
  });

  it('does not fall back on an explicit model override with a single engine; the error is recorded', async () => {
    const cloud = createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'], failBeforeFirst: 'upstream_auth' });
    const { ledger, pipeline } = setup([cloud, createFakeEngine({ id: 'llamacpp', models: ['tinyllama'] })]);
    await expect(pipeline.handle(req('hi', 'claude-sonnet'), { protocol: 'native' }, new AbortController().signal)).rejects.toMatchObject({
      type: 'upstream_auth',
    });
    expect((await ledger.recent(1))[0]).toMatchObject({ status: 'error', errorType: 'upstream_auth', model: 'claude-sonnet' });
  });

  it('a stream that breaks midway yields an error event and records the error with partial usage', async () => {
    const local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama'], failAfter: 2 });
    const { ledger, pipeline } = setup([local]);
    const run = await pipeline.handle(req(), { protocol: 'native' }, new AbortController().signal);
    const events = await drain(run.events);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { type: 'upstream_error' } });
    expect((await ledger.recent(1))[0]).toMatchObject({ status: 'error', errorType: 'upstream_error', outputTokens: 2 });
  });

  it('an abort mid-stream stops the engine and records an aborted row', async () => {
    const local = createFakeEngine({
      id: 'llamacpp',
      models: ['tinyllama'],
      words: () => Array.from({ length: 100 }, () => 'w '),
      delayMs: 1,
    });
    const { ledger, pipeline } = setup([local]);
    const ac = new AbortController();
    const run = await pipeline.handle(req(), { protocol: 'native' }, ac.signal);
    let n = 0;
    for await (const e of run.events) if (e.type === 'text-delta' && ++n === 3) ac.abort();
    expect(local.aborted).toBe(1);
    const row = (await ledger.recent(1))[0]!;
    expect(row.status).toBe('aborted');
    expect(row.outputTokens).toBeLessThan(10);
  });

  it('refused requests (unknown model) get a row too', async () => {
    const { ledger, pipeline } = setup([createFakeEngine({ id: 'llamacpp', models: ['tinyllama'] })]);
    await expect(pipeline.handle(req('hi', 'nope'), { protocol: 'openai' }, new AbortController().signal)).rejects.toMatchObject({
      type: 'not_found',
    });
    expect((await ledger.recent(1))[0]).toMatchObject({ status: 'error', errorType: 'not_found', model: null });
  });

  it('keeps prompt and answer text only when history is on', async () => {
    const { ledger, pipeline } = setup([createFakeEngine({ id: 'llamacpp', models: ['tinyllama'] })], {}, true);
    await drain((await pipeline.handle(req('remember me'), { protocol: 'native' }, new AbortController().signal)).events);
    expect((await ledger.recent(1))[0]).toMatchObject({ prompt: 'remember me', response: 'answer from tinyllama' });
  });

  it('stats agree with the rows', async () => {
    const cloud = createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'] });
    const local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama'] });
    const { ledger, pipeline } = setup([cloud, local]);
    await drain((await pipeline.handle(req('a'), { protocol: 'native' }, new AbortController().signal)).events);
    await drain((await pipeline.handle(req('b', 'claude-sonnet'), { protocol: 'native' }, new AbortController().signal)).events);
    const s = await ledger.stats(0, Number.MAX_SAFE_INTEGER);
    expect(s.totals).toMatchObject({
      requests: 2,
      local: 1,
      cloud: 1,
      localShare: 0.5,
      costMicros: 1 * 3 + 3 * 15,
      allCloudMicros: 2 * 48,
    });
    expect(s.totals.savingsMicros).toBe(48);
    expect(s.byModel.map((m) => m.model).sort()).toEqual(['claude-sonnet', 'tinyllama']);
  });
});
