// Pipeline routing features with fake engines and a real ledger (in-memory SQLite; PostgreSQL for budgets): cache, cascade, privacy, budget reservations.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from './contracts/chat.js';
import type { EngineId } from './contracts/decision.js';
import type { Engine } from './engines/engine.js';
import { createAvailabilityCache } from './engines/availability.js';
import type { Ledger } from './ledger/ledger.js';
import { createSettingsView } from './ledger/settings-view.js';
import { openSqliteLedger } from './ledger/sqlite.js';
import { createPipeline, type PipelineEvent, type PipelineRun } from './pipeline.js';
import { createRoutingExtras } from './pipeline-routing.js';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { routingSettingKeys } from './routing-settings.js';
import { estimateCloudCostMicros } from './routing/budget.js';
import type { RoutingConfig } from './routing/policy.js';
import { priceOf } from './routing/pricing.js';
import { createFakeEngine, type FakeEngine } from '../tests/fakes/engines.js';
import { itFor, ledgerStores } from '../tests/fixtures/ledger-stores.js';

const ALL_SMALL = { medium: 1.01, cloud: 1.02 };
const ALL_CLOUD = { medium: 0, cloud: 0 };

async function setup(
  engineList: FakeEngine[],
  routing: Partial<RoutingConfig> = {},
  opts: {
    embed?: (texts: readonly string[], signal: AbortSignal) => Promise<{ embeddings: number[][] }>;
    ledger?: Ledger;
    /** Passed to the routing extras: false seals cached answers. */
    history?: () => boolean;
  } = {},
) {
  const ledger = opts.ledger ?? openSqliteLedger(':memory:');
  const settings = await createSettingsView(ledger);
  const engines = new Map<EngineId, Engine>(engineList.map((e) => [e.id, e]));
  let t = 1_700_000_000_000;
  const now = () => (t += 5);
  const cache = createAvailabilityCache(engines, now);
  const extras = createRoutingExtras({ store: ledger, settings, now, embed: opts.embed, history: opts.history });
  let id = 0;
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
    history: () => false,
    now,
    periodStarts: () => ({ day: 0, month: 0 }),
    newId: () => `req-${++id}`,
    extras,
  });
  return { ledger, pipeline, settings };
}

const req = (content: string, extra: Partial<ChatRequest> = {}, temperature: number | null = 0): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content }],
  params: temperature === null ? {} : { temperature },
  ...extra,
});

async function run(
  p: Awaited<ReturnType<typeof setup>>['pipeline'],
  r: ChatRequest,
): Promise<{ run: PipelineRun; events: PipelineEvent[]; text: string }> {
  const handled = await p.handle(r, { protocol: 'native' }, new AbortController().signal);
  const events: PipelineEvent[] = [];
  for await (const e of handled.events) events.push(e);
  const text = events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
  return { run: handled, events, text };
}

const local = (words?: string[], extra: Partial<Parameters<typeof createFakeEngine>[0]> = {}) =>
  createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], ...(words ? { words: () => words } : {}), ...extra });
const claude = (extra: Partial<Parameters<typeof createFakeEngine>[0]> = {}) =>
  createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'], words: () => ['a ', 'careful ', 'cloud ', 'answer'], ...extra });

