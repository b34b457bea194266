// `npm run serve` as a process manager, a terminal or a terminal multiplexer stops it: SIGTERM or SIGINT sent to the npm
// process alone, to the whole process group, or to the node process npm runs (scripts/serve.mjs) alone, stops the server
// it started, freeing the port and leaving no process behind (npm passes a signal only to its own child, and a shell
// between them swallowed SIGINT). Real npm, real server, temp data dir and port; Linux (/proc tells the process tree).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let ui: string;
const started: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-serve-'));
  // A built UI of its own: `npm run serve` then has none to build (that step is timed by the e2e tests).
  ui = path.join(dir, 'ui');
  mkdirSync(ui);
  writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ui</title>');
});
afterAll(() => {
  // Whatever a failed test left running is stopped here, by the PIDs this file saw.
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Parent PID of every live process, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after its closing parenthesis are fixed.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const [, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(e), Number(ppid));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** `root` and every process below it. */
function tree(root: number): number[] {
  const p = parents();
  const found = [root];
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of p)
      if (found.includes(ppid) && !found.includes(pid)) {
        found.push(pid);
        grew = true;
      }
  }
  return found;
}

/** A process's command line, words joined by spaces ('' once it has gone: short-lived helpers come and go). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Running (a zombie waiting for a reaper has stopped: it holds no port and runs no code). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Whether something accepts connections on the port. */
async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** Poll `check` until it holds or `ms` pass (a bound for a loaded machine, not a speed claim). */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(process.platform === 'linux')('npm run serve: a signal to the npm process stops the server', () => {
  // SIGTERM to the npm process alone (a process manager, `kill PID`); SIGINT to its whole process group, as Ctrl-C in a
  // terminal sends it (every process gets it at once, so the server must not take the second one as a hard stop).
  // And each signal to each of them: npm alone (`kill -INT` from a process manager or a terminal multiplexer, which npm
  // passes to its child only), the group, and the node process npm runs (scripts/serve.mjs) alone.
  const cases = [
    { signal: 'SIGTERM', to: 'the npm process' },
    { signal: 'SIGINT', to: 'the npm process' },
    { signal: 'SIGINT', to: 'the process group (Ctrl-C)' },
    { signal: 'SIGTERM', to: 'the process group' },
    { signal: 'SIGINT', to: 'the node process running scripts/serve.mjs' },
    { signal: 'SIGTERM', to: 'the node process running scripts/serve.mjs' },
  ] as const;
  for (const { signal, to } of cases) {
    it(`${signal} to ${to} → the port is free and no process it started is left`, async () => {
      const port = await freePort();
      const dataDir = path.join(dir, `data-${signal}-${to.split(' ')[1]}`);
      const npm: ChildProcess = spawn('npm', ['run', 'serve', '--', '--port', String(port), '--data-dir', dataDir], {
        env: {
          ...process.env,
          HYBRID_AI_TOKEN: 'serve-signals-token-0123456789',
          HYBRID_AI_UI_DIR: ui,
          HYBRID_AI_KEYCHAIN: 'off',
          HYBRID_AI_MANAGE_OLLAMA: 'off',
          OLLAMA_HOST: '127.0.0.1:9',
          ANTHROPIC_API_KEY: '',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, as a shell's job: the group signal reaches it and its children, never this test.
        detached: true,
      });
      let out = '';
      npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      started.push(npm.pid!);
      const up = await until(async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
        } catch {
          return false;
        }
      }, 90_000);
      expect(up, out).toBe(true);
      const pids = tree(npm.pid!);
      started.push(...pids);
      // npm, the node process it runs (scripts/serve.mjs), and the server below it.
      expect(pids.length).toBeGreaterThanOrEqual(3);

      // scripts/serve.mjs's own process: node, with the script as its first argument (not a shell whose command names it).
      const serveScript = pids.find((p) => {
        const argv = cmdline(p).split(' ');
        return /(^|\/)node$/.test(argv[0]!) && argv[1] === 'scripts/serve.mjs';
      });
      expect(serveScript, pids.map(cmdline).join('\n')).toBeDefined();
      const target = to.startsWith('the process group') ? -npm.pid! : to.startsWith('the npm') ? npm.pid! : serveScript!;
      process.kill(target, signal);
      // npm ends once what it ran has (bounded, so a server left running fails here instead of hanging the test).
      const npmEnded = await until(() => npm.exitCode !== null || npm.signalCode !== null, 30_000);
      expect(npmEnded, out).toBe(true);
      // The server gets its grace period for in-flight requests (5 s); 30 s bounds a loaded machine.
      const gone = await until(async () => pids.every((p) => !alive(p)) && !(await listening(port)), 30_000);
      expect(
        pids.filter(alive).map((p) => `${p}: ${cmdline(p)}`),
        out,
      ).toEqual([]);
      expect(gone).toBe(true);
      expect(await listening(port)).toBe(false);
      // A graceful stop (in-flight requests finished, the ledger closed), not one cut short by a second signal.
      expect(out).not.toMatch(/without a clean stop/);
    }, 150_000);
  }
});
