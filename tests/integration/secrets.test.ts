// The Claude key store against a real Secret Service (gnome-keyring in a private D-Bus session), the 0600 file, env, and the HTTP API.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_KEY, createSecretStore } from '../../router-core/host/secrets.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const KEY = 'sk-ant-api03-SECRETS-TEST-never-log-me-aaaaaaaaaaaaaaaa-K3y1';
const KEY2 = 'sk-ant-api03-SECRETS-TEST-second-key-bbbbbbbbbbbbbbbbbbbb-K3y2';
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'secrets-keychain.child.ts');
/** A child starts tsx, a D-Bus session, gnome-keyring and up to two cores: seconds each, more on a loaded 2-core box. */
const CHILD_TIMEOUT_MS = 90_000;

/** Tools the real Secret Service tests need, and the Debian package of each. */
const TOOLS: Record<string, string> = {
  'dbus-run-session': 'dbus-x11 (dbus-daemon)',
  'gnome-keyring-daemon': 'gnome-keyring',
  'secret-tool': 'libsecret-tools',
  gdbus: 'libglib2.0-bin',
};

function missingTools(): string[] {
  return Object.keys(TOOLS).filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}

function requireTools(): void {
  const missing = missingTools();
  if (missing.length > 0) {
    throw new Error(
      `The real Secret Service tests need ${missing.join(', ')} (packages: ${missing.map((t) => TOOLS[t]).join(', ')}). ` +
        'Install them: sudo apt-get install -y gnome-keyring dbus-x11 libsecret-tools libglib2.0-bin',
    );
  }
}

interface ChildResult {
  obs: any;
  output: string;
}

/**
 * Run one scenario of secrets-keychain.child.ts. `dbus`: inside a private D-Bus session with an unlocked
 * gnome-keyring (the ENVIRONMENT.md recipe); otherwise with no session bus at all. Either way the child gets its own
 * XDG dirs and no display, so it can neither touch nor prompt for a developer's real keyring.
 */
async function runChild(scenario: string, dbus: boolean): Promise<ChildResult> {
  const sandbox = mkdtempSync(path.join(os.tmpdir(), 'hai-keyring-'));
  const runtime = path.join(sandbox, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_DATA_HOME: path.join(sandbox, 'data'),
    XDG_RUNTIME_DIR: runtime,
    HAI_TEST_KEY: KEY,
    HAI_TEST_KEY2: KEY2,
  };
  for (const v of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'GNOME_KEYRING_CONTROL']) delete env[v];
  const node = [process.execPath, '--import', 'tsx', CHILD, scenario];
  const [cmd, ...args] = dbus
    ? [
        'dbus-run-session',
        '--',
        'bash',
        '-c',
        'echo -n ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"',
        '_',
        ...node,
      ]
    : node;
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, output });
      });
    });
    const line = output.split('\n').find((l) => l.startsWith('OBS '));
    if (code !== 0 || !line) throw new Error(`keychain child "${scenario}" failed (exit ${code}):\n${output.slice(-4000)}`);
    return { obs: JSON.parse(line.slice(4)), output };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

const last4 = (k: string) => k.slice(-4);

/** Each scenario runs once (the 'keychain' one feeds two tests); all three start together, each in its own D-Bus session. */
const runs = new Map<string, Promise<ChildResult>>();
const child = (scenario: string, dbus: boolean): Promise<ChildResult> => {
  let p = runs.get(scenario);
  if (!p) {
    p = runChild(scenario, dbus);
    p.catch(() => undefined); // awaited (and reported) by its test
    runs.set(scenario, p);
  }
  return p;
};
const keychainChild = () => child('keychain', true);

