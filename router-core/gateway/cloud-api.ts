// Cloud settings: GET/PUT /api/v1/cloud (providers, first choice, fallback order, can the cloud answer) and each provider's key.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CloudProviderDto, CloudSettingsDto, CloudSetupSaved, CloudStatusDto, CompatModelsDto } from '../contracts/api.js';
import { cloudEngineOf, type Availability, type CloudProvider } from '../contracts/decision.js';
import { CoreError } from '../errors.js';
import { cloudKeyNames, type SecretStatus, type SecretStore } from '../host/secrets.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { cloudProviders, providerNames, providerOf } from '../routing/cloud.js';
import { cloudChoices, type CloudStatus, type RoutingConfig } from '../routing/policy.js';
import { checkServiceAccountFile } from '../host/service-account.js';
import type { CloudSetup } from '../server/cloud-setup.js';
import { compatSetup, compatUrlProblem, coreSettings, vertexSetup } from '../settings-schema.js';
import { parseBody } from './protocols/validate.js';
import {
  checkKeyBeforeSaving,
  KEY_TEST_TIMEOUT_MS,
  joinWarnings,
  refuseEnvKeyDelete,
  validateClaudeKey,
  type ClaudeAuthError,
  type KeyTest,
} from './secrets-api.js';

/** What the routes need from the core. */
export interface CloudApiDeps {
  secrets: SecretStore;
  settings: Pick<SettingsView, 'getSetting' | 'setSetting'>;
  routing(): RoutingConfig;
  availability(): Promise<Availability>;
  /** Whether the cloud route can answer now (the policy's own verdict). */
  cloudStatus(): Promise<CloudStatus>;
  /** Whether a provider is set up (key known, Vertex AI or a compatible cloud's URL configured). */
  configured(p: CloudProvider): boolean;
  /** A one-token call with `key` (never throws; absent = saved untested). */
  testKey?(p: CloudProvider, key: string, signal: AbortSignal): Promise<KeyTest>;
  /** The last refusal of a provider's key on a real request. */
  lastAuthError?(p: CloudProvider): ClaudeAuthError | undefined;
  /** The compatible cloud and Vertex AI: in force (environment, else Settings), rebuilt and tested on a change. */
  setup?: CloudSetup;
}

/** Longest key accepted for any provider: far past every real key; anything longer is a paste of something else. */
const MAX_KEY_LENGTH = 512;
/** Shortest: a truncated paste or a last 4 copied back from the UI is refused (OpenAI's and Gemini's keys are 39+). */
const MIN_KEY_LENGTH = 20;
/** A self-hosted OpenAI-compatible proxy's key is whatever its owner set (LiteLLM's examples use sk-1234). */
const MIN_COMPAT_KEY_LENGTH = 1;
/** Keys of every provider are printable ASCII without spaces or quotes. */
const KEY_CHARS = /^[A-Za-z0-9_\-.:+/=]+$/;

/** Check a pasted key's shape for `p`; the message names the problem and never echoes the value (at most its length). */
export function validateProviderKey(p: CloudProvider, raw: unknown): string {
  if (p === 'anthropic') return validateClaudeKey(raw);
  const name = providerNames[p];
  if (typeof raw !== 'string')
    throw new CoreError('invalid_request', `Invalid "key": send {"key": "..."}, a string with your ${name} API key.`);
  const key = raw.trim();
  if (p === 'openai' && !key.startsWith('sk-'))
    throw new CoreError(
      'invalid_request',
      'Invalid "key": an OpenAI API key starts with "sk-" (create one at platform.openai.com → API keys).',
    );
  const min = p === 'compat' ? MIN_COMPAT_KEY_LENGTH : MIN_KEY_LENGTH;
  if (key.length < min || key.length > MAX_KEY_LENGTH)
    throw new CoreError(
      'invalid_request',
      `Invalid "key": ${key.length} characters; ${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name} API key has ${min} to ${MAX_KEY_LENGTH} (check that it was copied whole).`,
    );
  if (!KEY_CHARS.test(key)) throw new CoreError('invalid_request', 'Invalid "key": no spaces, quotes or other punctuation inside a key.');
  return key;
}

/**
 * Keys given in the environment are checked by the same rule as a pasted key ({@link validateProviderKey}); a malformed
 * one is still used (the cloud has the last word) but each yields a warning naming the variable and the problem.
 */
export function envKeyWarnings(keys: Partial<Record<CloudProvider, { env: string; value: string | undefined }>>): string[] {
  const out: string[] = [];
  for (const p of cloudProviders) {
    const k = keys[p];
    if (k?.value === undefined || k.value === '') continue;
    try {
      validateProviderKey(p, k.value);
    } catch (e) {
      out.push(`${k.env} looks malformed: ${(e as Error).message.replace(/^Invalid "key": /, '')}`);
    }
  }
  return out;
}

