// App keys over a real in-memory SQLite ledger with a fake clock: hashing, restart, token bucket, monthly budget.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite.js';
import { createAppKeys } from './keys-api.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const DAY = 86_400_000;

function setup(start = new Date(2026, 10, 10, 12).getTime()) {
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
  return { ledger, clock, deps, keys: createAppKeys(deps) };
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
  it('finds a key by the sha256 of what the caller presents, survives a restart, forgets a revoked key', () => {
    const { ledger, deps, keys } = setup();
    const { record, key } = keys.create({ name: 'a' });
    expect(keys.lookup(sha(key))).toMatchObject({ id: record.id, name: 'a' });
    expect(keys.lookup(sha(`${key}x`))).toBeUndefined();
    const restarted = createAppKeys(deps);
    expect(restarted.lookup(sha(key))?.id).toBe(record.id);
    expect(restarted.revoke(record.id)?.revokedAt).not.toBeNull();
    expect(restarted.lookup(sha(key))).toBeUndefined();
    expect(createAppKeys(deps).lookup(sha(key))).toBeUndefined();
    expect(ledger.listApiKeys()).toHaveLength(1);
    expect(restarted.revoke('missing')).toBeUndefined();
  });

  it('rate limit: a token bucket of N per minute, refilled continuously, with the wait in Retry-After', () => {
    const { clock, keys } = setup();
    const { key } = keys.create({ name: 'b', rateLimitPerMin: 3 });
    const k = keys.lookup(sha(key))!;
    expect([keys.admit(k), keys.admit(k), keys.admit(k)]).toEqual([undefined, undefined, undefined]);
    const refused = keys.admit(k)!;
    expect(refused).toMatchObject({ type: 'rate_limited', retryAfter: 20 });
    clock.t += 20_000;
    expect(keys.admit(k)).toBeUndefined();
    expect(keys.admit(k)?.type).toBe('rate_limited');
  });

  it('monthly budget: counts cloud spend recorded with the key (ledger at start, onRecord after), resets with the month', () => {
    const { ledger, clock, keys } = setup();
    const { record, key } = keys.create({ name: 'c', monthlyBudgetMicros: 100 });
    const k = keys.lookup(sha(key))!;
    // Spend from before this process started (earlier this month) is read from the ledger once.
    ledger.record(row(record.id, clock.t - DAY, 60));
    ledger.record(row(record.id, clock.t - 40 * DAY, 1_000)); // last month: does not count
    expect(keys.admit(k)).toBeUndefined();
    const later = row(record.id, clock.t, 50);
    ledger.record(later);
    keys.observe(later);
    const refused = keys.admit(k)!;
    expect(refused.type).toBe('rate_limited');
    expect(refused.message).toMatch(/monthly cloud budget of \$0\.000100 \(spent \$0\.000110\)/);
    const monthEnd = new Date(2026, 11, 1).getTime();
    expect(refused.retryAfter).toBe(Math.ceil((monthEnd - clock.t) / 1000));
    expect(keys.list()[0]!.spentThisMonthMicros).toBe(110);
    clock.t = monthEnd + 1000;
    expect(keys.admit(k)).toBeUndefined();
  });
});
