// The ledger on both stores (SQLite file, real PostgreSQL): migrations, rows, stats, spend, settings, conversations, keys, budget reservations.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { itFor, ledgerStores } from '../../tests/fixtures/ledger-stores.js';
import { PG_TEST_PASSWORD, postgresSkipReason } from '../../tests/fixtures/postgres.js';
import type { ApiKeyRecord, Ledger, RequestRecord } from './ledger.js';
import { parseLedgerUrl, redactUrl } from './ledger-url.js';
import { newestVersion } from './migrate.js';
import { migrationSql, migrations } from './migrations.js';
import { openPostgresLedger, RESERVATION_TTL_MS } from './postgres.js';
import { openSqliteLedger } from './sqlite.js';

const row = (over: Partial<RequestRecord>): RequestRecord => ({
  id: Math.random().toString(36).slice(2),
  ts: 1_000,
  protocol: 'native',
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.1,
  reasons: ['r'],
  inputTokens: 1,
  outputTokens: 1,
  costMicros: 0,
  allCloudMicros: 18,
  latencyMs: 5,
  ttftMs: 1,
  status: 'ok',
  errorType: null,
  fallbackFrom: [],
  prompt: null,
  response: null,
  ...over,
});

const key = (id: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  name: `app ${id}`,
  hash: `hash-${id}`,
  prefix: 'hai_abcd1234',
  createdAt: 5,
  revokedAt: null,
  rateLimitPerMin: null,
  monthlyBudgetMicros: null,
  ...over,
});

const { stores, postgres } = ledgerStores();

/** Run `fn` on a fresh ledger of the store, closing it afterwards. */
async function withLedger(open: () => Promise<Ledger>, fn: (l: Ledger) => Promise<void>): Promise<void> {
  const l = await open();
  try {
    await fn(l);
  } finally {
    await l.close();
  }
}

describe('migrations', () => {
  it('are one contiguous list; each has SQL for both dialects', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(newestVersion).toBe(migrations.length);
    for (const m of migrations) {
      expect(migrationSql(m, 'sqlite').length, m.name).toBeGreaterThan(0);
      expect(migrationSql(m, 'postgres').length, m.name).toBeGreaterThan(0);
    }
    // Money and ms timestamps are 64-bit in PostgreSQL (its INTEGER is 32-bit).
    expect(migrationSql(migrations[0]!, 'postgres')).toMatch(/cost_micros\s+BIGINT/);
    expect(
      migrationSql(
        migrations.find((m) => m.name === 'routing')!,
        'postgres',
      ),
    ).toMatch(/embedding\s+BYTEA/);
    expect(
      migrationSql(
        migrations.find((m) => m.name === 'routing')!,
        'sqlite',
      ),
    ).toMatch(/embedding\s+BLOB/);
  });
});