function parseProvider(raw: unknown): CloudProvider {
  if (typeof raw === 'string' && (cloudProviders as readonly string[]).includes(raw)) return raw as CloudProvider;
  throw new CoreError('not_found', `Unknown cloud provider "${String(raw).slice(0, 40)}". Valid: ${cloudProviders.join(', ')}.`, {
    details: { param: 'provider', value: String(raw).slice(0, 40), valid: [...cloudProviders] },
  });
}

function parseStore(q: unknown): 'keychain' | 'file' | undefined {
  const store = (q as { store?: unknown } | undefined)?.store;
  if (store === undefined || store === '') return undefined;
  if (store === 'keychain' || store === 'file') return store;
  throw new CoreError('invalid_request', `Invalid "store": ${JSON.stringify(store).slice(0, 40)}. Valid: keychain, file.`);
}

/** PUT /api/v1/cloud's body (also in the OpenAPI document). */
export const cloudPutBody = z
  .object({
    first_choice: coreSettings.cloudProvider.schema.optional(),
    fallback_order: coreSettings.cloudFallbackOrder.schema.optional(),
  })
  .strict();

const noStore = (reply: FastifyReply): void => void reply.header('cache-control', 'no-store');

/** The status DTO of the policy's verdict. */
export function cloudStatusDto(s: CloudStatus): CloudStatusDto {
  return { available: s.available, kind: s.kind, reason: s.reason, provider: providerOf(s.engine) ?? null, model: s.model };
}

/** Mount the routes (behind the token like every /api route). */
export function mountCloudApi(app: FastifyInstance, deps: CloudApiDeps): void {
  const view = async (): Promise<CloudSettingsDto> => {
    const [availability, status] = await Promise.all([deps.availability(), deps.cloudStatus()]);
    const choices = cloudChoices(deps.routing());
    const providers: CloudProviderDto[] = [];
    const compat = deps.setup?.compat();
    const vertex = deps.setup?.vertex();
    for (const p of cloudProviders) {
      const engine = cloudEngineOf[p];
      const a = availability.engines[engine];
      const key = (await deps.secrets.status(cloudKeyNames[p])) as SecretStatus & { last_error?: ClaudeAuthError };
      const lastError = key.configured ? deps.lastAuthError?.(p) : undefined;
      providers.push({
        provider: p,
        name: providerNames[p],
        engine,
        configured: deps.configured(p),
        available: a?.ok === true,
        reason: a?.ok ? null : (a?.reason ?? 'not configured'),
        model: choices.find((c) => c.engine === engine)?.model ?? '',
        key: { ...key, ...(lastError ? { last_error: lastError } : {}) },
        ...(p === 'gemini' && vertex ? { vertex: vertex.dto } : {}),
        ...(p === 'compat' && compat ? { url: compat.url, compat: compat.dto } : {}),
      });
    }
    const order = choices.map((c) => providerOf(c.engine)!);
    return {
      providers,
      first_choice: order[0]!,
      saved_first_choice: deps.settings.getSetting<CloudProvider | null>(coreSettings.cloudProvider.key) ?? null,
      fallback_order: order.slice(1),
      status: cloudStatusDto(status),
    };
  };

  app.get('/api/v1/cloud', async (_req, reply) => {
    noStore(reply);
    return view();
  });

  app.put('/api/v1/cloud', async (req, reply) => {
    const b = parseBody(cloudPutBody, req.body);
    if (b.first_choice !== undefined) await deps.settings.setSetting(coreSettings.cloudProvider.key, b.first_choice);
    if (b.fallback_order !== undefined) await deps.settings.setSetting(coreSettings.cloudFallbackOrder.key, b.fallback_order);
    noStore(reply);
    return view();
  });

  app.get('/api/v1/cloud/keys/:provider', async (req, reply) => {
    const p = parseProvider((req.params as { provider?: unknown }).provider);
    noStore(reply);
    const status = await deps.secrets.status(cloudKeyNames[p]);
    const lastError = status.configured ? deps.lastAuthError?.(p) : undefined;
    return { ...status, ...(lastError ? { last_error: lastError } : {}) };
  });

  app.put('/api/v1/cloud/keys/:provider', async (req, reply) => {
    const p = parseProvider((req.params as { provider?: unknown }).provider);
    const store = parseStore(req.query);
    const body = req.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
      throw new CoreError('invalid_request', 'The request body must be a JSON object: {"key": "..."}.');
    const extra = Object.keys(body).filter((k) => k !== 'key');
    if (extra.length > 0) throw new CoreError('invalid_request', `Unknown field "${extra[0]!.slice(0, 40)}": the body holds only "key".`);
    const key = validateProviderKey(p, (body as { key?: unknown }).key);
    // Tried first: a key the provider refuses is never written; one that cannot be tried now is saved with a warning.
    const testKey = deps.testKey;
    const checked = await checkKeyBeforeSaving(providerNames[p], key, testKey && ((k, signal) => testKey(p, k, signal)));
    const status = await deps.secrets.set(cloudKeyNames[p], key, store ? { store } : {});
    noStore(reply);
    return { ...status, ...joinWarnings(status.warning, checked.warning), ...(checked.test ? { test: checked.test } : {}) };
  });

  app.delete('/api/v1/cloud/keys/:provider', async (req, reply) => {
    const p = parseProvider((req.params as { provider?: unknown }).provider);
    refuseEnvKeyDelete(deps.secrets, cloudKeyNames[p], providerNames[p]);
    noStore(reply);
    return deps.secrets.delete(cloudKeyNames[p]);
  });

  mountSetupRoutes(app, deps, view);
}

