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

  test('records the experiment and arm on each row and sums each arm: cloud, cost, Σcost², thumbs-down, retried', async () => {
    const l = await open();
    const cloud = { engine: 'anthropic', route: 'cloud', model: 'claude-sonnet' } as const;
    await l.record(row('a1', { experimentId: 'e1', arm: 'A' }));
    await l.record(row('a2', { experimentId: 'e1', arm: 'A', ...cloud, costMicros: 300 }));
    await l.record(row('b1', { experimentId: 'e1', arm: 'B', ...cloud, costMicros: 100 }));
    await l.record(row('b2', { experimentId: 'e1', arm: 'B', ...cloud, costMicros: 200 }));
    await l.record(row('b3', { experimentId: 'e1', arm: 'B' }));
    // Outside the experiment: another experiment's row, and a row no experiment decided.
    await l.record(row('x1', { experimentId: 'e0', arm: 'B', ...cloud, costMicros: 999 }));
    await l.record(row('n1'));
    // Thumbs-down on b1; a1 retried with Claude through the chat (its answer replaced), b3 by a retry verdict only.
    await l.recordFeedback({ requestId: 'b1', ts: 2_000, rating: 'down', comment: null });
    await l.recordFeedback({ requestId: 'b3', ts: 2_000, rating: 'retry', comment: null });
    const c = await l.createConversation('t', 1_000);
    await l.appendMessages(c.id, [{ role: 'assistant', content: 'again', requestId: 'r9', retryOf: 'a1' }], 2_000);

    const stored = await l.recent(10);
    expect(stored.find((r) => r.id === 'b2')).toMatchObject({ experimentId: 'e1', arm: 'B' });
    expect(stored.find((r) => r.id === 'n1')).toMatchObject({ experimentId: null, arm: null });
    expect(await l.experimentTotals('e1')).toEqual([
      { arm: 'A', requests: 2, cloud: 1, costMicros: 300, costSquaresMicros: 90_000, down: 0, retried: 1 },
      { arm: 'B', requests: 3, cloud: 2, costMicros: 300, costSquaresMicros: 50_000, down: 1, retried: 1 },
    ]);
    expect(await l.experimentTotals('nope')).toEqual([]);
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
