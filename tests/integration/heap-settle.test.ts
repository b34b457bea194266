// compactHeap (router-core/server/heap-settle.ts) in a fresh Node process: the young generation start-up grew is given back.
import { execFileSync } from 'node:child_process';
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
