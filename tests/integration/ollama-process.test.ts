// Ollama process manager against real processes: the stand-in `ollama` executable started, crashed, hung, stopped.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OllamaProcessStatus } from '../../router-core/contracts/events.js';
import type { SystemDto } from '../../router-core/contracts/api.js';
import { createOllamaProcessManager, type OllamaProcessManager, type OllamaProcessOptions } from '../../router-core/host/ollama-process.js';
import { processStartTime } from '../../router-core/host/process-identity.js';
import { startOllamaStandIn } from '../stand-ins/ollama-server.js';

const SHIM_DIR = path.resolve('tests/stand-ins/bin');
const SHIM = path.join(SHIM_DIR, 'ollama');
// Nothing listens on port 9 (discard) on the loopback: "no system Ollama".
const DEAD_HOST = '127.0.0.1:9';

let dir: string;
let logFile: string;
let managers: OllamaProcessManager[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-ollama-'));
  logFile = path.join(dir, 'standin.log');
});
afterEach(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  managers = [];
  // Hygiene when a test failed midway: no stand-in this file started may outlive it.
  for (const l of logLines()) if (l.event === 'start' && alive(l.pid)) process.kill(l.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Fast timings: the behaviour under test is the same, the test just does not wait seconds for it. */
function manager(over: Partial<OllamaProcessOptions> = {}, env: NodeJS.ProcessEnv = {}): OllamaProcessManager {
  const m = createOllamaProcessManager({
    host: DEAD_HOST,
    pathEnv: SHIM_DIR,
    modelsDir: path.join(dir, 'ollama-models'),
    env: { ...process.env, STANDIN_OLLAMA_LOG: logFile, ...env },
    backoffInitialMs: 100,
    backoffMaxMs: 400,
    stopTimeoutMs: 3_000,
    readyTimeoutMs: 20_000,
    ...over,
  });
  managers.push(m);
  return m;
}

type LogLine = {
  event: string;
  pid: number;
  t: number;
  host?: string;
  models?: string | null;
  envKeys?: string[];
  numParallel?: string | null;
};
const logLines = (): LogLine[] => {
  try {
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  } catch {
    return [];
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until<T>(f: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const version = async (url: string) => (await (await fetch(`${url}/api/version`)).json()) as { version: string };

describe('finding Ollama', () => {
  it('a system Ollama answering on OLLAMA_HOST is used as is: nothing is spawned, stop leaves it alone', async () => {
    const sys = await startOllamaStandIn();
    try {
      const m = manager({ host: sys.host });
      const s = await m.start();
      expect(s).toMatchObject({ state: 'external', source: 'system', url: sys.url, pid: null });
      await m.stop();
      expect(m.status().state).toBe('external');
      expect(await version(sys.url)).toEqual({ version: '0.12.6' });
      expect(logLines()).toEqual([]);
    } finally {
      await sys.close();
    }
  });

  it('no Ollama anywhere: unavailable, saying where it looked', async () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    const s = await manager({ pathEnv: empty, bundledBinary: path.join(dir, 'resources/ollama/linux-x64/ollama') }).start();
    expect(s.state).toBe('unavailable');
    expect(s.message).toMatch(/no Ollama answers at http:\/\/127\.0\.0\.1:9, none is on PATH and none is bundled at .*resources\/ollama/);
  });

  it('an explicit binary that is not executable is reported, not spawned', async () => {
    const s = await manager({ binary: path.join(dir, 'nope') }).start();
    expect(s).toMatchObject({
      state: 'unavailable',
      message: expect.stringMatching(/HYBRID_AI_OLLAMA_BIN points to .*nope, which is not an executable file/),
    });
  });
});

describe('a spawned `ollama serve`', () => {
  it('from PATH: private loopback port, ready when /api/version answers, the user’s own models folder', async () => {
    const m = manager();
    const s = await m.start();
    expect(s).toMatchObject({ state: 'running', source: 'path', binary: SHIM });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await version(s.url!)).toEqual({ version: '0.12.6' });
    const start = logLines().find((l) => l.event === 'start')!;
    expect(start.pid).toBe(s.pid);
    expect(`http://${start.host}`).toBe(s.url);
    expect(start.models).toBeNull();
    // start() again while running: the same process.
    expect((await m.start()).pid).toBe(s.pid);
  });

  it('starts Ollama with OLLAMA_NUM_PARALLEL chosen by the core, unless the environment sets its own', async () => {
    const m = manager({ numParallel: () => 3 });
    await m.start();
    expect(logLines().find((l) => l.event === 'start')!.numParallel).toBe('3');
    expect(m.numParallel()).toBe(3);
    await m.stop();
    expect(m.numParallel()).toBeNull();
    const own = manager({ numParallel: () => 3 }, { OLLAMA_NUM_PARALLEL: '5' });
    await own.start();
    expect(
      logLines()
        .filter((l) => l.event === 'start')
        .at(-1)!.numParallel,
    ).toBe('5');
    expect(own.numParallel()).toBe(5);
  });

  it('bundled (no PATH match): models live in the app data dir', async () => {
    const m = manager({ pathEnv: path.join(dir, 'no-such-dir'), bundledBinary: SHIM });
    const s = await m.start();
    expect(s).toMatchObject({ state: 'running', source: 'bundled' });
    expect(logLines().find((l) => l.event === 'start')!.models).toBe(path.join(dir, 'ollama-models'));
  });

  it('crash → crashed → backoff → restarted on the same URL, and stop leaves no process behind', async () => {
    const m = manager();
    const states: OllamaProcessStatus[] = [];
    m.subscribe((e) => states.push(e.status));
    const first = await m.start();
    process.kill(first.pid!, 'SIGUSR1'); // "crash now"
    const again = await until(() => {
      const s = m.status();
      return s.state === 'running' && s.pid !== first.pid ? s : undefined;
    }, 'the restart');
    expect(again).toMatchObject({ restarts: 1, url: first.url, source: 'path' });
    const seq = states.map((s) => s.state);
    const crashAt = seq.indexOf('crashed');
    expect(seq.slice(crashAt, crashAt + 4)).toEqual(['crashed', 'backoff', 'starting', 'running']);
    expect(states[crashAt]!.message).toMatch(/ollama exited with code 3 \(stderr: .*panic: stand-in told to crash/);
    expect(alive(first.pid!)).toBe(false);
    expect(await version(again.url!)).toEqual({ version: '0.12.6' });

    await m.stop();
    expect(m.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(alive(again.pid!)).toBe(false);
    expect(
      logLines()
        .filter((l) => l.event === 'sigterm')
        .map((l) => l.pid),
    ).toEqual([again.pid]);
  });

  it('crashes on start back off with growing delays, then it runs', async () => {
    const m = manager({ backoffInitialMs: 150 }, { STANDIN_OLLAMA_FAIL_STARTS: '2' });
    const s = await m.start();
    expect(s).toMatchObject({ state: 'running', restarts: 2 });
    const starts = logLines().filter((l) => l.event === 'start');
    expect(starts).toHaveLength(3);
    // 150 ms then 300 ms of backoff (the process start itself adds more on a loaded machine, never less).
    expect(starts[1]!.t - starts[0]!.t).toBeGreaterThanOrEqual(150);
    expect(starts[2]!.t - starts[1]!.t).toBeGreaterThanOrEqual(300);
  });

  it('gives up after too many crashes in a row: failed, with the last error', async () => {
    const s = await manager({ maxConsecutiveCrashes: 2 }, { STANDIN_OLLAMA_FAIL_STARTS: '99' }).start();
    expect(s.state).toBe('failed');
    expect(s.message).toMatch(
      /ollama exited with code 1 \(stderr: Error: stand-in start 3 of 99 told to fail\); gave up after 2 restarts in a row/,
    );
    expect(logLines().filter((l) => l.event === 'start')).toHaveLength(3);
  });

  it('slow to start: not ready in time counts as a crash (and a slow start within the limit is fine)', async () => {
    const slowOk = await manager({}, { STANDIN_OLLAMA_START_DELAY_MS: '700' }).start();
    expect(slowOk.state).toBe('running');
    await managers.pop()!.stop();

    const tooSlow = await manager({ readyTimeoutMs: 300, maxConsecutiveCrashes: 1 }, { STANDIN_OLLAMA_START_DELAY_MS: '5000' }).start();
    expect(tooSlow.state).toBe('failed');
    expect(tooSlow.message).toMatch(/signal SIGKILL .*not ready after 300 ms/);
  });

  it('a hung process (stops answering) is killed and replaced', async () => {
    const m = manager({ healthIntervalMs: 150, probeTimeoutMs: 150 });
    const first = await m.start();
    process.kill(first.pid!, 'SIGUSR2'); // "hang"
    const again = await until(() => {
      const s = m.status();
      return s.state === 'running' && s.pid !== first.pid ? s : undefined;
    }, 'the replacement');
    expect(alive(first.pid!)).toBe(false);
    expect(again.restarts).toBe(1);
  });

  // The check reads /proc/<pid>/cmdline (a recycled pid must never be killed); elsewhere orphans are left alone.
  it.skipIf(process.platform !== 'linux')(
    'an `ollama serve` orphaned by a killed core (pid file) is ended before a new start',
    async () => {
      const pidFile = path.join(dir, 'ollama.pid');
      const orphan = spawn(SHIM, ['serve'], {
        env: { ...process.env, OLLAMA_HOST: '127.0.0.1:0', STANDIN_OLLAMA_LOG: logFile },
        stdio: 'ignore',
      });
      await until(() => logLines().some((l) => l.event === 'ready' && l.pid === orphan.pid), 'the orphan to listen');
      writeFileSync(pidFile, `${orphan.pid}\n`);
      const s = await manager({ pidFile }).start();
      expect(s.state).toBe('running');
      await until(() => !alive(orphan.pid!), 'the orphan to end');
      // The new run's record: its pid and start time.
      expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toEqual({ pid: s.pid, started: await processStartTime(s.pid!) });
      await managers[0]!.stop();
      expect(existsSync(pidFile)).toBe(false);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'an orphan recorded with its start time is ended on any OS; a pid whose start time differs (recycled) is left alone',
    async () => {
      const pidFile = path.join(dir, 'ollama.pid');
      const spawnOrphan = async () => {
        const o = spawn(SHIM, ['serve'], {
          env: { ...process.env, OLLAMA_HOST: '127.0.0.1:0', STANDIN_OLLAMA_LOG: logFile },
          stdio: 'ignore',
        });
        await until(() => logLines().some((l) => l.event === 'ready' && l.pid === o.pid), 'the orphan to listen');
        return o;
      };
      const stranger = await spawnOrphan();
      writeFileSync(pidFile, `${JSON.stringify({ pid: stranger.pid, started: 'another process started then' })}\n`);
      const m1 = manager({ pidFile });
      await m1.start();
      expect(alive(stranger.pid!)).toBe(true);
      await m1.stop();
      const orphan = await spawnOrphan();
      writeFileSync(pidFile, `${JSON.stringify({ pid: orphan.pid, started: await processStartTime(orphan.pid!) })}\n`);
      await manager({ pidFile }).start();
      await until(() => !alive(orphan.pid!), 'the orphan to end');
      stranger.kill('SIGKILL');
    },
  );

  it('the Ollama we start sees only what it needs: no Claude key, no API token, no other secret', async () => {
    const m = manager(
      {},
      {
        ANTHROPIC_API_KEY: 'sk-ant-api03-secret',
        HYBRID_AI_TOKEN: 'hai_secret-0123456789abcdef',
        OPENAI_API_KEY: 'sk-x',
        OLLAMA_KEEP_ALIVE: '5m',
      },
    );
    expect((await m.start()).state).toBe('running');
    const keys = logLines().find((l) => l.event === 'start')!.envKeys!;
    for (const k of ['ANTHROPIC_API_KEY', 'HYBRID_AI_TOKEN', 'OPENAI_API_KEY']) expect(keys, k).not.toContain(k);
    for (const k of ['PATH', 'OLLAMA_HOST', 'OLLAMA_KEEP_ALIVE', 'STANDIN_OLLAMA_LOG']) expect(keys, k).toContain(k);
    await m.stop();
  });

  it('a process that ignores SIGTERM is SIGKILLed after the stop timeout', async () => {
    const m = manager({ stopTimeoutMs: 400 }, { STANDIN_OLLAMA_IGNORE_SIGTERM: '1' });
    const s = await m.start();
    await m.stop();
    expect(m.status()).toMatchObject({ state: 'stopped', message: 'stopped with SIGKILL after SIGTERM timed out' });
    expect(alive(s.pid!)).toBe(false);
    expect(logLines().some((l) => l.event === 'sigterm')).toBe(true);
  });
});

describe('the core with a managed Ollama', () => {
  it('serve starts `ollama serve`, routes chat through it, and SIGTERM of the core leaves no orphan', async () => {
    const token = 'ollama-process-test-token-0123';
    const core = spawn(
      process.execPath,
      [path.resolve('bin/hybrid-ai.mjs'), 'serve', '--port', '0', '--data-dir', path.join(dir, 'data')],
      {
        env: {
          ...process.env,
          HYBRID_AI_TOKEN: token,
          OLLAMA_HOST: DEAD_HOST,
          HYBRID_AI_OLLAMA_BIN: SHIM,
          HYBRID_AI_MANAGE_OLLAMA: 'auto',
          STANDIN_OLLAMA_LOG: logFile,
          ANTHROPIC_API_KEY: '',
          HYBRID_AI_LOCAL_MODEL: '',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    core.stdout.on('data', (b: Buffer) => (out += b.toString()));
    core.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => core.on('exit', (code) => resolve(code)));
    try {
      const url = await until(() => /Hybrid AI Stack (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 'the server banner');
      const auth = { authorization: `Bearer ${token}` };
      let sys: SystemDto | undefined;
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        sys = (await (await fetch(`${url}/api/v1/system`, { headers: auth })).json()) as SystemDto;
        if (sys.ollama.state === 'running' && sys.engines.find((e) => e.id === 'ollama')?.ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sys!.ollama).toMatchObject({ state: 'running', source: 'path', binary: SHIM });
      expect(sys!.engines.find((e) => e.id === 'ollama')).toMatchObject({
        ok: true,
        kind: 'system-ollama',
        url: sys!.ollama.url,
        models: expect.arrayContaining(['tinyllama']),
      });

      const chat = await fetch(`${url}/api/v1/chat`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hi there', max_tokens: 8 }),
      });
      expect(chat.status).toBe(200);
      expect(await chat.json()).toMatchObject({ engine: 'ollama', model: 'tinyllama' });

      const pid = sys!.ollama.pid!;
      expect(alive(pid)).toBe(true);
      core.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(alive(pid)).toBe(false);
      expect(
        logLines()
          .filter((l) => l.event === 'sigterm')
          .map((l) => l.pid),
      ).toEqual([pid]);
    } finally {
      if (core.exitCode === null) core.kill('SIGKILL');
    }
  });
});