describe('response cache', () => {
  it('with history off stores no readable prompt or answer, and still answers a repeat from the cache', async () => {
    const cloud = claude();
    const embedded: string[] = [];
    const embed = async (texts: readonly string[]) => {
      embedded.push(...texts);
      return { embeddings: texts.map(() => [1, 0, 0]) };
    };
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hai-seal-')), 'ledger.db');
    const { pipeline, settings } = await setup(
      [local(), cloud],
      { thresholds: ALL_CLOUD },
      { history: () => false, embed, ledger: openSqliteLedger(file) },
    );
    await settings.setSetting(routingSettingKeys.cache, { semantic: true });
    const first = await run(pipeline, req('What is the airspeed of a swallow?'));
    // What is at rest: the table as any other reader of the file sees it.
    const reader = new Database(file, { readonly: true });
    const rows = reader.prepare('SELECT * FROM response_cache').all() as Array<Record<string, unknown>>;
    reader.close();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    expect(stored).not.toContain(first.text);
    expect(stored).not.toContain('swallow');
    expect(rows[0]!.embedding ?? null).toBeNull();
    // No prompt was embedded either (the semantic cache is off while history is).
    expect(embedded).toEqual([]);
    const second = await run(pipeline, req('What is the airspeed of a swallow?'));
    expect(second.run.cached).toBe(true);
    expect(second.text).toBe(first.text);
    expect(cloud.calls).toHaveLength(1);
  });

  it('answers a repeated deterministic request from the cache, at no cost, and says so', async () => {
    const cloud = claude();
    const { pipeline, ledger } = await setup([local(), cloud], { thresholds: ALL_CLOUD });
    const first = await run(pipeline, req('What is the airspeed of a swallow?'));
    expect(first.run.cached).toBeUndefined();
    const second = await run(pipeline, req('What is the airspeed of a swallow?  '));
    expect(cloud.calls).toHaveLength(1);
    expect(second.run.cached).toBe(true);
    expect(second.text).toBe(first.text);
    expect(second.run.decision.reasons[0]).toMatch(/^cache hit: .* served from the cache at no cost$/);
    const summary = second.events.find((e) => e.type === 'summary');
    expect(summary?.type === 'summary' && summary.summary.costMicros).toBe(0);
    const rows = await ledger.recent(10);
    expect(rows).toHaveLength(2);
    const [hit, orig] = rows;
    expect(hit).toMatchObject({ costMicros: 0, engine: null, model: 'claude-sonnet', status: 'ok' });
    expect(orig!.costMicros).toBeGreaterThan(0);
    const stats = await ledger.routingStats(0, Date.now() * 2);
    expect(stats.cache).toEqual({ hits: 1, semanticHits: 0, savedMicros: orig!.costMicros });
  });

  it('does not cache sampled requests unless asked, and can be bypassed', async () => {
    const engine = local();
    const { pipeline } = await setup([engine]);
    await run(pipeline, req('hello', {}, null));
    await run(pipeline, req('hello', {}, null));
    expect(engine.calls).toHaveLength(2);
    await run(pipeline, req('hello', { cache: true }, 0.8));
    const asked = await run(pipeline, req('hello', { cache: true }, 0.8));
    expect(asked.run.cached).toBe(true);
    const bypass = await run(pipeline, req('hello', { cache: false }, 0.8));
    expect(bypass.run.cached).toBeUndefined();
    expect(engine.calls).toHaveLength(4);
  });

  it('never caches a cut-off answer', async () => {
    const engine = local(['one ', 'two ', 'three']);
    const { pipeline } = await setup([engine]);
    await run(pipeline, { ...req('count'), params: { temperature: 0, maxTokens: 2 } });
    const again = await run(pipeline, { ...req('count'), params: { temperature: 0, maxTokens: 2 } });
    expect(again.run.cached).toBeUndefined();
    expect(engine.calls).toHaveLength(2);
  });

  it('semantic cache: a paraphrase above the similarity threshold is a hit (deterministic test embedding)', async () => {
    // Stands in for a local embedding model: letter-frequency vectors, so paraphrases with the same words are close.
    const embed = async (texts: readonly string[]) => ({
      embeddings: texts.map((t) => {
        const v = new Array<number>(26).fill(0);
        for (const c of t.toLowerCase()) if (c >= 'a' && c <= 'z') v[c.charCodeAt(0) - 97]!++;
        return v;
      }),
    });
    const engine = local();
    const { pipeline, ledger, settings } = await setup([engine], {}, { embed });
    await settings.setSetting(routingSettingKeys.cache, { semantic: true, semanticThreshold: 0.97 });
    await run(pipeline, req('what is the capital of france'));
    const para = await run(pipeline, req('capital of france: what is it?'));
    expect(para.run.cached).toBe(true);
    expect(para.run.decision.reasons[0]).toMatch(/semantic cache hit \(similarity 0\.9\d\d\)/);
    const other = await run(pipeline, req('how do volcanoes erupt'));
    expect(other.run.cached).toBeUndefined();
    expect(engine.calls).toHaveLength(2);
    expect((await ledger.routingStats(0, Date.now() * 2)).cache.semanticHits).toBe(1);
  });
});

