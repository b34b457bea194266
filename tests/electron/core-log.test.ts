// The token never reaches a log: the core's start banner on a pipe, and the shell's core.log (scrubbed line by line), with a real core.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openCoreLog, REDACTED, redactLine } from '../../electron/core-log.js';
import { createCoreProcess, spawnNodeProcess, type CoreProcess } from '../../electron/core-process.js';
import { pickTier } from '../../router-core/routing/tiering.js';
import { startBanner, tierText } from '../../router-core/server/main.js';

vi.mock('electron', () => import('../fakes/electron.js'));

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = 'hai_Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZg';

describe('startBanner (router-core/server/main.ts)', () => {
  const base = { url: 'http://127.0.0.1:8787', tier: 'tier 3: 8 GB RAM', token: TOKEN, tokenCreated: true };

  it('on a pipe or a file: the address and where the token is, never the token', () => {
    const fromFile = startBanner({ ...base, tokenFile: '/d/api-token', interactive: false });
    expect(fromFile).not.toContain(TOKEN);
    expect(fromFile).toContain('Open the app: http://127.0.0.1:8787/  (it asks for the API token: in /d/api-token)');
    expect(fromFile).toContain('A new API token was created and saved in /d/api-token');
    expect(fromFile).toContain(`curl -H "Authorization: Bearer $(cat '/d/api-token')"`);
    const fromEnv = startBanner({ ...base, tokenFile: undefined, tokenCreated: false, interactive: false });
    expect(fromEnv).not.toContain(TOKEN);
    expect(fromEnv).toContain('the value of HYBRID_AI_TOKEN');
    expect(fromEnv).toContain('Bearer $HYBRID_AI_TOKEN');
  });

  it('names the tier once', () => {
    const gib = 1024;
    const t = pickTier({ totalRamMiB: { known: true, value: 23.5 * gib }, gpus: { known: true, value: [] } } as never);
    const text = tierText(t);
    expect(text).toContain('no GPU → tier 3');
    expect(text.match(/tier 3\b/g)).toHaveLength(1);
    expect(tierText({ tier: 2, reason: 'something odd' })).toBe('tier 2: something odd');
  });

  it('on a terminal a person reads: the ready-to-open link', () => {
    const tty = startBanner({ ...base, tokenFile: '/d/api-token', interactive: true });
    expect(tty).toContain(`Open the app: http://127.0.0.1:8787/#token=${TOKEN}`);
  });
});

describe('redactLine (electron/core-log.ts)', () => {
  it('scrubs known secrets (raw and URL-encoded) and anything shaped like a token, key or bearer value', () => {
    const odd = 'my-own-env-token/with+chars';
    expect(redactLine(`x ${odd} y ${encodeURIComponent(odd)}`, [odd])).toBe(`x ${REDACTED} y ${REDACTED}`);
    expect(redactLine(`link http://h/#token=${TOKEN}`, [])).toBe(`link http://h/#token=${REDACTED}`);
    expect(redactLine(`{"authorization":"Bearer abc.def"}`, [])).toBe(`{"authorization":"Bearer ${REDACTED}"}`);
    expect(redactLine('key sk-ant-api03-abcdefghijkl', [])).toBe(`key ${REDACTED}`);
    expect(redactLine(`t=${TOKEN}`, [])).toBe(`t=${REDACTED}`);
    // A shell variable in the banner's curl line is not a secret.
    expect(redactLine('curl -H "Authorization: Bearer $HYBRID_AI_TOKEN"', [])).toBe('curl -H "Authorization: Bearer $HYBRID_AI_TOKEN"');
    expect(redactLine('an ordinary line', [TOKEN])).toBe('an ordinary line');
  });
});

describe('the real core under the shell: core.log', () => {
  let dir: string;
  let core: CoreProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hai-core-log-'));
  });
  afterEach(async () => {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a generated token (printed nowhere) is in the data dir, never in core.log', async () => {
    const logFile = path.join(dir, 'logs', 'core.log');
    const log = openCoreLog(logFile);
    const dataDir = path.join(dir, 'data');
    const raw: string[] = [];
    core = createCoreProcess({
      spawn: spawnNodeProcess,
      entry: path.join(root, 'router-core', 'server', 'main.ts'),
      execArgv: ['--import', 'tsx'],
      args: ['--host', '127.0.0.1', '--data-dir', dataDir],
      env: {
        ...process.env,
        HYBRID_AI_TOKEN: '',
        OLLAMA_HOST: '127.0.0.1:9',
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        ANTHROPIC_API_KEY: '',
        LOG_LEVEL: 'info',
      },
      onOutput: (l) => {
        raw.push(l);
        log.write(l);
      },
    });
    const g = await core.start();
    log.addSecret(g.token);
    // A request with the token: the core logs the access line; the header value must not come through.
    expect((await fetch(`${g.url}/api/v1/stats`, { headers: { authorization: `Bearer ${g.token}` } })).status).toBe(200);
    // Ready comes as soon as the core listens; the banner follows once hardware detection has named the tier.
    await vi.waitFor(() => expect(raw.join('\n')).toContain('Open the app: http://127.0.0.1:'), { timeout: 30_000, interval: 50 });
    await core.stop();
    core = undefined;
    log.end();
    await new Promise((r) => setTimeout(r, 100));
    const text = readFileSync(logFile, 'utf8');
    expect(readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim()).toBe(g.token);
    expect(text).toContain('Open the app: http://127.0.0.1:');
    expect(text).toContain(`A new API token was created and saved in ${path.join(dataDir, 'api-token')}`);
    expect(text).not.toContain(g.token);
    // The core itself printed no token (the scrubbing is the second line of defence, not the first).
    expect(raw.join('\n')).toContain('Open the app:');
    expect(raw.join('\n')).not.toContain(g.token);
  }, 60_000);
});