describe.each(stores)('ledger ($name)', (store) => {
  const { name, open } = store;
  const test = itFor(store);

  test('records rows and reads them back newest first, every field intact', async () => {
    await withLedger(open, async (l) => {
      const a = row({ id: 'a', ts: 10, complexity: 0.123456789, latencyMs: 12.5, ttftMs: null, fallbackFrom: ['x on y: timeout'] });
      const b = row({
        id: 'b',
        ts: 20,
        route: 'cloud',
        engine: 'anthropic',
        model: 'claude-sonnet',
        costMicros: 2 ** 40,
        reasons: ['é', '→'],
      });
      await l.record(a);
      await l.record(b);
      const rows = await l.recent(5);
      expect(rows.map((r) => r.id)).toEqual(['b', 'a']);
      expect(rows[1]).toEqual({ ...a, apiKeyId: null, experimentId: null, arm: null });
      // Beyond 32 bits: micro-dollar sums need 64-bit integers.
      expect(rows[0]!.costMicros).toBe(2 ** 40);
      expect(rows[0]!.reasons).toEqual(['é', '→']);
      expect(await l.recent(1)).toHaveLength(1);
    });
  });

  test('spend so far, per day and month, stays exact as rows arrive', async () => {
    await withLedger(open, async (l) => {
      await l.record(row({ ts: 50, costMicros: 7 })); // last month
      await l.record(row({ ts: 150, costMicros: 10 })); // this month, before today
      expect(await l.spendSince(200, 100)).toEqual({ todayMicros: 0, monthMicros: 10 });
      await l.record(row({ ts: 250, costMicros: 5 }));
      await l.record(row({ ts: 260, costMicros: 0 }));
      expect(await l.spendSince(200, 100)).toEqual({ todayMicros: 5, monthMicros: 15 });
      // a new day
      expect(await l.spendSince(255, 100)).toEqual({ todayMicros: 0, monthMicros: 15 });
    });
  });

  test('stats: an answer rated down, retried, or replaced by a Retry with Claude saves nothing (its spend still counts)', async () => {
    await withLedger(open, async (l) => {
      for (const id of ['kept', 'down', 'up', 'retried', 'replaced'])
        await l.record(row({ id, ts: 10, costMicros: 0, allCloudMicros: 100 }));
      await l.record(row({ id: 'claude', ts: 11, engine: 'anthropic', route: 'cloud', costMicros: 150, allCloudMicros: 150 }));
      // A request that failed after some tokens (a stream cut mid-answer) saved nothing either.
      await l.record(row({ id: 'cut', ts: 11, status: 'error', errorType: 'upstream_error', costMicros: 0, allCloudMicros: 40 }));
      expect((await l.stats(0, 100)).totals.savingsMicros).toBe(500);
      await l.recordFeedback({ requestId: 'down', ts: 12, rating: 'down', comment: null });
      await l.recordFeedback({ requestId: 'up', ts: 12, rating: 'up', comment: null });
      await l.recordFeedback({ requestId: 'retried', ts: 12, rating: 'retry', comment: null });
      const c = await l.createConversation('c', 1);
      await l.appendMessages(c.id, [{ role: 'assistant', content: 'better', requestId: 'claude', retryOf: 'replaced' }], 13);
      const s = await l.stats(0, 100);
      expect(s.totals).toMatchObject({ savingsMicros: 200, costMicros: 150, allCloudMicros: 690 });
      expect(s.byModel.find((m) => m.model === 'tinyllama')).toMatchObject({ savingsMicros: 200 });
      expect(s.byApp).toEqual([expect.objectContaining({ apiKeyId: null, savingsMicros: 200 })]);
    });
  });

  test('settings round-trip, one at a time and all at once', async () => {
    await withLedger(open, async (l) => {
      expect(await l.getSetting('x')).toBeUndefined();
      await l.setSetting('x', { a: 1 });
      expect(await l.getSetting('x')).toEqual({ a: 1 });
      await l.setSetting('x', false);
      await l.setSetting('y', null);
      expect(await l.getSetting('x')).toBe(false);
      expect(await l.allSettings()).toEqual({ x: false, y: null });
    });
  });

  test('stats: savings never negative per row, local share over answered requests only, by model/route/day/app', async () => {
    await withLedger(open, async (l) => {
      await l.createApiKey(key('k1'));
      await l.record(row({ ts: 10, costMicros: 0, allCloudMicros: 100 }));
      await l.record(
        row({ ts: 11, engine: 'anthropic', model: 'claude-opus', route: 'cloud', costMicros: 300, allCloudMicros: 180, apiKeyId: 'k1' }),
      );
      await l.record(row({ ts: 12, status: 'error', errorType: 'upstream_error', costMicros: 0, allCloudMicros: 0, latencyMs: 11 }));
      const s = await l.stats(0, 100);
      expect(s.totals).toEqual({
        requests: 3,
        errors: 1,
        inputTokens: 3,
        outputTokens: 3,
        costMicros: 300,
        allCloudMicros: 280,
        savingsMicros: 100,
        local: 1,
        cloud: 1,
        localShare: 0.5,
        savingsPct: 100 / 280,
        avgLatencyMs: 7,
      });
      expect(s.byRoute.find((r) => r.route === 'cloud')).toMatchObject({ requests: 1, costMicros: 300 });
      expect(s.byModel.map((m) => `${m.model}/${m.engine}:${m.requests}`).sort()).toEqual([
        'claude-opus/anthropic:1',
        'tinyllama/llamacpp:2',
      ]);
      expect(s.byDay).toHaveLength(1);
      expect(s.byDay[0]).toMatchObject({ day: new Date(10).toLocaleDateString('sv-SE'), requests: 3 });
      expect(s.byApp).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ apiKeyId: null, name: null, requests: 2 }),
          expect.objectContaining({ apiKeyId: 'k1', name: 'app k1', requests: 1, costMicros: 300 }),
        ]),
      );
      const empty = await l.stats(1_000, 2_000);
      expect(empty.totals).toMatchObject({ requests: 0, costMicros: 0, localShare: 0, avgLatencyMs: 0 });
    });
  });

  test('conversations: create, list newest first, search (case-insensitive, wildcards literal), rename, delete', async () => {
    await withLedger(open, async (l) => {
      const a = await l.createConversation('Trip to Lisbon', 100);
      const b = await l.createConversation('100% cotton_shirts', 200);
      expect(await l.getConversation(a.id)).toEqual({ ...a, messageCount: 0 });
      expect((await l.listConversations({ limit: 10 })).map((c) => c.id)).toEqual([b.id, a.id]);
      expect(await l.appendMessages(a.id, [{ role: 'user', content: 'Pastéis de nata?', requestId: null }], 300)).toBe(true);
      expect((await l.listConversations({ limit: 10 })).map((c) => c.id)).toEqual([a.id, b.id]);
      expect((await l.listConversations({ search: 'LISBON', limit: 10 })).map((c) => c.id)).toEqual([a.id]);
      expect((await l.listConversations({ search: 'nata', limit: 10 })).map((c) => c.id)).toEqual([a.id]);
      // A search names the first message holding the text (for the snippet); a title-only hit has none; a plain list no field.
      expect((await l.listConversations({ search: 'NATA', limit: 10 }))[0]!.match).toBe('Pastéis de nata?');
      expect((await l.listConversations({ search: 'lisbon', limit: 10 }))[0]!.match).toBeNull();
      expect((await l.listConversations({ limit: 10 }))[0]).not.toHaveProperty('match');
      expect((await l.listConversations({ search: '100%', limit: 10 })).map((c) => c.id)).toEqual([b.id]);
      expect(await l.listConversations({ search: '1%0', limit: 10 })).toEqual([]);
      expect(await l.listConversations({ search: 'cotton_', limit: 10 })).toHaveLength(1);
      expect(await l.listConversations({ search: 'cottonXshirts', limit: 10 })).toEqual([]);
      expect(await l.listConversations({ limit: 1 })).toHaveLength(1);
      expect(await l.renameConversation(a.id, 'Lisbon, May', 400)).toMatchObject({ title: 'Lisbon, May', updatedAt: 400, messageCount: 1 });
      expect(await l.renameConversation('missing', 'x', 400)).toBeUndefined();
      expect(await l.deleteConversation(a.id)).toBe(true);
      expect(await l.deleteConversation(a.id)).toBe(false);
      expect(await l.getConversation(a.id)).toBeUndefined();
      expect(await l.appendMessages(a.id, [{ role: 'user', content: 'gone', requestId: null }], 500)).toBe(false);
    });
  });

  test('messages keep their order within one millisecond, carry their request row, and deleting one keeps the rest', async () => {
    await withLedger(open, async (l) => {
      const c = await l.createConversation('c', 1);
      await l.record(
        row({
          id: 'req1',
          ts: 2,
          route: 'cloud',
          engine: 'anthropic',
          model: 'claude-sonnet',
          costMicros: 42,
          prompt: 'q1',
          response: 'a1',
        }),
      );
      await l.appendMessages(
        c.id,
        [
          { role: 'user', content: 'q1', requestId: 'req1' },
          { role: 'assistant', content: 'a1', requestId: 'req1' },
        ],
        3,
      );
      await l.appendMessages(
        c.id,
        [
          { role: 'user', content: 'q2', requestId: null },
          { role: 'assistant', content: 'a2', requestId: null },
        ],
        3,
      );
      const msgs = await l.listMessages(c.id);
      expect(msgs.map((m) => m.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
      expect(msgs[0]!.request).toBeNull(); // only assistant messages carry the row
      expect(msgs[1]!.request).toMatchObject({ id: 'req1', costMicros: 42, engine: 'anthropic' });
      expect(msgs[1]!.request).not.toHaveProperty('prompt');
      expect((await l.getConversation(c.id))!.messageCount).toBe(4);
      // Each message follows the one before it.
      expect(msgs.map((m) => m.parentId)).toEqual([null, msgs[0]!.id, msgs[1]!.id, msgs[2]!.id]);
      // Deleting one message takes only that one; the next now follows its parent.
      expect(await l.deleteMessage(c.id, msgs[1]!.id)).toBe(1);
      const left = await l.listMessages(c.id);
      expect(left.map((m) => m.content)).toEqual(['q1', 'q2', 'a2']);
      expect(left[1]!.parentId).toBe(msgs[0]!.id);
      expect(await l.deleteMessage(c.id, 'missing')).toBe(0);
      // A message of another conversation is not this one's to delete.
      const other = await l.createConversation('other', 4);
      expect(await l.deleteMessage(other.id, msgs[0]!.id)).toBe(0);
      // Deleting the leaf moves the leaf to its parent.
      expect((await l.getConversation(c.id))!.leafId).toBe(msgs[3]!.id);
      expect(await l.deleteMessage(c.id, msgs[3]!.id)).toBe(1);
      expect((await l.getConversation(c.id))!.leafId).toBe(msgs[2]!.id);
    });
  });

  test('versions: a new answer or an edited prompt is a sibling, later turns stay with the version they followed, the leaf picks the path', async () => {
    await withLedger(open, async (l) => {
      const c = await l.createConversation('c', 1);
      const ask = async (q: string, a: string, parent?: string | null) =>
        l.appendMessages(
          c.id,
          [
            { role: 'user', content: q, requestId: null },
            { role: 'assistant', content: a, requestId: null },
          ],
          2,
          parent,
        );
      await ask('q1', 'a1');
      await ask('q2', 'a2 v1');
      await ask('q3', 'a3 after v1');
      const first = await l.listMessages(c.id);
      const byText = (all: typeof first, t: string) => all.find((m) => m.content === t)!;
      const q2 = byText(first, 'q2');
      // Regenerate answer 2: only the answer is added, as a sibling of the first answer to q2.
      expect(await l.appendMessages(c.id, [{ role: 'assistant', content: 'a2 v2', requestId: null }], 3, q2.id)).toBe(true);
      let all = await l.listMessages(c.id);
      expect(all).toHaveLength(7);
      expect(byText(all, 'a2 v2').parentId).toBe(q2.id);
      expect((await l.getConversation(c.id))!.leafId).toBe(byText(all, 'a2 v2').id);
      // A message sent now follows the path on screen (a2 v2), not q3.
      await ask('q3 on v2', 'a3 after v2');
      all = await l.listMessages(c.id);
      expect(byText(all, 'q3 on v2').parentId).toBe(byText(all, 'a2 v2').id);
      // q3 still follows version 1 of the answer: nothing was deleted.
      expect(byText(all, 'q3').parentId).toBe(byText(all, 'a2 v1').id);
      // Switching back: the leaf can be any message of this conversation, not another's.
      expect(await l.setLeaf(c.id, byText(all, 'a3 after v1').id)).toBe(true);
      expect((await l.getConversation(c.id))!.leafId).toBe(byText(all, 'a3 after v1').id);
      expect(await l.setLeaf(c.id, 'missing')).toBe(false);
      const other = await l.createConversation('other', 4);
      expect(await l.setLeaf(other.id, byText(all, 'q1').id)).toBe(false);
      // Continuing from version 1 follows its last turn.
      await ask('q4 on v1', 'a4');
      all = await l.listMessages(c.id);
      expect(byText(all, 'q4 on v1').parentId).toBe(byText(all, 'a3 after v1').id);
      // An edited first prompt starts a new branch at the top (parent null).
      await ask('q1 edited', 'a1 edited', null);
      all = await l.listMessages(c.id);
      expect(byText(all, 'q1 edited').parentId).toBeNull();
      expect(all).toHaveLength(13);
      expect((await l.getConversation(c.id))!.messageCount).toBe(13);
    });
  });

  test('answers carry their rating, cache hit (with the reused engine), escalation and the answer they replaced', async () => {
    await withLedger(open, async (l) => {
      const c = await l.createConversation('c', 1);
      // A local answer rated "retry", the Claude answer that replaced it (escalated by the cascade first) rated up,
      // and a cache hit (no engine on its row) rated down.
      await l.record(row({ id: 'local1', ts: 2 }));
      await l.recordFeedback({ requestId: 'local1', ts: 3, rating: 'retry', comment: null });
      await l.record(row({ id: 'cloud1', ts: 4, route: 'cloud', engine: 'anthropic', model: 'claude-sonnet', costMicros: 42 }));
      await l.recordRoutingEvent({ requestId: 'cloud1', ts: 4, kind: 'privacy_local' });
      await l.recordRoutingEvent({ requestId: 'cloud1', ts: 4, kind: 'cascade_escalated', model: 'tinyllama', detail: 'empty answer' });
      await l.recordFeedback({ requestId: 'cloud1', ts: 5, rating: 'up', comment: null });
      await l.record(row({ id: 'hit1', ts: 6, route: 'cloud', engine: null, model: 'claude-sonnet', costMicros: 0 }));
      await l.recordRoutingEvent({ requestId: 'hit1', ts: 6, kind: 'semantic_hit', model: 'claude-sonnet', engine: 'anthropic' });
      await l.recordFeedback({ requestId: 'hit1', ts: 7, rating: 'down', comment: null });
      await l.record(row({ id: 'plain', ts: 8 }));
      await l.appendMessages(
        c.id,
        [
          { role: 'user', content: 'q', requestId: 'cloud1' },
          { role: 'assistant', content: 'a cloud', requestId: 'cloud1', retryOf: 'local1' },
          { role: 'user', content: 'q again', requestId: 'hit1' },
          { role: 'assistant', content: 'a cached', requestId: 'hit1' },
          { role: 'assistant', content: 'a plain', requestId: 'plain' },
          { role: 'assistant', content: 'a retry of nothing known', requestId: null, retryOf: 'gone' },
        ],
        9,
      );
      const [q, cloud, , hit, plain, orphan] = await l.listMessages(c.id);
      expect(q).toMatchObject({ rating: null, cacheHit: null, escalated: null, retryOf: null });
      expect(cloud).toMatchObject({
        rating: 'up',
        cacheHit: null,
        escalated: { from: 'tinyllama', reason: 'empty answer' },
        retryOf: { requestId: 'local1', model: 'tinyllama', rating: 'retry' },
        request: { id: 'cloud1', engine: 'anthropic' },
      });
      expect(hit).toMatchObject({
        rating: 'down',
        cacheHit: { semantic: true, engine: 'anthropic' },
        escalated: null,
        retryOf: null,
        request: { id: 'hit1', engine: null, model: 'claude-sonnet' },
      });
      expect(plain).toMatchObject({ rating: null, cacheHit: null, escalated: null, retryOf: null });
      // A replaced answer the ledger does not know: the link stays, nothing is invented about it.
      expect(orphan).toMatchObject({ request: null, retryOf: { requestId: 'gone', model: null, rating: null } });
    });
  });

  test('deleting all history keeps costs but erases text, conversations and cached answers', async () => {
    await withLedger(open, async (l) => {
      const c = await l.createConversation('c', 1);
      await l.appendMessages(c.id, [{ role: 'user', content: 'secret', requestId: null }], 2);
      await l.record(row({ id: 'r', costMicros: 9, prompt: 'secret', response: 'answer' }));
      expect(await l.deleteAllHistory()).toEqual({ conversations: 1, messages: 1, requestTexts: 1 });
      expect((await l.recent(1))[0]).toMatchObject({ id: 'r', costMicros: 9, prompt: null, response: null });
      expect(await l.listConversations({ limit: 10 })).toEqual([]);
    });
  });

  test('stored responses: saved, replaced, read back, deleted once; all history takes them too', async () => {
    await withLedger(open, async (l) => {
      await l.saveResponse('resp_1', 5, '{"v":1}');
      await l.saveResponse('resp_1', 5, '{"v":2}');
      await l.saveResponse('resp_2', 6, '{"v":3}');
      expect(await l.getResponse('resp_1')).toBe('{"v":2}');
      expect(await l.getResponse('nope')).toBeUndefined();
      expect(await l.deleteResponse('resp_1')).toBe(true);
      expect(await l.deleteResponse('resp_1')).toBe(false);
      expect(await l.getResponse('resp_1')).toBeUndefined();
      await l.deleteAllHistory();
      expect(await l.getResponse('resp_2')).toBeUndefined();
    });
  });

  test('sealed responses: per owner, gone once expired (purged as new ones come), cleared, and taken by all history', async () => {
    await withLedger(open, async (l) => {
      await l.saveSealedResponse('k1', 'sealed:v1:a', 'key_a', 100, 10);
      await l.saveSealedResponse('k1', 'sealed:v1:b', 'key_b', 100, 10);
      await l.saveSealedResponse('k2', 'sealed:v1:m', '', 50, 10);
      expect(await l.getSealedResponse('k1', 'key_a', 20)).toBe('sealed:v1:a');
      expect(await l.getSealedResponse('k1', 'key_b', 20)).toBeUndefined();
      expect(await l.getSealedResponse('k2', '', 49)).toBe('sealed:v1:m');
      expect(await l.getSealedResponse('k2', '', 50)).toBeUndefined();
      expect(await l.deleteSealedResponse('k1', 'key_b')).toBe(false);
      // A save at 60 purges k2 (expired at 50).
      await l.saveSealedResponse('k3', 'sealed:v1:c', '', 200, 60);
      expect(await l.clearSealedResponses()).toBe(2);
      await l.saveSealedResponse('k4', 'sealed:v1:d', '', 200, 60);
      expect(await l.deleteSealedResponse('k4', '')).toBe(true);
      expect(await l.deleteSealedResponse('k4', '')).toBe(false);
      await l.saveSealedResponse('k5', 'sealed:v1:e', '', 200, 60);
      await l.deleteAllHistory();
      expect(await l.getSealedResponse('k5', '', 61)).toBeUndefined();
    });
  });

  test('probeWrite proves a write and keeps nothing', async () => {
    await withLedger(open, async (l) => {
      const before = await l.allSettings();
      await l.probeWrite();
      await l.probeWrite();
      expect(await l.allSettings()).toEqual(before);
      await l.setSetting('after.probe', 1);
      expect(await l.getSetting('after.probe')).toBe(1);
    });
  });

  test('stored responses belong to their owner: another owner can neither read, replace nor delete them', async () => {
    await withLedger(open, async (l) => {
      await l.saveResponse('resp_a', 5, '{"by":"a"}', 'key_a');
      await l.saveResponse('resp_m', 5, '{"by":"main"}');
      expect(await l.getResponse('resp_a', 'key_a')).toBe('{"by":"a"}');
      expect(await l.getResponse('resp_a', 'key_b')).toBeUndefined();
      expect(await l.getResponse('resp_a')).toBeUndefined();
      expect(await l.getResponse('resp_m', 'key_a')).toBeUndefined();
      expect(await l.getResponse('resp_m', '')).toBe('{"by":"main"}');
      await l.saveResponse('resp_a', 5, '{"by":"b"}', 'key_b');
      expect(await l.getResponse('resp_a', 'key_a')).toBe('{"by":"a"}');
      expect(await l.deleteResponse('resp_a', 'key_b')).toBe(false);
      expect(await l.deleteResponse('resp_a')).toBe(false);
      expect(await l.deleteResponse('resp_a', 'key_a')).toBe(true);
    });
  });

  test('app keys: stored, listed oldest first (same millisecond too), revoked once, spend per key this month', async () => {
    await withLedger(open, async (l) => {
      await l.createApiKey(key('k2', { rateLimitPerMin: 60, monthlyBudgetMicros: 5_000_000 }));
      await l.createApiKey(key('k1'));
      expect((await l.listApiKeys()).map((k) => k.id)).toEqual(['k2', 'k1']);
      expect((await l.listApiKeys())[0]).toEqual(key('k2', { rateLimitPerMin: 60, monthlyBudgetMicros: 5_000_000 }));
      expect(await l.revokeApiKey('k2', 99)).toBe(true);
      expect(await l.revokeApiKey('k2', 100)).toBe(false);
      expect(await l.revokeApiKey('missing', 100)).toBe(false);
      expect((await l.listApiKeys())[0]!.revokedAt).toBe(99);
      await l.record(row({ ts: 10, costMicros: 30, apiKeyId: 'k1' }));
      await l.record(row({ ts: 20, costMicros: 12, apiKeyId: 'k1' }));
      await l.record(row({ ts: 20, costMicros: 0, apiKeyId: 'k2' }));
      await l.record(row({ ts: 5, costMicros: 1_000, apiKeyId: 'k2' }));
      expect(await l.spendByApiKeySince(10)).toEqual({ k1: 42 });
      await expect(l.createApiKey(key('k3', { hash: 'hash-k1' }))).rejects.toThrow();
    });
  });

  test('budget reservations: counted until their row is recorded, replaced per request, refused over the cap', async () => {
    await withLedger(open, async (l) => {
      const caps = { dailyMicros: 100 };
      const at = { dayStart: 0, monthStart: 0, now: 1_000, caps };
      await l.record(row({ ts: 10, costMicros: 30 }));
      expect(await l.reserveBudget({ ...at, id: 'a', micros: 40 })).toEqual({
        reserved: true,
        spend: { todayMicros: 30, monthMicros: 30 },
      });
      expect(await l.budgetSpend(0, 0, 1_000)).toEqual({ todayMicros: 70, monthMicros: 70 });
      expect(await l.spendSince(0, 0)).toEqual({ todayMicros: 30, monthMicros: 30 });
      // 30 spent + 40 held + 40 = 110 > 100
      expect(await l.reserveBudget({ ...at, id: 'b', micros: 40 })).toEqual({
        reserved: false,
        spend: { todayMicros: 70, monthMicros: 70 },
      });
      expect(await l.reserveBudget({ ...at, id: 'b', micros: 30 })).toMatchObject({ reserved: true });
      // The same request again replaces its own reservation instead of adding to it.
      expect(await l.reserveBudget({ ...at, id: 'b', micros: 25 })).toEqual({
        reserved: true,
        spend: { todayMicros: 70, monthMicros: 70 },
      });
      expect(await l.budgetSpend(0, 0, 1_000)).toEqual({ todayMicros: 95, monthMicros: 95 });
      // Recording a's row (real cost 20) releases its 40 in the same step.
      await l.record(row({ id: 'a', ts: 20, costMicros: 20 }));
      expect(await l.budgetSpend(0, 0, 1_000)).toEqual({ todayMicros: 75, monthMicros: 75 });
      await l.releaseBudget('b');
      await l.releaseBudget('never-reserved');
      expect(await l.budgetSpend(0, 0, 1_000)).toEqual({ todayMicros: 50, monthMicros: 50 });
      // A refused request's earlier reservation goes too (it will not call the cloud).
      await l.reserveBudget({ ...at, id: 'c', micros: 10 });
      expect(await l.reserveBudget({ ...at, id: 'c', micros: 500 })).toMatchObject({ reserved: false });
      expect(await l.budgetSpend(0, 0, 1_000)).toEqual({ todayMicros: 50, monthMicros: 50 });
      // Monthly caps count reservations too.
      expect(await l.reserveBudget({ ...at, id: 'd', micros: 60, caps: { monthlyMicros: 100 } })).toMatchObject({ reserved: false });
    });
  });

  test('200 parallel reservations against one cap: exactly as many as fit', async () => {
    await withLedger(open, async (l) => {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          l.reserveBudget({ id: `r${i}`, micros: 7, caps: { dailyMicros: 1_000 }, dayStart: 0, monthStart: 0, now: 1 }),
        ),
      );
      expect(results.filter((r) => r.reserved)).toHaveLength(Math.floor(1_000 / 7));
      expect((await l.budgetSpend(0, 0, 1)).todayMicros).toBe(Math.floor(1_000 / 7) * 7);
    });
  });

  if (name === 'postgres') {
    test('a reservation left behind by a crashed replica stops counting after its expiry', async () => {
      await withLedger(open, async (l) => {
        const caps = { dailyMicros: 100 };
        expect(await l.reserveBudget({ id: 'lost', micros: 90, caps, dayStart: 0, monthStart: 0, now: 1_000 })).toMatchObject({
          reserved: true,
        });
        expect(await l.reserveBudget({ id: 'x', micros: 20, caps, dayStart: 0, monthStart: 0, now: 2_000 })).toMatchObject({
          reserved: false,
        });
        const later = 1_000 + RESERVATION_TTL_MS;
        expect(await l.budgetSpend(0, 0, later)).toEqual({ todayMicros: 0, monthMicros: 0 });
        expect(await l.reserveBudget({ id: 'x', micros: 20, caps, dayStart: 0, monthStart: 0, now: later })).toMatchObject({
          reserved: true,
        });
      });
    });
  }
});

