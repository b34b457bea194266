// App keys over a real in-memory SQLite ledger with a fake clock: hashing, restart, token bucket, monthly budget.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite.js';
import { createAppKeys } from './keys-api.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const DAY = 86_400_000;

async function setup(start = new Date(2026, 10, 10, 12).getTime()) {
  const ledger = openSqliteLedger(':memory:');
  const clock = { t: start };
  const periodStarts = (now: number) => {
    const d = new Date(now);
    return {
      day: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(),
      month: new Date(d.getFullYear(), d.getMonth(), 1).getTime(),
    };
  };
  const deps = { ledger, now: () => clock.t, periodStarts };
  const keys = createAppKeys(deps);
  await keys.reload();
  return { ledger, clock, deps, keys };
}

function row(apiKeyId: string, ts: number, costMicros: number): RequestRecord {
  return {
    id: `r${ts}${costMicros}`,
    ts,
    protocol: 'openai',
    route: 'cloud',
    model: 'claude-sonnet',
    engine: 'anthropic',
    complexity: 0.9,
    reasons: [],
    inputTokens: 10,
    outputTokens: 10,
    costMicros,
    allCloudMicros: costMicros,
    latencyMs: 5,
    ttftMs: 1,
    status: 'ok',
    errorType: null,
    fallbackFrom: [],
    prompt: null,
    response: null,
    apiKeyId,
  };
}

describe('app keys', () => {
  it('finds a key by the sha256 of what the caller presents, survives a restart, forgets a revoked key', async () => {
    const { ledger, deps, keys } = await setup();
    const { record, key } = await keys.create({ name: 'a' });
    expect(keys.lookup(sha(key))).toMatchObject({ id: record.id, name: 'a' });
    expect(keys.lookup(sha(`${key}x`))).toBeUndefined();
    const restarted = createAppKeys(deps);
    await restarted.reload();
    expect(restarted.lookup(sha(key))?.id).toBe(record.id);
    expect((await restarted.revoke(record.id))?.revokedAt).not.toBeNull();
    expect(restarted.lookup(sha(key))).toBeUndefined();
    const again = createAppKeys(deps);
    await again.reload();
    expect(again.lookup(sha(key))).toBeUndefined();
    // Another process (a gateway replica) revoked it: this one forgets it at its next reload.
    expect(keys.lookup(sha(key))).toBeDefined();
    await keys.reload();
    expect(keys.lookup(sha(key))).toBeUndefined();
    expect(await ledger.listApiKeys()).toHaveLength(1);
    expect(await restarted.revoke('missing')).toBeUndefined();
  });

  it('rate limit: a token bucket of N per minute, refilled continuously, with the wait in Retry-After', async () => {
    const { clock, keys } = await setup();
    const { key } = await keys.create({ name: 'b', rateLimitPerMin: 3 });
    const k = keys.lookup(sha(key))!;
    expect([keys.admit(k), keys.admit(k), keys.admit(k)]).toEqual([undefined, undefined, undefined]);
    const refused = keys.admit(k)!;
    expect(refused).toMatchObject({ type: 'rate_limited', retryAfter: 20 });
    clock.t += 20_000;
    expect(keys.admit(k)).toBeUndefined();
    expect(keys.admit(k)?.type).toBe('rate_limited');
  });

  it('monthly budget: counts cloud spend recorded with the key (ledger at load, onRecord after), resets with the month', async () => {
    const { ledger, clock, keys } = await setup();
    const { record, key } = await keys.create({ name: 'c', monthlyBudgetMicros: 100 });
    const k = keys.lookup(sha(key))!;
    // Spend recorded elsewhere (before this process started, or by another replica) is read from the ledger at a load.
    await ledger.record(row(record.id, clock.t - DAY, 60));
    await ledger.record(row(record.id, clock.t - 40 * DAY, 1_000)); // last month: does not count
    await keys.reload();
    expect(keys.admit(k)).toBeUndefined();
    const later = row(record.id, clock.t, 50);
    await ledger.record(later);
    keys.observe(later);
    const refused = keys.admit(k)!;
    expect(refused.type).toBe('rate_limited');
    expect(refused.message).toMatch(/monthly cloud budget of \$0\.000100 \(spent \$0\.000110\)/);
    const monthEnd = new Date(2026, 11, 1).getTime();
    expect(refused.retryAfter).toBe(Math.ceil((monthEnd - clock.t) / 1000));
    expect((await keys.list())[0]!.spentThisMonthMicros).toBe(110);
    clock.t = monthEnd + 1000;
    expect(keys.admit(k)).toBeUndefined();
  });
});
