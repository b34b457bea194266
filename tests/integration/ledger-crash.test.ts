// kill -9 of a real server process under load: every answered request has its full ledger row, none is torn.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { TOKEN } from './helpers.js';

let ollama: OllamaStandIn;
let dataDir: string;

beforeAll(async () => {
  ollama = await startOllamaStandIn({ models: ['tinyllama:1.1b', 'phi:2.7b'], tokenDelayMs: 0, answerWords: 6 });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hai-crash-'));
});
afterAll(async () => {
  await ollama.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ledger durability', () => {
  it('survives kill -9 in the middle of a load', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, HYBRID_AI_TOKEN: TOKEN, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Hybrid AI Stack (http:\/\/[^\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));

    const answered: string[] = [];
    let stop = false;
    // Bounded load: 8 concurrent clients on loopback until the kill, at most 10 s.
    const deadline = Date.now() + 10_000;
    const clients = Array.from({ length: 8 }, async (_, i) => {
      while (!stop && Date.now() < deadline) {
        try {
          const res = await fetch(`${url}/api/v1/chat`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({ prompt: `hello number ${i}` }),
          });
          const body = (await res.json()) as { id?: string };
          if (res.status === 200 && body.id) answered.push(body.id);
        } catch {
          // The kill cuts connections: those requests were never reported as done.
        }
      }
    });
    await expect.poll(() => answered.length, { timeout: 8000, interval: 20 }).toBeGreaterThanOrEqual(150);
    child.kill('SIGKILL');
    stop = true;
    expect(await exited).toBe('SIGKILL');
    await Promise.all(clients);

    const db = new Database(path.join(dataDir, 'ledger.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT * FROM requests').all() as Array<Record<string, unknown>>;
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      const missing = answered.filter((id) => !byId.has(id));
      expect(missing).toEqual([]);
      for (const id of answered) {
        expect(byId.get(id)).toMatchObject({ status: 'ok', model: 'tinyllama', engine: 'ollama', protocol: 'native' });
        expect(byId.get(id)!.output_tokens).toBeGreaterThan(0);
      }
      for (const r of rows) {
        expect(['ok', 'error', 'aborted']).toContain(r.status);
        expect(typeof r.ts).toBe('number');
        expect(() => JSON.parse(r.reasons as string)).not.toThrow();
      }
    } finally {
      db.close();
    }
  }, 30_000);
});
