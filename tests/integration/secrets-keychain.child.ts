// Child process of secrets.test.ts: runs one keychain scenario (in the D-Bus session the parent set up, or with none) and prints what it saw.
//
// Usage: node --import tsx secrets-keychain.child.ts <keychain|locked|no-dbus>, with HAI_TEST_KEY and HAI_TEST_KEY2 set.
// Prints one line `OBS <json>` of observations (booleans and statuses, never a key) for the parent to assert on.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLAUDE_KEY, createSecretStore, KEYCHAIN_SERVICE, type SecretStore } from '../../router-core/host/secrets.js';
import { isCoreError } from '../../router-core/errors.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const KEY = process.env.HAI_TEST_KEY ?? '';
const KEY2 = process.env.HAI_TEST_KEY2 ?? '';
if (!KEY.startsWith('sk-ant-') || !KEY2.startsWith('sk-ant-')) throw new Error('HAI_TEST_KEY and HAI_TEST_KEY2 must be set');

const obs: Record<string, unknown> = {};
/** Every HTTP body the child saw, to check none carries a key. */
const seen: string[] = [];

/** What the Secret Service holds for our item, checked with a second client (libsecret's secret-tool). */
function secretToolLookup(): string {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', CLAUDE_KEY], {
      encoding: 'utf8',
      timeout: 10_000,
    });
  } catch {
    return ''; // exit 1 = no such item
  }
}

/** Lock the login collection through the Secret Service's own D-Bus method (what a screen lock does). */
function lockKeychain(): void {
  execFileSync(
    'gdbus',
    [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.secrets',
      '--object-path',
      '/org/freedesktop/secrets',
      '--method',
      'org.freedesktop.Secret.Service.Lock',
      '["/org/freedesktop/secrets/collection/login"]',
    ],
    { timeout: 10_000 },
  );
}

/** Unlock it again the way a login does: the daemon is handed the password on stdin. */
function unlockKeychain(): void {
  execFileSync('gnome-keyring-daemon', ['--replace', '--unlock', '--components=secrets'], {
    input: 'ci-pw',
    timeout: 10_000,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}

async function caught(p: Promise<unknown>): Promise<{ type?: string; message: string } | 'no error'> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return { type: isCoreError(e) ? e.type : undefined, message: e instanceof Error ? e.message : String(e) };
  }
}

async function http(srv: TestServer, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...srv.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text);
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: json };
}

const newDir = () => mkdtempSync(path.join(os.tmpdir(), 'hai-secrets-'));
const mode = (file: string) => statSync(file).mode & 0o777;

