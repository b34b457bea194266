// Orphan reaping by recorded pid + start time (electron/orphans.ts), with real processes: ours are ended, a recycled pid never.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPidFile, parsePidFile, processStartTime } from '../../electron/orphans.js';

let dir: string;
let file: string;
const started: ChildProcess[] = [];

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** A real long-running process standing in for a core left behind by a crashed shell. */
const sleeper = (): ChildProcess => {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  started.push(c);
  return c;
};
const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-orphans-'));
  file = path.join(dir, 'shell-pids.jsonl');
});
afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('orphan reaping', () => {
  it('the start time of a live pid is stable, and absent for a pid that does not exist', async () => {
    const probe = processStartTime();
    const c = sleeper();
    const a = await probe(c.pid!);
    expect(a).toMatch(/\S/);
    expect(await probe(c.pid!)).toBe(a);
    expect(await probe(2 ** 22 + 12345)).toBeNull();
  });

  it('a process recorded by an earlier run is ended at the next start; the file is then empty', async () => {
    const c = sleeper();
    await createPidFile({ file }).record(c.pid!, 'core process');
    expect(parsePidFile(readFileSync(file, 'utf8'))).toEqual([{ pid: c.pid, started: expect.any(String), what: 'core process' }]);
    const lines: string[] = [];
    const ended = await createPidFile({ file, log: (l) => lines.push(l) }).reap();
    expect(ended).toEqual([c.pid]);
    await exited(c);
    expect(alive(c.pid!)).toBe(false);
    expect(lines).toEqual([`shell: ended an orphaned core process (pid ${c.pid}) left by an earlier run`]);
    expect(() => readFileSync(file)).toThrow();
  });

  it('a pid now used by another process (different start time) is never touched', async () => {
    const c = sleeper();
    const real = await processStartTime()(c.pid!);
    writeFileSync(file, `${JSON.stringify({ pid: c.pid, started: `${real}-not-the-same`, what: 'core process' })}\n`);
    expect(await createPidFile({ file }).reap()).toEqual([]);
    expect(alive(c.pid!)).toBe(true);
  });

  it('forget() drops a process that exited normally; a torn or hand-edited file reaps nothing', async () => {
    const c = sleeper();
    const pf = createPidFile({ file });
    await pf.record(c.pid!, 'core process');
    await pf.forget(c.pid!);
    expect(await createPidFile({ file }).reap()).toEqual([]);
    expect(alive(c.pid!)).toBe(true);
    expect(parsePidFile('{"pid":1,"started":"x"}\nnot json\n{"pid":"7","started":"x"}\n{"pid":42}\n')).toEqual([]);
  });
});
