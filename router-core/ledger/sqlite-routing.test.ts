// Routing store on a real SQLite file: migration 4, cache TTL and scope, feedback upsert, routing stats, history deletion.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from './ledger.js';
import { migrations } from './migrations.js';
import type { CacheEntry } from './routing-store.js';
import { openSqliteLedger } from './sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function open() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-routing-'));
  dirs.push(dir);
  return openSqliteLedger(path.join(dir, 'ledger.db'));
}

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

describe('routing store (SQLite)', () => {
  it('is part of the newest schema (migration 4 after the others, contiguous)', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations.find((m) => m.name === 'routing')?.version).toBe(4);
  });

  it('serves cache entries until they expire, keeps embeddings, filters by scope', () => {
    const l = open();
    l.cachePut(entry('k1', { embedding: new Float32Array([0.5, -1, 2]) }), 1_000);
    l.cachePut(entry('k2', { scope: 's2' }), 1_000);
    expect(l.cacheGet('k1', 1_500)?.response).toBe('forty-two');
    expect(l.cacheGet('k1', 2_000)).toBeUndefined();
    const withVec = l.cacheWithEmbeddings('s1', 1_500, 10);
    expect(withVec.map((e) => e.key)).toEqual(['k1']);
    expect(Array.from(withVec[0]!.embedding!)).toEqual([0.5, -1, 2]);
    expect(l.cacheWithEmbeddings('s2', 1_500, 10)).toEqual([]);
    expect(l.cacheClear()).toBe(2);
    l.close();
  });

  it('stores feedback only for known requests, latest rating wins', () => {
    const l = open();
    l.record(row('r1'));
    expect(l.recordFeedback({ requestId: 'nope', ts: 5, rating: 'up', comment: null })).toBe(false);
    expect(l.recordFeedback({ requestId: 'r1', ts: 5, rating: 'up', comment: null })).toBe(true);
    expect(l.recordFeedback({ requestId: 'r1', ts: 6, rating: 'retry', comment: 'wrong date' })).toBe(true);
    expect(l.feedbackSamples(0)).toEqual([
      { requestId: 'r1', ts: 6, rating: 'retry', route: 'small', engine: 'llamacpp', model: 'tinyllama', complexity: 0.2 },
    ]);
    l.close();
  });

  it('sums routing events and feedback into stats', () => {
    const l = open();
    l.record(row('a'));
    l.record(row('b', { engine: 'anthropic', route: 'cloud', model: 'claude-sonnet', costMicros: 90 }));
    l.recordRoutingEvent({ requestId: 'a', ts: 1_000, kind: 'cache_hit', savedMicros: 45 });
    l.recordRoutingEvent({
      requestId: 'a',
      ts: 1_000,
      kind: 'cascade_escalated',
      model: 'tinyllama',
      costMicros: 0,
      detail: 'empty answer',
    });
    l.recordRoutingEvent({ requestId: 'b', ts: 1_000, kind: 'cascade_kept', savedMicros: 120 });
    l.recordRoutingEvent({ requestId: 'b', ts: 1_000, kind: 'privacy_local' });
    l.recordFeedback({ requestId: 'a', ts: 1_000, rating: 'down', comment: null });
    l.recordFeedback({ requestId: 'b', ts: 1_000, rating: 'up', comment: null });
    const s = l.routingStats(0, 10_000);
    expect(s.cache).toEqual({ hits: 1, semanticHits: 0, savedMicros: 45 });
    expect(s.cascade).toEqual({ runs: 2, escalated: 1, escalationRate: 0.5, savedMicros: 120, firstAttemptCostMicros: 0 });
    expect(s.privacy.keptLocal).toBe(1);
    expect(s.feedback).toMatchObject({ up: 1, down: 1, retry: 0, localMissRate: 1 });
    expect(l.routingStats(5_000, 10_000).cache.hits).toBe(0);
    l.close();
  });

  it('deleting all history also drops cached answers', () => {
    const l = open();
    l.cachePut(entry('k1'), 1_000);
    l.deleteAllHistory();
    expect(l.cacheGet('k1', 1_500)).toBeUndefined();
    l.close();
  });
});