describe('cascade', () => {
  const enable = (settings: Awaited<ReturnType<typeof setup>>['settings'], extra: object = {}) =>
    settings.setSetting(routingSettingKeys.cascade, { enabled: true, ...extra });

  it('escalates a refusal to the next rung, holding the weak answer back; the ledger keeps both attempts', async () => {
    const small = local(["I'm sorry, ", 'but ', "I can't ", 'help.']);
    const cloud = claude();
    const { pipeline, ledger, settings } = await setup([small, cloud], { thresholds: ALL_SMALL, localEnginePreference: ['llamacpp'] });
    await enable(settings);
    // tier 2: small (tinyllama) → medium (phi2, same fake engine, same refusal) → cloud. The next rung is phi2.
    const r = await run(pipeline, req('Name a prime number larger than 100.', {}, null));
    expect(r.text).toBe("I'm sorry, but I can't help.");
    expect(r.run.decision.model).toBe('phi2');
    expect(r.run.decision.reasons.join(' | ')).toMatch(/tinyllama's answer looked weak \(the model declined/);
    // The same story as a field, for callers (the badge) that must not parse words.
    expect(r.run.escalated).toEqual({ from: 'tinyllama', reason: 'the model declined or said it does not know' });
    const ev = (await ledger.routingStats(0, Date.now() * 2)).cascade;
    expect(ev).toMatchObject({ runs: 1, escalated: 1, escalationRate: 1 });
    expect(await ledger.recent(5)).toHaveLength(1);
  });

  it('escalates low-confidence local answers to the cloud', async () => {
    const small = createFakeEngine({ id: 'llamacpp', models: ['tinyllama'], meanLogprob: -4.2 });
    const cloud = claude();
    const { pipeline, ledger, settings } = await setup([small, cloud], { thresholds: ALL_SMALL, localEnginePreference: ['llamacpp'] });
    await enable(settings);
    const r = await run(pipeline, req('Who was the third abbot of Cluny?', {}, null));
    expect(small.calls[0]!.confidence).toBe(true);
    expect(r.run.decision).toMatchObject({ route: 'cloud', model: 'claude-sonnet' });
    expect(r.text).toBe('a careful cloud answer');
    expect(r.run.decision.reasons.join(' ')).toMatch(/low confidence \(mean token log-probability -4\.20 < -1\.5\)/);
    expect(r.run.escalated).toMatchObject({ from: 'tinyllama', reason: expect.stringMatching(/^low confidence/) });
    const [row] = await ledger.recent(1);
    expect(row!.costMicros).toBeGreaterThan(0);
  });

  it('keeps a good local answer for an unsure cloud case and counts what it saved; streams it after the check', async () => {
    const small = createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], meanLogprob: -0.3 });
    const cloud = claude();
    const { pipeline, ledger, settings } = await setup([small, cloud], { thresholds: ALL_CLOUD, localEnginePreference: ['llamacpp'] });
    await enable(settings, { unsureMargin: 1 });
    const r = await run(pipeline, req('Compare two sorting algorithms.', {}, null));
    expect(cloud.calls).toHaveLength(0);
    expect(r.run.decision).toMatchObject({ engine: 'llamacpp', model: 'phi2' });
    expect(r.run.escalated).toBeUndefined();
    expect(r.events.map((e) => e.type)).toEqual(['text-delta', 'text-delta', 'text-delta', 'usage', 'summary', 'done']);
    const stats = (await ledger.routingStats(0, Date.now() * 2)).cascade;
    expect(stats).toMatchObject({ runs: 1, escalated: 0 });
    expect(stats.savedMicros).toBeGreaterThan(0);
  });

  it('is off per request even when on in the settings', async () => {
    const small = local(["I don't know."]);
    const { pipeline, ledger, settings } = await setup([small, claude()], { localEnginePreference: ['llamacpp'] });
    await enable(settings);
    const r = await run(pipeline, req('q', { cascade: false }, null));
    expect(r.text).toBe("I don't know.");
    expect((await ledger.routingStats(0, Date.now() * 2)).cascade.runs).toBe(0);
  });
});

