// Routing store on both ledgers (SQLite file, real PostgreSQL): cache TTL and scope, embeddings, feedback upsert, routing stats, history deletion.
import { describe, expect } from 'vitest';
import { itFor, ledgerStores } from '../../tests/fixtures/ledger-stores.js';
import type { RequestRecord } from './ledger.js';
import type { CacheEntry } from './routing-store.js';

const { stores } = ledgerStores();

const row = (id: string, over: Partial<RequestRecord> = {}): RequestRecord => ({
  id,
  ts: 1_000,
  protocol: 'native',
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.2,
  reasons: [],
  inputTokens: 3,
  outputTokens: 4,
  costMicros: 0,
  allCloudMicros: 69,
  latencyMs: 10,
  ttftMs: 2,
  status: 'ok',
  errorType: null,
  fallbackFrom: [],
  prompt: null,
  response: null,
  ...over,
});
const entry = (key: string, over: Partial<CacheEntry> = {}): CacheEntry => ({
  key,
  scope: 's1',
  createdAt: 1_000,
  expiresAt: 2_000,
  requestId: 'r1',
  route: 'cloud',
  model: 'claude-sonnet',
  engine: 'anthropic',
  complexity: 0.7,
  response: 'forty-two',
  inputTokens: 5,
  outputTokens: 2,
  finishReason: 'stop',
  costMicros: 45,
  ...over,
});

describe.each(stores)('routing store ($name)', (store) => {
  const { open } = store;
  const test = itFor(store);

  test('serves cache entries until they expire, keeps embeddings, filters by scope', async () => {
    const l = await open();
    await l.cachePut(entry('k1', { embedding: new Float32Array([0.5, -1, 2]) }), 1_000);
    await l.cachePut(entry('k2', { scope: 's2' }), 1_000);
    expect((await l.cacheGet('k1', 1_500))?.response).toBe('forty-two');
    expect(await l.cacheGet('k1', 2_000)).toBeUndefined();
    const withVec = await l.cacheWithEmbeddings('s1', 1_500, 10);
    expect(withVec.map((e) => e.key)).toEqual(['k1']);
    expect(Array.from(withVec[0]!.embedding!)).toEqual([0.5, -1, 2]);
    expect(await l.cacheWithEmbeddings('s2', 1_500, 10)).toEqual([]);
    expect(await l.cacheClear()).toBe(2);
    await l.close();
  });

  test('stores feedback only for known requests, latest rating wins', async () => {
    const l = await open();
    await l.record(row('r1'));
    expect(await l.recordFeedback({ requestId: 'nope', ts: 5, rating: 'up', comment: null })).toBe(false);
    expect(await l.recordFeedback({ requestId: 'r1', ts: 5, rating: 'up', comment: null })).toBe(true);
    expect(await l.recordFeedback({ requestId: 'r1', ts: 6, rating: 'retry', comment: 'wrong date' })).toBe(true);
    expect(await l.feedbackSamples(0)).toEqual([
      { requestId: 'r1', ts: 6, rating: 'retry', route: 'small', engine: 'llamacpp', model: 'tinyllama', complexity: 0.2 },
    ]);
    await l.close();
  });

  test('sums routing events and feedback into stats', async () => {
    const l = await open();
    await l.record(row('a'));
    await l.record(row('b', { engine: 'anthropic', route: 'cloud', model: 'claude-sonnet', costMicros: 90 }));
    await l.recordRoutingEvent({ requestId: 'a', ts: 1_000, kind: 'cache_hit', savedMicros: 45 });
    await l.recordRoutingEvent({
      requestId: 'a',
      ts: 1_000,
      kind: 'cascade_escalated',
      model: 'tinyllama',
      costMicros: 0,
      detail: 'empty answer',
    });
    await l.recordRoutingEvent({ requestId: 'b', ts: 1_000, kind: 'cascade_kept', savedMicros: 120 });
    await l.recordRoutingEvent({ requestId: 'b', ts: 1_000, kind: 'privacy_local' });
    await l.recordFeedback({ requestId: 'a', ts: 1_000, rating: 'down', comment: null });
    await l.recordFeedback({ requestId: 'b', ts: 1_000, rating: 'up', comment: null });
    const s = await l.routingStats(0, 10_000);
    expect(s.cache).toEqual({ hits: 1, semanticHits: 0, savedMicros: 45 });
    expect(s.cascade).toEqual({ runs: 2, escalated: 1, escalationRate: 0.5, savedMicros: 120, firstAttemptCostMicros: 0 });
    expect(s.privacy.keptLocal).toBe(1);
    expect(s.feedback).toMatchObject({ up: 1, down: 1, retry: 0, localMissRate: 1 });
    expect((await l.routingStats(5_000, 10_000)).cache.hits).toBe(0);
    await l.close();
  });

  test('deleting all history also drops cached answers', async () => {
    const l = await open();
    await l.cachePut(entry('k1'), 1_000);
    await l.deleteAllHistory();
    expect(await l.cacheGet('k1', 1_500)).toBeUndefined();
    await l.close();
  });
});