describe.runIf(process.platform === 'linux')('OS keychain: a real Secret Service (gnome-keyring under dbus-run-session)', () => {
  beforeAll(() => {
    if (missingTools().length === 0) {
      void keychainChild();
      void child('locked', true);
    }
    void child('no-dbus', false);
  });

  it('has the D-Bus and gnome-keyring tools installed (fails, never skips, when they are missing)', () => {
    expect(missingTools(), 'install: apt-get install -y gnome-keyring dbus-x11 libsecret-tools libglib2.0-bin').toEqual([]);
  });

  it(
    'saves, reads, survives a restart, yields to the env, and deletes; only one copy is kept',
    async () => {
      requireTools();
      const { obs, output } = await keychainChild();
      expect(obs.initial).toEqual({ configured: false, store: 'keychain' });
      expect(obs.set).toEqual({ configured: true, last4: last4(KEY), store: 'keychain' });
      // A second client (libsecret's secret-tool) sees the item: it really is in the Secret Service.
      expect(obs.secretToolHasKey).toBe(true);
      expect(obs.fileAfterKeychainSet).toBe(false);
      expect(obs.getMatches).toBe(true);
      expect(obs.peekMatches).toBe(true);
      expect(obs.restartGetMatches).toBe(true);
      expect(obs.envStatus).toMatchObject({ configured: true, last4: last4(KEY2), store: 'env' });
      expect(obs.envStatus.warning).toMatch(/ANTHROPIC_API_KEY .*takes precedence/);
      expect(obs.envGetIsEnv).toBe(true);
      expect(obs.deleted).toEqual({ configured: false, store: 'keychain' });
      expect(obs.secretToolEmptyAfterDelete).toBe(true);
      // Saved to the file: 0600, and no stale keychain copy left to shadow it; saved to the keychain again: file removed.
      expect(obs.fileSet).toEqual({ configured: true, last4: last4(KEY2), store: 'file' });
      expect(obs.fileMode).toBe('600');
      expect(obs.secretToolEmptyAfterFileSet).toBe(true);
      expect(obs.keychainSetAfterFile).toEqual({ configured: true, last4: last4(KEY), store: 'keychain' });
      expect(obs.fileAfterSecondKeychainSet).toBe(false);
      expect(output).not.toContain(KEY);
      expect(output).not.toContain(KEY2);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    'HTTP: PUT saves in the keychain, GET shows only last4, Claude gets the key at once and after a restart, DELETE disables the cloud',
    async () => {
      requireTools();
      const { obs, output } = await keychainChild();
      const h = obs.http;
      expect(h.get0).toEqual({ status: 200, body: { configured: false, store: 'keychain' } });
      // Saved, and tried with a one-token call that the Claude stand-in answered.
      expect(h.put).toEqual({ status: 200, body: { configured: true, last4: last4(KEY), store: 'keychain', test: { ok: true } } });
      expect(h.secretToolHasKey).toBe(true);
      expect(h.get1).toEqual({ status: 200, body: { configured: true, last4: last4(KEY), store: 'keychain' } });
      expect(h.chat).toEqual({ status: 200, engine: 'anthropic', standInGotKey: true });
      expect(h.getAfterRestart.body).toEqual({ configured: true, last4: last4(KEY), store: 'keychain' });
      expect(h.chatAfterRestart).toEqual({ status: 200, engine: 'anthropic', standInGotKey: true });
      expect(h.delete).toEqual({ status: 200, body: { configured: false, store: 'keychain' } });
      expect(h.secretToolEmptyAfterDelete).toBe(true);
      expect(h.chatAfterDelete.status).toBe(503);
      expect(h.chatAfterDelete.body.error).toMatchObject({ type: 'no_model_available' });
      expect(h.chatAfterDelete.body.error.message).toMatch(/no Claude API key/);
      expect(h.anthropicAfterDelete).toMatchObject({ ok: false, reason: 'no Claude API key configured' });
      expect(h.logsContainKey).toBe(false);
      expect(obs.responsesContainKey).toBe(false);
      expect(output).not.toContain(KEY);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    'a locked keychain: a clear message, the file fallback works, and the key saved before the lock is not lost',
    async () => {
      requireTools();
      const { obs, output } = await child('locked', true);
      expect(obs.lockedStatus).toMatchObject({ configured: false, store: 'file' });
      expect(obs.lockedStatus.warning).toMatch(/keychain is locked/);
      expect(obs.lockedStatus.warning).toMatch(/\?store=file/);
      expect(obs.lockedSet.type).toBe('upstream_unavailable');
      expect(obs.lockedSet.message).toMatch(/keychain is locked.*Nothing was changed.*\?store=file/);
      expect(obs.lockedFileSet).toMatchObject({ configured: true, last4: last4(KEY2), store: 'file' });
      expect(obs.lockedFileSet.warning).toMatch(/older key may remain in the locked keychain/);
      expect(obs.lockedFileMode).toBe('600');
      expect(obs.lockedGetIsFileKey).toBe(true);
      expect(obs.unlockedSecretToolHasOldKey).toBe(true);
      expect(obs.unlockedStatus).toMatchObject({ configured: true, last4: last4(KEY), store: 'keychain' });
      expect(obs.unlockedStatus.warning).toMatch(/also saved in .*claude-key\.secret/);
      expect(obs.unlockedDelete).toEqual({ configured: false, store: 'keychain' });
      expect(obs.unlockedSecretToolEmptyAfterDelete).toBe(true);
      expect(output).not.toContain(KEY);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    'no D-Bus session: status and save name the problem and offer the file; ?store=file works over HTTP and Claude uses it',
    async () => {
      const { obs, output } = await child('no-dbus', false);
      expect(obs.status).toMatchObject({ configured: false, store: 'file' });
      expect(obs.status.warning).toMatch(/no D-Bus session bus/);
      expect(obs.status.warning).toMatch(/\?store=file/);
      expect(obs.set.type).toBe('upstream_unavailable');
      expect(obs.set.message).toMatch(/no D-Bus session bus.*Nothing was changed.*\?store=file/);
      expect(obs.fileExistsAfterFailedSet).toBe(false);
      expect(obs.fileSet).toMatchObject({ configured: true, last4: last4(KEY), store: 'file' });
      expect(obs.fileMode).toBe('600');
      expect(obs.getMatches).toBe(true);
      expect(obs.widenedStatus.warning).toMatch(/readable by other users \(mode 644\); it is now 600/);
      expect(obs.widenedModeAfter).toBe('600');
      expect(obs.widenedWarnings).toHaveLength(1);
      const h = obs.http;
      expect(h.get0.body).toMatchObject({ configured: false, store: 'file' });
      expect(h.put.status).toBe(503);
      expect(h.put.body.error.type).toBe('upstream_unavailable');
      expect(h.put.body.error.message).toMatch(/\?store=file/);
      expect(h.putFile).toMatchObject({ status: 200, body: { configured: true, last4: last4(KEY), store: 'file' } });
      expect(h.fileMode).toBe('600');
      expect(h.chat).toEqual({ status: 200, engine: 'anthropic', standInGotKey: true });
      expect(h.delete.body).toMatchObject({ configured: false, store: 'file' });
      expect(h.fileAfterDelete).toBe(false);
      expect(h.logsContainKey).toBe(false);
      expect(obs.responsesContainKey).toBe(false);
      expect(output).not.toContain(KEY);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );
});

describe('file and env backends (keychain off)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hai-secrets-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the key with mode 0600, reads it back, and deletes it', async () => {
    const store = createSecretStore({ dataDir: dir, keychain: 'off' });
    expect(await store.status()).toEqual({ configured: false, store: 'file' });
    expect(await store.set(CLAUDE_KEY, `  ${KEY}\n`)).toEqual({ configured: true, last4: last4(KEY), store: 'file' });
    const file = store.filePath(CLAUDE_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(KEY);
    expect(await store.get(CLAUDE_KEY)).toBe(KEY);
    expect(store.peek(CLAUDE_KEY)).toBe(KEY);
    // A new store (a restart) reads it synchronously, before any await.
    expect(createSecretStore({ dataDir: dir, env: { [CLAUDE_KEY]: undefined }, keychain: 'off' }).peek(CLAUDE_KEY)).toBe(KEY);
    expect(await store.delete(CLAUDE_KEY)).toEqual({ configured: false, store: 'file' });
    expect(existsSync(file)).toBe(false);
    expect(store.peek(CLAUDE_KEY)).toBeUndefined();
  });

  it.runIf(process.platform !== 'win32')('warns when the file is readable by others, and narrows it to 0600', async () => {
    const store = createSecretStore({ dataDir: dir, keychain: 'off' });
    await store.set(CLAUDE_KEY, KEY);
    chmodSync(store.filePath(CLAUDE_KEY), 0o644);
    const warnings: string[] = [];
    const reopened = createSecretStore({ dataDir: dir, keychain: 'off', onWarning: (m) => warnings.push(m) });
    const s = await reopened.status();
    expect(s).toMatchObject({ configured: true, last4: last4(KEY), store: 'file' });
    expect(s.warning).toMatch(/readable by other users \(mode 644\); it is now 600/);
    expect(warnings.join('')).toMatch(/mode 644/);
    expect(statSync(store.filePath(CLAUDE_KEY)).mode & 0o777).toBe(0o600);
    // Fixed once: the next read has nothing to warn about.
    expect((await reopened.status()).warning).toBeUndefined();
    await store.delete(CLAUDE_KEY);
  });

  it('the env wins, is read-only, and says so; short values show no last4', async () => {
    const store = createSecretStore({ dataDir: dir, env: { [CLAUDE_KEY]: 'sk-ant-abc' }, keychain: 'off' });
    expect(store.peek(CLAUDE_KEY)).toBe('sk-ant-abc');
    const s = await store.status();
    expect(s).toMatchObject({ configured: true, store: 'env' });
    expect(s.last4).toBeUndefined();
    expect(s.warning).toMatch(/ANTHROPIC_API_KEY.*cannot be changed or removed from here/);
    const afterSet = await store.set(CLAUDE_KEY, KEY);
    expect(afterSet.store).toBe('env');
    expect(afterSet.warning).toMatch(/takes precedence over the saved key/);
    const afterDelete = await store.delete(CLAUDE_KEY);
    expect(afterDelete).toMatchObject({ configured: true, store: 'env' });
  });

  it('refuses ?store=keychain when the keychain is turned off, naming the file alternative', async () => {
    const store = createSecretStore({ dataDir: dir, keychain: 'off' });
    await expect(store.set(CLAUDE_KEY, KEY, { store: 'keychain' })).rejects.toThrow(/HYBRID_AI_KEYCHAIN=off.*\?store=file/);
    expect(existsSync(store.filePath(CLAUDE_KEY))).toBe(false);
  });
});

describe('HTTP: /api/v1/settings/claude-key (file store) and the Claude engine', () => {
  let srv: TestServer;
  let standIn: AnthropicStandIn;
  const seen: string[] = [];
  const url = '/api/v1/settings/claude-key';

  beforeAll(async () => {
    standIn = await startAnthropicStandIn({ apiKey: KEY, deltaDelayMs: 1 });
    srv = await startTestServer({ env: { ANTHROPIC_BASE_URL: standIn.url } });
  });
  afterAll(async () => {
    await srv.close();
    await standIn.close();
  });

  async function call(method: string, p: string, body?: unknown, raw?: string): Promise<{ status: number; json: any; text: string }> {
    const res = await fetch(`${srv.url}${p}`, {
      method,
      headers: { ...srv.auth, ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    seen.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  it('needs the API token', async () => {
    const res = await fetch(`${srv.url}${url}`);
    expect(res.status).toBe(401);
  });

  it('GET before any key: not configured', async () => {
    const r = await call('GET', url);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ configured: false, store: 'file' });
  });

  it.each([
    ['a number', { key: 12345 }, /send \{"key": "sk-ant-\.\.\."\}/],
    ['no key', {}, /send \{"key": "sk-ant-\.\.\."\}/],
    ['the wrong prefix', { key: 'sk-proj-abcdefghijklmnopqrstuvwxyz' }, /starts with "sk-ant-"/],
    ['too short', { key: 'sk-ant-api03-abc' }, /16 characters; a Claude API key has 20 to 512/],
    ['too long', { key: `sk-ant-${'a'.repeat(600)}` }, /607 characters/],
    ['a space inside', { key: 'sk-ant-api03-abc def-ghijklmnopqrstu' }, /only letters, digits/],
    ['an extra field', { key: KEY, store: 'file' }, /Unknown field "store": the body holds only "key"/],
  ])('PUT with %s → 400 naming what is valid, without echoing the value', async (_name, body, message) => {
    const r = await call('PUT', url, body);
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request');
    expect(r.json.error.message).toMatch(message);
    expect(r.text).not.toContain('abcdefghijklmnop');
    expect(r.text).not.toContain(KEY);
  });

  it('PUT with a bad ?store or a non-JSON body → 400; the key is never echoed', async () => {
    const bad = await call('PUT', `${url}?store=vault`, { key: KEY });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/Invalid "store".*Valid: keychain, file/);
    const raw = await call('PUT', url, undefined, `{"key": ${KEY}}`);
    expect(raw.status).toBe(400);
    expect(raw.json.error.message).toMatch(/not valid JSON/);
    const arr = await call('PUT', url, [KEY]);
    expect(arr.status).toBe(400);
    expect(arr.json.error.message).toMatch(/must be a JSON object/);
    for (const r of [bad, raw, arr]) expect(r.text).not.toContain(KEY);
    expect((await call('GET', url)).json.configured).toBe(false);
  });

  it('PUT saves (0600 file), GET shows only last4, and Claude gets the key on the very next request', async () => {
    const before = await call('POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    expect(before.status).toBe(503);
    expect(before.json.error.message).toMatch(/no Claude API key/);

    const put = await call('PUT', url, { key: KEY });
    expect(put.status).toBe(200);
    // Saved, and tried with a one-token call that the Claude stand-in answered with this key.
    expect(put.json).toEqual({ configured: true, last4: last4(KEY), store: 'file', test: { ok: true } });
    expect(standIn.requests.at(-1)!.body).toMatchObject({ max_tokens: 1 });
    const file = path.join(srv.dataDir, `${CLAUDE_KEY}.secret`);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const get = await call('GET', url);
    expect(get.json).toEqual({ configured: true, last4: last4(KEY), store: 'file' });

    const sent = standIn.requests.length;
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    expect(chat.status).toBe(200);
    expect(chat.json.routing.engine).toBe('anthropic');
    const req = standIn.requests[sent]!;
    expect(`${String(req.headers.authorization)} ${String(req.headers['x-api-key'])}`).toContain(KEY);
  });

  it('DELETE removes it: the cloud is disabled at once', async () => {
    const del = await call('DELETE', url);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ configured: false, store: 'file' });
    expect(existsSync(path.join(srv.dataDir, `${CLAUDE_KEY}.secret`))).toBe(false);
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    expect(chat.status).toBe(503);
    expect(chat.json.error.type).toBe('no_model_available');
    const models = await call('GET', '/api/v1/models');
    expect(models.json.engines.anthropic).toMatchObject({ ok: false, reason: 'no Claude API key configured' });
  });

  it('a key Claude refuses when saved is a 400 and is not written', async () => {
    const wrong = 'sk-ant-api03-revoked-key-0000';
    const put = await call('PUT', url, { key: wrong });
    expect(put.status).toBe(400);
    expect(put.json.error).toMatchObject({ type: 'invalid_request', message: expect.stringMatching(/Claude rejected it as unauthorized/) });
    expect(put.text).not.toContain(wrong);
    expect(existsSync(path.join(srv.dataDir, `${CLAUDE_KEY}.secret`))).toBe(false);
    expect((await call('GET', url)).json).toEqual({ configured: false, store: 'file' });
  });

  it('a key Claude refuses later, on a real request, shows as last_error in GET until the key is saved again', async () => {
    const put = await call('PUT', url, { key: KEY });
    expect(put.json.test).toEqual({ ok: true });
    // The save itself starts clean: only a refusal seen later, on a request someone asked for, counts.
    expect((await call('GET', url)).json).not.toHaveProperty('last_error');

    // The key is revoked after it was saved: Claude now refuses it.
    standIn.setMode({ kind: 'error', status: 401 });
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    standIn.setMode({ kind: 'normal' });
    expect(chat.status).toBeGreaterThanOrEqual(400);
    const get = await call('GET', url);
    expect(get.json).toMatchObject({
      configured: true,
      last4: last4(KEY),
      last_error: { error_type: 'upstream_auth', at: expect.any(Number) },
    });
    expect(get.json.last_error.message).toMatch(/Claude rejected the API key/);
    expect(get.text).not.toContain(KEY);

    // A new key clears it, and Claude answering with it keeps it clear.
    expect((await call('PUT', url, { key: KEY })).json.test).toEqual({ ok: true });
    expect((await call('GET', url)).json).toEqual({ configured: true, last4: last4(KEY), store: 'file' });
    expect((await call('POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' })).status).toBe(200);
    expect((await call('GET', url)).json).not.toHaveProperty('last_error');
    await call('DELETE', url);
  });

  it('the key appears in no response and no log line (while the log did record these requests)', () => {
    const logs = srv.logs.join('');
    expect(logs).toContain('/api/v1/settings/claude-key');
    expect(logs).not.toContain(KEY);
    expect(logs).not.toContain(KEY.slice(7));
    expect(seen.join('\n')).not.toContain(KEY);
  });
});

describe('a malformed cloud key in the environment', () => {
  it('starts, warns naming the variable and the rule the API applies, and never logs the key', async () => {
    const short = 'sk-0123456789a';
    const srv = await startTestServer({ env: { OPENAI_API_KEY: short, ANTHROPIC_API_KEY: '' } });
    try {
      const logs = srv.logs.join('');
      expect(logs).toContain(
        'OPENAI_API_KEY looks malformed: 14 characters; an OpenAI API key has 20 to 512 (check that it was copied whole).',
      );
      expect(logs).not.toContain(short);
      // The same key through the API: refused by the same rule, in the same words.
      const put = await fetch(`${srv.url}/api/v1/cloud/keys/openai`, {
        method: 'PUT',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ key: short }),
      });
      expect(put.status).toBe(400);
      expect(JSON.stringify(await put.json())).toContain('14 characters; an OpenAI API key has 20 to 512');
    } finally {
      await srv.close();
    }
  });
});
