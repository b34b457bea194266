// Per-app API keys: create (shown once) / list / revoke, and the in-memory auth, rate limit and budget checks.
//
// Why sha256 and not argon2/bcrypt: those slow hashes protect low-entropy passwords from offline guessing. A key
// here is 256 random bits, which no amount of guessing finds from its hash, so a fast hash is just as safe and
// lets every request be checked in microseconds (a slow hash on the hot path would also hand out a CPU-burning
// DoS to anyone who can send a bad token).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import type { ApiKeyRecord, ApiKeyStore, RequestRecord } from '../ledger/ledger.js';
import { parseBody } from './protocols/validate.js';
import type { AppKeyAuth, AuthenticatedKey } from './security.js';

/** Visible start of every key, so a leaked one is recognisable (secret scanners, logs). */
export const KEY_PREFIX = 'hai_';
// 32 random bytes = 256 bits: beyond brute force, which is what makes a plain sha256 of the key safe to store.
const KEY_BYTES = 32;
// "hai_" + 8 key characters: enough to tell keys apart in a list, far too few to help guess the rest.
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
const MINUTE_MS = 60_000;

/** An active key with its limits, as the auth hook and the limiter see it. */
interface ActiveKey extends AuthenticatedKey {
  rateLimitPerMin: number | null;
  monthlyBudgetMicros: number | null;
}

/** The key store: the ledger for durability, memory for the per-request checks. */
export interface AppKeys extends AppKeyAuth {
  /** Stores a new key; the returned `key` is the only time the secret exists outside the caller's hands. */
  create(input: { name: string; rateLimitPerMin?: number; monthlyBudgetMicros?: number }): Promise<{ record: ApiKeyRecord; key: string }>;
  list(): Promise<Array<ApiKeyRecord & { spentThisMonthMicros: number }>>;
  /** Revokes at once (the next request with it is a 401); undefined when there is no such key. Idempotent. */
  revoke(id: string): Promise<ApiKeyRecord | undefined>;
  /** Feed every finished request here (pipeline onRecord) so budgets stay current without a query per request. */
  observe(r: RequestRecord): void;
  /**
   * (Re)load the active keys and this month's spend per key from the ledger: once before serving, and, on a ledger
   * other gateways share, periodically (wiring), so a key created or revoked there and their spend arrive here.
   */
  reload(): Promise<void>;
}

/** What {@link createAppKeys} needs. */
export interface AppKeysDeps {
  ledger: ApiKeyStore;
  now(): number;
  /** Start of the local month containing `now` (the budget period). */
  periodStarts(now: number): { day: number; month: number };
}

const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Start of the month after the one starting at `monthStart` (local time), ms. */
function nextMonthStart(monthStart: number): number {
  const d = new Date(monthStart);
  return new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
}

// Cents for budgets a person sets; micro-dollar precision below a cent, so a tiny budget does not read "$0.00".
const usd = (micros: number): string => `$${(micros / 1e6).toFixed(micros < 10_000 ? 6 : 2)}`;