describe('privacy guard in the pipeline', () => {
  it('keeps a prompt with a secret local even when it would go to the cloud, and counts it', async () => {
    const cloud = claude();
    const { pipeline, ledger } = await setup([local(), cloud], { thresholds: ALL_CLOUD });
    const key = ['AKIA', 'ZZQW7YV3K2H8', 'P4XM'].join('');
    const r = await run(pipeline, req(`Why does boto3 reject my access key ${key}?`));
    expect(cloud.calls).toHaveLength(0);
    expect(r.run.decision.engine).toBe('llamacpp');
    const reasons = r.run.decision.reasons.join(' | ');
    expect(reasons).toMatch(/privacy guard: .*API key.* kept on this machine/);
    expect(reasons).not.toContain(key);
    expect((await ledger.routingStats(0, Date.now() * 2)).privacy.keptLocal).toBe(1);
  });
});

// The same guarantee on both stores: SQLite (reservations in this process's memory) and a real PostgreSQL
// (reservations as rows under an advisory lock; tests/integration/replicas.test.ts runs it across two processes).
const { stores } = ledgerStores();

/** `engine`, held before its first token until `open()` says so (all requests have decided): reservations then overlap. */
function gated(engine: FakeEngine, open: () => boolean): FakeEngine {
  return {
    ...engine,
    async *chat(call, signal) {
      arrivedAtCloud++;
      while (!open()) await new Promise((r) => setTimeout(r, 2));
      yield* engine.chat(call, signal);
    },
  };
}
let arrivedAtCloud = 0;

describe.each(stores)('budget reservations ($name)', (store) => {
  const { open } = store;
  itFor(store)('50 parallel cloud requests cannot overspend a daily cap by more than one request', async () => {
    const cloud = claude({ delayMs: 5 });
    const small = local();
    arrivedAtCloud = 0;
    // No cloud call finishes before every request has decided, so all the reservations are live together.
    const held = gated(cloud, () => arrivedAtCloud + small.calls.length >= 50);
    const ledger = await open();
    try {
      const cap = 100_000;
      const { pipeline } = await setup([small, held], { thresholds: ALL_CLOUD, budget: { dailyMicros: cap } }, { ledger });
      // Each call is estimated at ~15,400 µ$ (1,024 output tokens at $15/M), so about 6 fit under $0.10.
      const requests = Array.from({ length: 50 }, (_, i) => ({ ...req(`question number ${i}`), params: {} }));
      const runs = await Promise.all(requests.map((r) => run(pipeline, r)));
      const cloudRuns = runs.filter((r) => r.run.decision.engine === 'anthropic');
      expect(cloudRuns.length).toBeGreaterThan(0);
      expect(cloudRuns.length).toBeLessThanOrEqual(7);
      expect(cloud.calls).toHaveLength(cloudRuns.length);
      // Exact: the reserved estimates fit under the cap, and no refused request's estimate would have fitted too.
      const estimate = (i: number): number => estimateCloudCostMicros(requests[i]!, priceOf('claude-sonnet'));
      const reservedSum = runs.reduce((a, r, i) => a + (r.run.decision.engine === 'anthropic' ? estimate(i) : 0), 0);
      expect(reservedSum).toBeLessThanOrEqual(cap);
      const refused = runs.map((r, i) => (r.run.decision.engine === 'anthropic' ? Infinity : estimate(i)));
      expect(reservedSum + Math.min(...refused)).toBeGreaterThan(cap);
      const spent = (await ledger.spendSince(0, 0)).todayMicros;
      const oneRequest = Math.max(...(await ledger.recent(50)).map((r) => r.costMicros));
      expect(spent).toBeLessThanOrEqual(cap + oneRequest);
      const kept = runs.filter((r) => r.run.decision.engine !== 'anthropic');
      expect(kept[0]!.run.decision.reasons.join(' ')).toMatch(/daily cloud budget of \$0\.10 would be exceeded/);
      // Every reservation went with its request's row (asked at the fake clock's start, when none had expired).
      expect(await ledger.budgetSpend(0, 0, 1_700_000_000_000)).toEqual(await ledger.spendSince(0, 0));
    } finally {
      await ledger.close();
    }
  });
});