async function keychainScenario(): Promise<void> {
  const dataDir = newDir();
  const store = createSecretStore({ dataDir, keychain: 'auto' });
  obs.initial = await store.status();
  obs.set = await store.set(CLAUDE_KEY, KEY);
  obs.secretToolHasKey = secretToolLookup() === KEY;
  obs.fileAfterKeychainSet = existsSync(store.filePath(CLAUDE_KEY));
  obs.getMatches = (await store.get(CLAUDE_KEY)) === KEY;
  obs.peekMatches = store.peek(CLAUDE_KEY) === KEY;
  // A new process (restart) finds the key in the keychain.
  const restarted = createSecretStore({ dataDir: newDir(), keychain: 'auto' });
  obs.restartGetMatches = (await restarted.get(CLAUDE_KEY)) === KEY;
  // The environment wins over the keychain, and says so.
  const withEnv = createSecretStore({ dataDir, env: { [CLAUDE_KEY]: KEY2 }, keychain: 'auto' });
  obs.envStatus = await withEnv.status();
  obs.envGetIsEnv = (await withEnv.get(CLAUDE_KEY)) === KEY2;
  obs.deleted = await store.delete(CLAUDE_KEY);
  obs.secretToolEmptyAfterDelete = secretToolLookup() === '';
  // Saving to the file, then to the keychain, leaves only the keychain copy.
  obs.fileSet = await store.set(CLAUDE_KEY, KEY2, { store: 'file' });
  obs.fileMode = mode(store.filePath(CLAUDE_KEY)).toString(8);
  obs.secretToolEmptyAfterFileSet = secretToolLookup() === '';
  obs.keychainSetAfterFile = await store.set(CLAUDE_KEY, KEY);
  obs.fileAfterSecondKeychainSet = existsSync(store.filePath(CLAUDE_KEY));
  await store.delete(CLAUDE_KEY);
  rmSync(dataDir, { recursive: true, force: true });

  // The HTTP API with the real keychain behind it, and a request routed to the Claude stand-in.
  const standIn = await startAnthropicStandIn({ apiKey: KEY, deltaDelayMs: 1 });
  let srv = await startTestServer({ env: { HYBRID_AI_KEYCHAIN: 'on', ANTHROPIC_BASE_URL: standIn.url } });
  try {
    const h: Record<string, unknown> = {};
    obs.http = h;
    h.get0 = await http(srv, 'GET', '/api/v1/settings/claude-key');
    h.put = await http(srv, 'PUT', '/api/v1/settings/claude-key', { key: KEY });
    h.secretToolHasKey = secretToolLookup() === KEY;
    h.get1 = await http(srv, 'GET', '/api/v1/settings/claude-key');
    h.chat = await chatToClaude(srv, standIn);
    // A restart: the new core finds the key in the keychain by itself.
    await srv.close();
    srv = await startTestServer({ env: { HYBRID_AI_KEYCHAIN: 'on', ANTHROPIC_BASE_URL: standIn.url } });
    h.getAfterRestart = await http(srv, 'GET', '/api/v1/settings/claude-key');
    h.chatAfterRestart = await chatToClaude(srv, standIn);
    h.delete = await http(srv, 'DELETE', '/api/v1/settings/claude-key');
    h.secretToolEmptyAfterDelete = secretToolLookup() === '';
    h.chatAfterDelete = await http(srv, 'POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    h.anthropicAfterDelete = ((await http(srv, 'GET', '/api/v1/models')).body as any).engines?.anthropic;
    h.logsContainKey = srv.logs.join('').includes(KEY);
  } finally {
    await srv.close();
    await standIn.close();
  }
}

/** One request that must go to Claude; reports the status, the engine, and whether the stand-in got our key. */
async function chatToClaude(srv: TestServer, standIn: AnthropicStandIn): Promise<Record<string, unknown>> {
  const before = standIn.requests.length;
  const r = await http(srv, 'POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
  const req = standIn.requests[before];
  const auth = `${String(req?.headers.authorization ?? '')} ${String(req?.headers['x-api-key'] ?? '')}`;
  return { status: r.status, engine: r.body?.routing?.engine, standInGotKey: auth.includes(KEY), error: r.body?.error };
}

async function lockedScenario(): Promise<void> {
  const dataDir = newDir();
  const store = createSecretStore({ dataDir, keychain: 'auto' });
  await store.set(CLAUDE_KEY, KEY);
  lockKeychain();
  obs.lockedStatus = await store.status();
  obs.lockedSet = await caught(store.set(CLAUDE_KEY, KEY2));
  obs.lockedFileSet = await store.set(CLAUDE_KEY, KEY2, { store: 'file' });
  obs.lockedFileMode = mode(store.filePath(CLAUDE_KEY)).toString(8);
  obs.lockedGetIsFileKey = (await store.get(CLAUDE_KEY)) === KEY2;
  unlockKeychain();
  // Nothing lost: the key saved before the lock is still in the keychain.
  obs.unlockedSecretToolHasOldKey = secretToolLookup() === KEY;
  obs.unlockedStatus = await store.status();
  obs.unlockedDelete = await store.delete(CLAUDE_KEY);
  obs.unlockedSecretToolEmptyAfterDelete = secretToolLookup() === '';
  rmSync(dataDir, { recursive: true, force: true });
}

async function noDbusScenario(): Promise<void> {
  const dataDir = newDir();
  const store = createSecretStore({ dataDir, keychain: 'auto' });
  obs.status = await store.status();
  obs.set = await caught(store.set(CLAUDE_KEY, KEY));
  obs.fileExistsAfterFailedSet = existsSync(store.filePath(CLAUDE_KEY));
  obs.fileSet = await store.set(CLAUDE_KEY, KEY, { store: 'file' });
  obs.fileMode = mode(store.filePath(CLAUDE_KEY)).toString(8);
  obs.getMatches = (await store.get(CLAUDE_KEY)) === KEY;
  // Widened permissions are fixed on the next read, with a warning.
  chmodSync(store.filePath(CLAUDE_KEY), 0o644);
  const warnings: string[] = [];
  const reread: SecretStore = createSecretStore({ dataDir, keychain: 'auto', onWarning: (m) => warnings.push(m) });
  obs.widenedStatus = await reread.status();
  obs.widenedModeAfter = mode(store.filePath(CLAUDE_KEY)).toString(8);
  obs.widenedWarnings = warnings;
  rmSync(dataDir, { recursive: true, force: true });

  const standIn = await startAnthropicStandIn({ apiKey: KEY, deltaDelayMs: 1 });
  const srv = await startTestServer({ env: { HYBRID_AI_KEYCHAIN: 'on', ANTHROPIC_BASE_URL: standIn.url } });
  try {
    const h: Record<string, unknown> = {};
    obs.http = h;
    h.get0 = await http(srv, 'GET', '/api/v1/settings/claude-key');
    h.put = await http(srv, 'PUT', '/api/v1/settings/claude-key', { key: KEY });
    h.putFile = await http(srv, 'PUT', '/api/v1/settings/claude-key?store=file', { key: KEY });
    h.fileMode = mode(path.join(srv.dataDir, `${CLAUDE_KEY}.secret`)).toString(8);
    h.chat = await chatToClaude(srv, standIn);
    h.delete = await http(srv, 'DELETE', '/api/v1/settings/claude-key');
    h.fileAfterDelete = existsSync(path.join(srv.dataDir, `${CLAUDE_KEY}.secret`));
    h.logsContainKey = srv.logs.join('').includes(KEY);
  } finally {
    await srv.close();
    await standIn.close();
  }
}

const scenarios: Record<string, () => Promise<void>> = { keychain: keychainScenario, locked: lockedScenario, 'no-dbus': noDbusScenario };
const run = scenarios[process.argv[2] ?? ''];
if (!run) throw new Error(`Unknown scenario "${process.argv[2]}". Valid: ${Object.keys(scenarios).join(', ')}.`);
await run();
obs.responsesContainKey = seen.some((t) => t.includes(KEY) || t.includes(KEY2));
process.stdout.write(`OBS ${JSON.stringify(obs)}\n`);