/** Builds the key store over the ledger; call reload() before serving (it loads the active keys). */
export function createAppKeys(deps: AppKeysDeps): AppKeys {
  let byHash = new Map<string, ActiveKey>();
  const active = (k: ApiKeyRecord): ActiveKey => ({
    id: k.id,
    name: k.name,
    rateLimitPerMin: k.rateLimitPerMin,
    monthlyBudgetMicros: k.monthlyBudgetMicros,
  });
  /** Token buckets: capacity = the per-minute limit, refilled continuously, so bursts up to the limit are fine. */
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Cloud spend per key this month, loaded by reload() and kept current by observe(). */
  let spend: { month: number; byKey: Map<string, number> } = { month: deps.periodStarts(deps.now()).month, byKey: new Map() };

  async function reload(): Promise<void> {
    const month = deps.periodStarts(deps.now()).month;
    const [keys, spent] = await Promise.all([deps.ledger.listApiKeys(), deps.ledger.spendByApiKeySince(month)]);
    const next = new Map<string, ActiveKey>();
    for (const k of keys) if (k.revokedAt === null) next.set(k.hash, active(k));
    byHash = next;
    spend = { month, byKey: new Map(Object.entries(spent)) };
  }

  const spendNow = (): Map<string, number> => {
    const month = deps.periodStarts(deps.now()).month;
    if (spend.month !== month) {
      // A new month: nothing spent yet as far as memory knows; the ledger's count replaces it shortly.
      spend = { month, byKey: new Map() };
      void reload().catch(() => undefined);
    }
    return spend.byKey;
  };

  function rateLimited(key: ActiveKey, now: number): CoreError | undefined {
    const limit = key.rateLimitPerMin;
    if (limit === null) return undefined;
    const perMs = limit / MINUTE_MS;
    const b = buckets.get(key.id) ?? { tokens: limit, at: now };
    b.tokens = Math.min(limit, b.tokens + (now - b.at) * perMs);
    b.at = now;
    buckets.set(key.id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    return new CoreError(
      'rate_limited',
      `App key "${key.name}" is over its rate limit of ${limit} requests per minute; retry in ${retryAfter} s.`,
      { retryAfter },
    );
  }

  function overBudget(key: ActiveKey, now: number): CoreError | undefined {
    const budget = key.monthlyBudgetMicros;
    if (budget === null) return undefined;
    const spent = spendNow().get(key.id) ?? 0;
    if (spent < budget) return undefined;
    const resets = nextMonthStart(deps.periodStarts(now).month);
    return new CoreError(
      'rate_limited',
      `App key "${key.name}" has used its monthly cloud budget of ${usd(budget)} (spent ${usd(spent)}); it resets on ${new Date(resets).toDateString()}.`,
      { retryAfter: Math.max(1, Math.ceil((resets - now) / 1000)) },
    );
  }

  return {
    lookup: (hashHex) => byHash.get(hashHex),
    admit(key) {
      const k = key as ActiveKey;
      const now = deps.now();
      // Budget first: a request refused for money must not also use up a rate-limit token.
      return overBudget(k, now) ?? rateLimited(k, now);
    },
    reload,
    async create(input) {
      const key = `${KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
      const record: ApiKeyRecord = {
        id: randomUUID(),
        name: input.name,
        hash: sha256Hex(key),
        prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
        createdAt: deps.now(),
        revokedAt: null,
        rateLimitPerMin: input.rateLimitPerMin ?? null,
        monthlyBudgetMicros: input.monthlyBudgetMicros ?? null,
      };
      await deps.ledger.createApiKey(record);
      byHash.set(record.hash, active(record));
      return { record, key };
    },
    async list() {
      const spent = spendNow();
      return (await deps.ledger.listApiKeys()).map((k) => ({ ...k, spentThisMonthMicros: spent.get(k.id) ?? 0 }));
    },
    async revoke(id) {
      const existing = (await deps.ledger.listApiKeys()).find((k) => k.id === id);
      if (!existing) return undefined;
      if (existing.revokedAt !== null) return existing;
      const at = deps.now();
      await deps.ledger.revokeApiKey(id, at);
      byHash.delete(existing.hash);
      buckets.delete(id);
      return { ...existing, revokedAt: at };
    },
    observe(r) {
      if (!r.apiKeyId || r.costMicros <= 0) return;
      const byKey = spendNow();
      if (r.ts >= spend.month) byKey.set(r.apiKeyId, (byKey.get(r.apiKeyId) ?? 0) + r.costMicros);
    },
  };
}

const createBody = z
  .object({
    name: z.string().trim().min(1, 'must be a non-empty string naming the app').max(100, 'must be at most 100 characters'),
    rate_limit_per_min: z.number().int().min(1).max(1_000_000).nullish(),
    monthly_budget_usd: z.number().gt(0, 'must be more than 0 (leave it out for no budget)').max(1_000_000).nullish(),
  })
  .strict();

/** The list/create shape: never the hash; the key itself only in the create answer. */
function publicKey(k: ApiKeyRecord & { spentThisMonthMicros?: number }) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
    rate_limit_per_min: k.rateLimitPerMin,
    monthly_budget_micros: k.monthlyBudgetMicros,
    ...(k.spentThisMonthMicros !== undefined ? { spent_this_month_micros: k.spentThisMonthMicros } : {}),
  };
}

/**
 * Routes (master token only: they declare no protocol, so the auth hook refuses app keys):
 * POST /api/v1/keys {name, rate_limit_per_min?, monthly_budget_usd?} → 201 with the key, shown once;
 * GET /api/v1/keys; DELETE /api/v1/keys/:id (revoke).
 */
export function mountKeysApi(app: FastifyInstance, keys: AppKeys): void {
  app.post('/api/v1/keys', async (req, reply) => {
    const b = parseBody(createBody, req.body);
    const { record, key } = await keys.create({
      name: b.name,
      rateLimitPerMin: b.rate_limit_per_min ?? undefined,
      monthlyBudgetMicros: b.monthly_budget_usd == null ? undefined : Math.round(b.monthly_budget_usd * 1_000_000),
    });
    return reply.code(201).send({
      ...publicKey(record),
      key,
      note: 'Store this key now: it is shown only once. Send it as "Authorization: Bearer <key>" (or "x-api-key").',
    });
  });

  app.get('/api/v1/keys', async () => ({ keys: (await keys.list()).map(publicKey) }));

  app.delete('/api/v1/keys/:id', async (req) => {
    const { id } = req.params as { id: string };
    const revoked = await keys.revoke(id);
    if (!revoked) throw new CoreError('not_found', `No API key with id "${id}". GET /api/v1/keys lists them.`);
    return publicKey(revoked);
  });
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { createBody as keyCreateBody };