describe('sqlite ledger', () => {
  it('migrates a new file to the newest version in WAL mode, and reopens it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      await openSqliteLedger(file).close();
      const db = new Database(file);
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const again = openSqliteLedger(file);
      await again.record(row({}));
      expect(await again.recent(5)).toHaveLength(1);
      // The synchronous face is the same store.
      expect(again.sync.recent(5)).toHaveLength(1);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrating a version-8 file gives its linear conversations their parents, in order, nothing lost', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      const db = new Database(file);
      for (const m of migrations.filter((x) => x.version <= 8)) db.exec(migrationSql(m, 'sqlite'));
      db.pragma('user_version = 8');
      db.exec(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'one', 1, 1), ('c2', 'two', 1, 1)`);
      const ins = db.prepare(
        `INSERT INTO messages (id, conversation_id, role, content, request_id, created_at) VALUES (?, ?, ?, ?, NULL, 5)`,
      );
      // Same millisecond, interleaved between two conversations: insertion order decides.
      for (const [id, c, role] of [
        ['z1', 'c1', 'user'],
        ['y1', 'c2', 'user'],
        ['x1', 'c1', 'assistant'],
        ['w1', 'c1', 'user'],
        ['v1', 'c2', 'assistant'],
      ] as const)
        ins.run(id, c, role, id);
      db.close();
      const l = openSqliteLedger(file);
      try {
        expect((await l.listMessages('c1')).map((m) => [m.id, m.parentId])).toEqual([
          ['z1', null],
          ['x1', 'z1'],
          ['w1', 'x1'],
        ]);
        expect((await l.listMessages('c2')).map((m) => [m.id, m.parentId])).toEqual([
          ['y1', null],
          ['v1', 'y1'],
        ]);
        expect((await l.getConversation('c1'))!.leafId).toBeNull();
        // The next exchange follows the newest message.
        await l.appendMessages('c1', [{ role: 'assistant', content: 'next', requestId: null }], 6);
        expect((await l.listMessages('c1')).at(-1)!.parentId).toBe('w1');
      } finally {
        await l.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database from a newer version; after an upgrade, names the newest copy made of this version and how to restore it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      const db = new Database(file);
      db.pragma('user_version = 999');
      db.close();
      expect(() => openSqliteLedger(file)).toThrow(/schema version 999, newer than this app supports/);
      // No copy of this version's ledger beside it: nothing to point at.
      expect(() => openSqliteLedger(file)).not.toThrow(/hybrid-ai restore/);
      // Going back after an upgrade: the copies the newer builds made before migrating.
      const mine = newestVersion;
      mkdirSync(path.join(dir, 'backups'));
      for (const name of [
        `ledger-pre-v998-from-v${mine}-20261101T100000000Z.db`,
        `ledger-pre-v999-from-v${mine}-20261201T100000000Z.db`,
        `ledger-pre-v999-from-v${mine - 1}-20261205T100000000Z.db`,
        `ledger-pre-v999-from-v${mine}-20261206T100000000Z.db.partial-1`,
      ])
        writeFileSync(path.join(dir, 'backups', name), '');
      expect(() => openSqliteLedger(file)).toThrow(
        `hybrid-ai restore ${path.join(dir, 'backups', `ledger-pre-v999-from-v${mine}-20261201T100000000Z.db`)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing statement rejects the promise (never throws synchronously)', async () => {
    const l = openSqliteLedger(':memory:');
    await l.record(row({ id: 'dup' }));
    const p = l.record(row({ id: 'dup' }));
    await expect(p).rejects.toThrow(/UNIQUE/);
    await l.close();
  });

  it('group commit: rows recorded in one turn commit together, and each promise resolves only once its row is on disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      const l = openSqliteLedger(file);
      const reader = new Database(file, { readonly: true });
      const count = (): number => (reader.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
      const ids = Array.from({ length: 20 }, (_, i) => `g${i}`);
      const settled: string[] = [];
      const writes = ids.map((id) => l.record(row({ id })).then(() => settled.push(id)));
      // Nothing is written (or reported) within the turn that recorded the rows...
      expect(count()).toBe(0);
      await Promise.resolve();
      expect(settled).toEqual([]);
      // ...and when a promise resolves, another connection already sees every row of its batch.
      await writes[0];
      expect(count()).toBe(20);
      await Promise.all(writes);
      expect(settled).toHaveLength(20);
      // One commit for the batch, not twenty: the WAL grew by a few pages (each commit appends every page it changed,
      // so twenty commits would append 20+ frames).
      const frames = (): number => Math.max(0, statSync(`${file}-wal`).size - 32) / (24 + 4096);
      const before = frames();
      await Promise.all(Array.from({ length: 20 }, (_, i) => l.record(row({ id: `h${i}` }))));
      expect(count()).toBe(40);
      expect(frames() - before).toBeGreaterThan(0);
      expect(frames() - before).toBeLessThan(8);
      reader.close();
      await l.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('group commit: a row the batch cannot take fails alone, the others are stored', async () => {
    const l = openSqliteLedger(':memory:');
    await l.record(row({ id: 'taken' }));
    const results = await Promise.allSettled([
      l.record(row({ id: 'a1' })),
      l.record(row({ id: 'taken' })),
      l.record(row({ id: 'a2', apiKeyId: 'no-such-key' })),
      l.record(row({ id: 'a3' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect((await l.recent(10)).map((r) => r.id).sort()).toEqual(['a1', 'a3', 'taken']);
    await l.close();
  });

  it('group commit: close() writes the rows still waiting for their turn', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      const l = openSqliteLedger(file);
      const writes = [l.record(row({ id: 'late1' })), l.record(row({ id: 'late2' }))];
      await l.close();
      await Promise.all(writes);
      const db = new Database(file, { readonly: true });
      expect((db.prepare('SELECT id FROM requests ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id)).toEqual([
        'late1',
        'late2',
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(postgresSkipReason !== undefined)(`postgres ledger${postgresSkipReason ? ` (skipped: ${postgresSkipReason})` : ''}`, () => {
  it('records each migration once in schema_migrations, even when two replicas start at once', async () => {
    const url = await postgres().createDatabase();
    const [a, b, c] = await Promise.all([openPostgresLedger({ url }), openPostgresLedger({ url }), openPostgresLedger({ url })]);
    await Promise.all([a.close(), b.close(), c.close()]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(r.rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
      const cols = await client.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'requests' AND column_name IN ('ts', 'cost_micros', 'complexity')`,
      );
      expect(Object.fromEntries(cols.rows.map((x) => [x.column_name, x.data_type]))).toEqual({
        ts: 'bigint',
        cost_micros: 'bigint',
        complexity: 'double precision',
      });
      await client.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`);
    } finally {
      await client.end();
    }
    await expect(openPostgresLedger({ url })).rejects.toThrow(/schema version 999, newer than this app supports/);
  });

  it('migrating a version-8 database gives its linear conversations their parents, in insertion order', async () => {
    const url = await postgres().createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      for (const m of migrations.filter((x) => x.version <= 8)) {
        await client.query(migrationSql(m, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      await client.query(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'one', 1, 1), ('c2', 'two', 1, 1)`);
      for (const [id, c, role] of [
        ['z1', 'c1', 'user'],
        ['y1', 'c2', 'user'],
        ['x1', 'c1', 'assistant'],
        ['w1', 'c1', 'user'],
      ] as const) {
        await client.query(
          `INSERT INTO messages (id, conversation_id, role, content, request_id, created_at) VALUES ($1, $2, $3, $1, NULL, 5)`,
          [id, c, role],
        );
      }
    } finally {
      await client.end();
    }
    const l = await openPostgresLedger({ url });
    try {
      expect((await l.listMessages('c1')).map((m) => [m.id, m.parentId])).toEqual([
        ['z1', null],
        ['x1', 'z1'],
        ['w1', 'x1'],
      ]);
      expect((await l.listMessages('c2')).map((m) => [m.id, m.parentId])).toEqual([['y1', null]]);
    } finally {
      await l.close();
    }
  });

  it('two replicas (two pools) reserving at once never take more than the cap together', async () => {
    const url = await postgres().createDatabase();
    const a = await openPostgresLedger({ url });
    const b = await openPostgresLedger({ url });
    try {
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          (i % 2 ? a : b).reserveBudget({ id: `r${i}`, micros: 11, caps: { monthlyMicros: 500 }, dayStart: 0, monthStart: 0, now: 1 }),
        ),
      );
      expect(results.filter((r) => r.reserved)).toHaveLength(Math.floor(500 / 11));
      // Both see the same held total: nothing is cached per replica.
      expect(await a.budgetSpend(0, 0, 1)).toEqual(await b.budgetSpend(0, 0, 1));
      await a.setSetting('k', 1);
      expect(await b.getSetting('k')).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an unreachable server or a refused password fails with a plain message that never shows the password', async () => {
    const server = postgres();
    const wrong = `postgres://postgres:${encodeURIComponent('not-the-pw')}@127.0.0.1:${server.port}/postgres`;
    const e1 = await openPostgresLedger({ url: wrong }).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(e1.message).toMatch(
      /^Cannot connect to the PostgreSQL ledger at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres: the password was refused/,
    );
    expect(e1.message).not.toContain('not-the-pw');
    const closed = `postgres://postgres:${PG_TEST_PASSWORD}@127.0.0.1:9/nowhere`;
    const e2 = await openPostgresLedger({ url: closed }).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(e2.message).toMatch(
      /Cannot connect to the PostgreSQL ledger at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:9\/nowhere: nothing listens there/,
    );
    expect(e2.message).not.toContain(PG_TEST_PASSWORD);
    const noDb = server.url('no_such_db');
    const e3 = await openPostgresLedger({ url: noDb }).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(e3.message).toMatch(/the database does not exist/);
    expect(e3.message).not.toContain(PG_TEST_PASSWORD);
  });
});

describe('ledger URLs', () => {
  it('select the store, hide the password and name what is valid', () => {
    expect(parseLedgerUrl(undefined)).toEqual({ kind: 'sqlite', shown: 'sqlite (data dir)' });
    expect(parseLedgerUrl('sqlite:/var/lib/hai/l.db')).toMatchObject({ kind: 'sqlite', file: '/var/lib/hai/l.db' });
    expect(parseLedgerUrl('sqlite:///var/lib/hai/l.db')).toMatchObject({ kind: 'sqlite', file: '/var/lib/hai/l.db' });
    expect(parseLedgerUrl('postgres://u:s3cret@db:5432/hai')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:s3cret@db:5432/hai',
      shown: 'postgres://u:***@db:5432/hai',
    });
    // A password from a secret file fills a URL that has none (special characters survive).
    const withPw = parseLedgerUrl('postgresql://u@db/hai', 'p@ss:w/rd%');
    expect(withPw.kind === 'postgres' && decodeURIComponent(new URL(withPw.url).password)).toBe('p@ss:w/rd%');
    expect(withPw.shown).toBe('postgresql://u:***@db/hai');
    expect(() => parseLedgerUrl('mysql://u:s3cret@db/hai')).toThrow(/unsupported scheme "mysql:". Valid: postgres:\/\//);
    expect(() => parseLedgerUrl('mysql://u:s3cret@db/hai')).not.toThrow(/s3cret/);
    expect(() => parseLedgerUrl('postgres://u:s3cret@db')).toThrow(/no database name/);
    expect(() => parseLedgerUrl('not a url s3cret')).toThrow(/not a URL/);
    expect(() => parseLedgerUrl('not a url s3cret')).not.toThrow(/s3cret/);
    expect(redactUrl('postgres://u:s3cret@h/d')).toBe('postgres://u:***@h/d');
  });
});
