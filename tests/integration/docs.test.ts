// The documentation's commands run: every ```bash runnable block in docs/*.md is executed against a real gateway
// (llama.cpp on a generated GGUF, the Claude stand-in) with HYBRID_AI_URL and HYBRID_AI_TOKEN set as the docs tell the
// reader to, and must exit 0; an ```output block right after it must match what it printed. Error messages the docs
// quote (```text error blocks) must still be in the source.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const docsDir = path.join(root, 'docs');

/** A fenced block: its info string, where it starts (1-based line of the fence), and its text. */
interface Fence {
  info: string;
  line: number;
  text: string;
}

/** The fenced blocks of a Markdown text, in order (``` fences only, as the docs use). */
function fences(md: string): Fence[] {
  const out: Fence[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({ info: open[1]!.trim(), line: start + 1, text: body.join('\n') });
  }
  return out;
}

/** A runnable command and the output the page shows for it (absent: only the exit status is checked). */
interface Runnable {
  where: string;
  code: string;
  expected?: string[];
}

function runnables(file: string): Runnable[] {
  const md = readFileSync(path.join(docsDir, file), 'utf8');
  const fs = fences(md);
  const lines = md.split('\n');
  const out: Runnable[] = [];
  fs.forEach((f, i) => {
    if (f.info !== 'bash runnable') return;
    const next = fs[i + 1];
    // The output block belongs to the command when only blank lines separate them.
    const closing = f.line + f.text.split('\n').length + 1;
    const between = next ? lines.slice(closing, next.line - 1) : [];
    const expected = next?.info === 'output' && between.every((l) => l.trim() === '') ? next.text.split('\n') : undefined;
    out.push({ where: `${file}:${f.line}`, code: f.text, expected });
  });
  return out;
}

/** Output lines against expected ones; a line `...` stands for any number of lines. Trailing spaces are ignored. */
function outputMatches(actual: string[], expected: string[]): boolean {
  const a = actual.map((l) => l.trimEnd());
  const e = expected.map((l) => l.trimEnd());
  const go = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === '...') {
      for (let k = i; k <= a.length; k++) if (go(k, j + 1)) return true;
      return false;
    }
    return i < a.length && a[i] === e[j] && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const pages = readdirSync(docsDir)
  .filter((f) => f.endsWith('.md'))
  .sort();
const blocks = pages.flatMap(runnables);

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

describe('docs/', () => {
  it('has runnable commands on the pages that promise them, and each page the index lists', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(30);
    for (const page of ['quick-start.md', 'routing.md', 'cost.md', 'troubleshooting.md', 'api.md', 'security.md', 'monitoring.md']) {
      expect(
        blocks.some((b) => b.where.startsWith(`${page}:`)),
        page,
      ).toBe(true);
    }
    const index = readFileSync(path.join(docsDir, 'README.md'), 'utf8');
    for (const link of index.matchAll(/\]\(([a-z-]+\.md|ARCHITECTURE\.md)\)/gi)) expect(pages).toContain(link[1]);
  });

  it('matches outputs line by line, with "..." for any lines', () => {
    expect(outputMatches(['a', 'b', 'c'], ['a', '...', 'c'])).toBe(true);
    expect(outputMatches(['a', 'c'], ['a', '...', 'c'])).toBe(true);
    expect(outputMatches(['a', 'b'], ['a', 'c'])).toBe(false);
    expect(outputMatches(['a', 'b'], ['a'])).toBe(false);
  });

  it('quotes only error messages the server still sends (each fixed part is in router-core)', () => {
    const source = tsFiles(path.join(root, 'router-core'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const quoted = pages.flatMap((p) =>
      fences(readFileSync(path.join(docsDir, p), 'utf8'))
        .filter((f) => f.info === 'text error')
        .flatMap((f) => f.text.split('\n')),
    );
    expect(quoted.length).toBeGreaterThanOrEqual(8);
    const missing = quoted.flatMap((line) =>
      line
        .split('…')
        .map((part) => part.trim())
        .filter((part) => part.length >= 4 && !source.includes(part)),
    );
    expect(missing).toEqual([]);
  });

  for (const b of blocks) {
    it(`runs ${b.where}`, async () => {
      let stdout = '';
      let stderr = '';
      let code = 0;
      try {
        ({ stdout, stderr } = await run('bash', ['-e', '-o', 'pipefail', '-c', b.code], {
          cwd: root,
          env: { ...process.env, HYBRID_AI_URL: gw.srv.url, HYBRID_AI_TOKEN: TOKEN },
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        }));
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        code = typeof err.code === 'number' ? err.code : 1;
        stdout = err.stdout ?? '';
        stderr = err.stderr ?? '';
      }
      expect(code, `${b.where} exited ${code}\n${b.code}\nstdout: ${stdout}\nstderr: ${stderr}`).toBe(0);
      if (b.expected) {
        const actual = stdout.replace(/\n+$/, '').split('\n');
        expect(
          outputMatches(actual, b.expected),
          `${b.where}: output differs from the page\n--- page\n${b.expected.join('\n')}\n--- got\n${actual.join('\n')}`,
        ).toBe(true);
      }
    }, 150_000);
  }
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return tsFiles(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}
