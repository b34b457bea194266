// The core supervisor: ready handshake, restart with backoff (fake child + manual clock), stop with timeouts, and a real core process.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffMs,
  createCoreProcess,
  parseReady,
  spawnNodeProcess,
  spawnUtilityProcess,
  type CoreProcess,
} from '../../electron/core-process.js';
import type { CoreState } from '../../electron/ipc-contract.js';
import { fake, FakeUtilityProcess } from '../fakes/electron.js';
import { fakeSpawner, manualTimers } from '../fakes/core-child.js';

vi.mock('electron', () => import('../fakes/electron.js'));

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'shell-test-token-0123456789';

/** Let queued microtasks (the fake spawner's scripted ready) run. */
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('parseReady and backoffMs', () => {
  it('accepts only a loopback http ready message with a real token', () => {
    expect(parseReady({ type: 'ready', url: 'http://127.0.0.1:8787', token: TOKEN })).toEqual({
      url: 'http://127.0.0.1:8787',
      token: TOKEN,
    });
    expect(parseReady({ type: 'ready', url: 'http://127.0.0.1:8787/', token: TOKEN })?.url).toBe('http://127.0.0.1:8787');
    expect(parseReady({ type: 'ready', url: 'http://evil.example:80', token: TOKEN })).toBeNull();
    expect(parseReady({ type: 'ready', url: 'https://127.0.0.1:8787', token: TOKEN })).toBeNull();
    expect(parseReady({ type: 'ready', url: 'http://127.0.0.1:8787', token: 'short' })).toBeNull();
    expect(parseReady({ type: 'hello' })).toBeNull();
    expect(parseReady('ready')).toBeNull();
  });

  it('doubles from 1 s and caps at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, 1_000, 30_000))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

describe('createCoreProcess with a fake child', () => {
  let timers: ReturnType<typeof manualTimers>;
  let states: CoreState[];
  const make = (spawn: ReturnType<typeof fakeSpawner>['spawn'], extra: Partial<Parameters<typeof createCoreProcess>[0]> = {}) => {
    const core = createCoreProcess({ spawn, entry: '/core/main.js', args: ['--data-dir', '/d'], env: { A: '1' }, timers, ...extra });
    core.onState((s) => states.push(s));
    return core;
  };
  beforeEach(() => {
    timers = manualTimers();
    states = [];
  });

  it('starts on port 0, resolves on ready, and reports running', async () => {
    const { spawn, children } = fakeSpawner((c) => c.ready('http://127.0.0.1:40001', TOKEN));
    const core = make(spawn);
    const g = await core.start();
    expect(g).toEqual({ url: 'http://127.0.0.1:40001', token: TOKEN });
    expect(children[0]!.args).toEqual(['--data-dir', '/d', '--port', '0']);
    expect(children[0]!.opts.env).toEqual({ A: '1' });
    expect(core.state()).toEqual({ status: 'running', url: 'http://127.0.0.1:40001', attempt: 0 });
    expect(states.map((s) => s.status)).toEqual(['starting', 'running']);
    expect(core.gateway()).toEqual(g);
  });

  it('restarts a crashed core with backoff on the same port, and tells listeners why', async () => {
    const { spawn, children } = fakeSpawner((c, i) => {
      if (i === 0) c.ready('http://127.0.0.1:40002', TOKEN);
    });
    const core = make(spawn);
    await core.start();
    children[0]!.print('FATAL: ggml_abort in llama.cpp');
    children[0]!.exit(134);
    expect(core.state()).toMatchObject({ status: 'restarting', attempt: 1, retryInMs: 1_000 });
    expect(core.state().reason).toMatch(/stopped unexpectedly \(exit code 134\):\nFATAL: ggml_abort/);
    expect(core.gateway()).toBeNull();
    expect(children).toHaveLength(1);
    timers.advance(999);
    expect(children).toHaveLength(1);
    timers.advance(1);
    expect(children).toHaveLength(2);
    expect(children[1]!.port).toBe('40002');
    // The second start also fails before ready: 2 s, then 4 s...
    children[1]!.exit(1);
    expect(core.state()).toMatchObject({ status: 'restarting', attempt: 2, retryInMs: 2_000 });
    timers.advance(2_000);
    children[2]!.ready('http://127.0.0.1:40002', TOKEN);
    expect(core.state()).toEqual({ status: 'running', url: 'http://127.0.0.1:40002', attempt: 2 });
    expect(states.map((s) => s.status)).toEqual(['starting', 'running', 'restarting', 'starting', 'restarting', 'starting', 'running']);
  });

  it('gives up after 5 failures in a row (start() rejects with the reason); restart() tries again', async () => {
    const { spawn, children } = fakeSpawner((c) => c.exit(2));
    const core = make(spawn);
    const started = core.start();
    const outcome = started.then(
      () => null,
      (e: unknown) => e as Error,
    );
    for (const ms of [1_000, 2_000, 4_000, 8_000]) {
      await tick();
      timers.advance(ms);
    }
    await tick();
    expect((await outcome)?.message).toMatch(/exited before it was ready \(exit code 2\)/);
    expect(children).toHaveLength(5);
    expect(core.state()).toMatchObject({ status: 'failed', attempt: 5 });
    core.restart();
    expect(core.state()).toMatchObject({ status: 'starting', attempt: 0 });
    expect(children).toHaveLength(6);
  });

  it('a core that ran for a minute starts a fresh series of attempts when it crashes', async () => {
    const { spawn, children } = fakeSpawner((c) => c.ready('http://127.0.0.1:40003', TOKEN));
    const core = make(spawn);
    await core.start();
    children[0]!.exit(1);
    timers.advance(1_000);
    await tick();
    expect(core.state()).toMatchObject({ status: 'running', attempt: 1 });
    timers.advance(60_000);
    children[1]!.exit(1);
    expect(core.state()).toMatchObject({ status: 'restarting', attempt: 1, retryInMs: 1_000 });
  });

  it('kills a core that never becomes ready and retries', async () => {
    const { spawn, children } = fakeSpawner();
    const core = make(spawn, { readyTimeoutMs: 5_000 });
    void core.start().catch(() => undefined);
    timers.advance(5_000);
    expect(children[0]!.kills).toEqual([true]);
    expect(core.state()).toMatchObject({ status: 'restarting', attempt: 1 });
    expect(core.state().reason).toMatch(/did not become ready within 5 s/);
    // Its late exit is ignored (it is no longer the current child).
    children[0]!.exit(null);
    expect(core.state().status).toBe('restarting');
  });

  it('stop(): asks for a graceful shutdown and resolves when it exits', async () => {
    const { spawn, children } = fakeSpawner((c) => c.ready('http://127.0.0.1:40004', TOKEN));
    const core = make(spawn);
    await core.start();
    const stopped = core.stop();
    expect(children[0]!.shutdowns).toBe(1);
    expect(core.state().status).toBe('stopping');
    children[0]!.exit(0);
    await stopped;
    expect(core.state()).toEqual({ status: 'stopped', attempt: 0 });
    expect(children[0]!.kills).toEqual([]);
    // No restart after a stop.
    timers.advance(60_000);
    expect(children).toHaveLength(1);
  });

  it('stop(): SIGTERM after 10 s, SIGKILL 2 s later, and gives up waiting 1 s after that', async () => {
    const { spawn, children } = fakeSpawner((c) => c.ready('http://127.0.0.1:40005', TOKEN));
    const core = make(spawn);
    await core.start();
    let done = false;
    const stopped = core.stop().then(() => (done = true));
    timers.advance(9_999);
    expect(children[0]!.kills).toEqual([]);
    timers.advance(1);
    expect(children[0]!.kills).toEqual([false]);
    timers.advance(2_000);
    expect(children[0]!.kills).toEqual([false, true]);
    await tick();
    expect(done).toBe(false);
    timers.advance(1_000);
    await stopped;
    expect(core.state().status).toBe('stopped');
  });

  it('stop() during a backoff cancels the restart', async () => {
    const { spawn, children } = fakeSpawner((c, i) => (i === 0 ? c.ready('http://127.0.0.1:40006', TOKEN) : undefined));
    const core = make(spawn);
    await core.start();
    children[0]!.exit(1);
    await core.stop();
    timers.advance(60_000);
    expect(children).toHaveLength(1);
    expect(core.state().status).toBe('stopped');
  });
});

describe('spawnUtilityProcess (Electron utilityProcess, faked)', () => {
  beforeEach(() => fake.reset());

  it('forks the entry with piped output, and shuts down by message', () => {
    const lines: string[] = [];
    const exits: Array<number | null> = [];
    const child = spawnUtilityProcess('/app/core.js', ['--port', '0'], { env: { X: '1' }, execArgv: ['--import', 'tsx'] });
    child.onOutput((l) => lines.push(l));
    child.onExit((c) => exits.push(c));
    const u = FakeUtilityProcess.forks[0]!;
    expect(u.modulePath).toBe('/app/core.js');
    expect(u.args).toEqual(['--port', '0']);
    expect(u.options).toMatchObject({ env: { X: '1' }, execArgv: ['--import', 'tsx'], stdio: 'pipe' });
    u.stdout.emit('data', Buffer.from('first li'));
    u.stdout.emit('data', Buffer.from('ne\nsecond line\n'));
    u.stderr.emit('data', 'an error\n');
    expect(lines).toEqual(['first line', 'second line', 'an error']);
    child.shutdown();
    expect(u.posted).toEqual([{ type: 'shutdown' }]);
    child.kill();
    expect(u.killed).toBe(1);
    u.exit(0);
    expect(exits).toEqual([0]);
  });
});

describe('the real core as a child process', () => {
  let dataDir: string;
  let core: CoreProcess | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hai-shell-core-'));
  });
  afterEach(async () => {
    await core?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts router-core/server/main.ts, hands over url + token, restarts it after a crash on the same port, and stops it', async () => {
    const output: string[] = [];
    const pids: number[] = [];
    core = createCoreProcess({
      spawn: (entry, args, opts) => {
        const c = spawnNodeProcess(entry, args, opts);
        if (c.pid !== undefined) pids.push(c.pid);
        return c;
      },
      entry: path.join(root, 'router-core', 'server', 'main.ts'),
      execArgv: ['--import', 'tsx'],
      args: ['--host', '127.0.0.1', '--data-dir', dataDir],
      env: {
        ...process.env,
        HYBRID_AI_TOKEN: TOKEN,
        OLLAMA_HOST: '127.0.0.1:9',
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        ANTHROPIC_API_KEY: '',
        LOG_LEVEL: 'warn',
      },
      initialBackoffMs: 100,
      onOutput: (l) => output.push(l),
    });
    const states: string[] = [];
    core.onState((s) => states.push(s.status));
    const g = await core.start();
    expect(g.token).toBe(TOKEN);
    expect(g.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${g.url}/health`);
    expect(health.status).toBe(200);
    // The core reports ready as soon as it listens; the banner follows once hardware detection has named the tier.
    await vi.waitFor(() => expect(output.join('\n')).toContain('Hybrid AI Stack'), { timeout: 30_000, interval: 50 });
    // The start banner on a pipe (what the shell keeps in core.log) never carries the token.
    expect(output.join('\n')).toMatch(
      /Open the app: http:\/\/127\.0\.0\.1:\d+\/ {2}\(it asks for the API token: the value of HYBRID_AI_TOKEN\)/,
    );
    expect(output.join('\n')).not.toContain(TOKEN);

    // Crash it (as a native abort would) and wait for the supervisor to bring it back.
    const running = new Promise<CoreState>((resolve) => {
      const off = core!.onState((s) => {
        if (s.status === 'running') {
          off();
          resolve(s);
        }
      });
    });
    process.kill(pids.at(-1)!, 'SIGKILL');
    const back = await running;
    expect(back.url).toBe(g.url);
    expect((await fetch(`${g.url}/health`)).status).toBe(200);
    expect(states).toEqual(['starting', 'running', 'restarting', 'starting', 'running']);

    await core.stop();
    expect(core.state().status).toBe('stopped');
    await expect(fetch(`${g.url}/health`)).rejects.toThrow();
  }, 60_000);
});