/** POST /api/v1/cloud/compat/models's body: the URL to ask (else the one in force) and a key (else the saved one). */
export const compatModelsBody = z
  .object({
    url: z.string().max(2048, 'must be at most 2048 characters').optional(),
    allow_http: z.boolean().optional(),
    key: z.string().max(MAX_KEY_LENGTH, `must be at most ${MAX_KEY_LENGTH} characters`).optional(),
  })
  .strict();

/** The compatible cloud's and Vertex AI's setup: saved through the settings schema, the engine rebuilt, one token tested. */
function mountSetupRoutes(app: FastifyInstance, deps: CloudApiDeps, view: () => Promise<CloudSettingsDto>): void {
  const setup = deps.setup;
  if (!setup) return;
  const envRefusal = (what: string, vars: string): CoreError =>
    new CoreError(
      'conflict',
      `${what} is set in the environment (${vars}), which wins over Settings: change or unset it there, then restart.`,
      {
        details: { param: 'environment' },
      },
    );
  const saved = async (p: 'compat' | 'gemini', test: boolean): Promise<CloudSetupSaved> => {
    await setup.apply(p);
    const result = test ? await setup.test(p, AbortSignal.timeout(KEY_TEST_TIMEOUT_MS)) : undefined;
    return { ...(await view()), ...(result ? { test: result } : {}) };
  };

  app.put('/api/v1/cloud/compat', async (req, reply) => {
    const env = setup.compat()?.dto.env_fields ?? [];
    if (env.length > 0)
      throw envRefusal('The OpenAI-compatible cloud', env.map((f) => `HYBRID_AI_CLOUD_COMPAT_${f.toUpperCase()}`).join(', '));
    const b = parseBody(compatSetup, req.body);
    await deps.settings.setSetting(coreSettings.cloudCompat.key, {
      ...b,
      url: b.url.replace(/\/+$/, ''),
      prices: b.prices ?? null,
    });
    noStore(reply);
    return saved('compat', true);
  });

  // Removing what the environment set up: only unsetting every variable that sets it (and a restart) removes it.
  const envRemoval = (what: string, vars: string[]): CoreError =>
    new CoreError(
      'conflict',
      `${what} is set up by the environment (${vars.join(', ')}), which Settings cannot remove: unset ${vars.length > 1 ? 'these variables' : 'it'} where the server is started (its service file, container or shell), then restart the server.`,
      { details: { param: 'environment' } },
    );

  app.delete('/api/v1/cloud/compat', async (_req, reply) => {
    const compat = setup.compat();
    if (compat?.dto.source === 'env') throw envRemoval('The OpenAI-compatible cloud', compat.env);
    await deps.settings.setSetting(coreSettings.cloudCompat.key, null);
    noStore(reply);
    return saved('compat', false);
  });

  app.post('/api/v1/cloud/compat/models', async (req, reply): Promise<CompatModelsDto> => {
    const b = parseBody(compatModelsBody, req.body ?? {});
    const url = b.url?.trim() || setup.compat()?.url;
    if (!url)
      throw new CoreError('invalid_request', 'Invalid "url": give the provider\'s base URL, e.g. "https://openrouter.ai/api/v1".', {
        details: { param: 'url' },
      });
    const problem = compatUrlProblem(url, b.allow_http === true);
    if (problem) throw new CoreError('invalid_request', `Invalid "url": ${problem}.`, { details: { param: 'url' } });
    const key = b.key?.trim() || (await deps.secrets.get(cloudKeyNames.compat));
    noStore(reply);
    return setup.listModels(url.replace(/\/+$/, ''), key, AbortSignal.timeout(KEY_TEST_TIMEOUT_MS));
  });

  app.put('/api/v1/cloud/vertex', async (req, reply) => {
    const inForce = setup.vertex();
    if (inForce?.dto.source === 'env') throw envRefusal('Vertex AI', inForce.env.join(', '));
    const b = parseBody(vertexSetup, req.body);
    const file = b.credentials_file === null ? null : checkServiceAccountFile(b.credentials_file);
    await deps.settings.setSetting(coreSettings.cloudVertex.key, { ...b, credentials_file: file });
    noStore(reply);
    return saved('gemini', true);
  });

  app.delete('/api/v1/cloud/vertex', async (_req, reply) => {
    const inForce = setup.vertex();
    if (inForce?.dto.source === 'env') throw envRemoval('Vertex AI', inForce.env);
    await deps.settings.setSetting(coreSettings.cloudVertex.key, null);
    noStore(reply);
    return saved('gemini', false);
  });
}
