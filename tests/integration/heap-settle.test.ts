// compactHeap (router-core/server/heap-settle.ts) in a fresh Node process: the young generation start-up grew is given back.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

// A start-up in miniature: bursts of objects that outlive a few scavenges (V8 grows the young generation for them),
// then dropped; the young generation's size before and after compactHeap, and whether a global `gc` leaked out (here or into a later context).
const script = `
import v8 from 'node:v8';
import vm from 'node:vm';
const { compactHeap } = await import(${JSON.stringify(path.join(repo, 'router-core/server/heap-settle.ts'))});
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let keep = [];
for (let i = 0; i < 400_000; i++) keep.push({ i, s: 'x' + i, a: [i] });
const grown = young();
keep = null;
const ok = compactHeap();
console.log(JSON.stringify({ grown, after: young(), ok, gcGlobal: typeof globalThis.gc, gcLater: vm.runInNewContext('typeof gc') }));
`;

describe('compactHeap', () => {
  it('gives the young generation back after a burst of survivors, without leaving a global gc', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { grown: number; after: number; ok: boolean; gcGlobal: string; gcLater: string };
    expect(r.ok).toBe(true);
    // The burst grew the young generation to several MB (V8 starts it at 1 MB per semi-space).
    expect(r.grown).toBeGreaterThanOrEqual(8 * 1048576);
    expect(r.after).toBeLessThanOrEqual(r.grown / 4);
    // Neither this context nor one created later (the flag was set back) has a global gc.
    expect(r.gcGlobal).toBe('undefined');
    expect(r.gcLater).toBe('undefined');
  });
});

describe('the server once start-up has settled', () => {
  it('runs the memory-reducing collection once, after it listens and has detected the hardware', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-settle-'));
    // --trace-gc prints each collection; V8 marks a memory-reducing one "(reduce)", and runs none on its own while idle.
    const p = spawn(process.execPath, ['--trace-gc', '--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', dir], {
      cwd: repo,
      env: {
        ...process.env,
        HYBRID_AI_TOKEN: 'settle-test-token-0123456789',
        OLLAMA_HOST: '127.0.0.1:9',
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        HYBRID_AI_LOCAL_MODEL: '',
        ANTHROPIC_API_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const reduced = await new Promise<boolean>((resolve) => {
        const poll = setInterval(() => {
          const banner = out.indexOf('Hybrid AI Stack http');
          if (banner >= 0 && out.indexOf('Mark-Compact (reduce)', banner) > banner) done(true);
        }, 50);
        const timer = setTimeout(() => done(false), 30_000);
        const done = (v: boolean): void => {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(v);
        };
        p.once('exit', () => done(false));
      });
      expect(reduced, out.slice(-2000)).toBe(true);
    } finally {
      if (p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
