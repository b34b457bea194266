// The warning logged for a request that failed on the server's side (a 5xx other than an internal error) keeps the
// reason: one JSON object per line with one `msg`, "request failed", and the error's message under `error`. Before,
// the message went in as a second `msg` key, so any JSON reader (jq, Loki, a log shipper) kept only the last one and
// lost why the request failed. Real server on loopback, real llama.cpp asked to load a file that is not a GGUF.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let dir = '';
let srv: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-failed-log-'));
  const notGguf = path.join(dir, 'broken.gguf');
  writeFileSync(notGguf, 'this is not a GGUF file\n');
  srv = await startTestServer({ env: { HYBRID_AI_LOCAL_MODEL: notGguf }, args: ['--tier', '2', '--threads', '1'] });
}, 60_000);

afterAll(async () => {
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the "request failed" log line', () => {
  it('is valid JSON with one msg and the error message under "error"', async () => {
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ model: 'auto', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).toMatch(/^Local model broken could not be loaded: /);

    const lines = srv.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes('"request failed"'));
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.match(/"msg":/g)).toHaveLength(1);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: 'request failed', type: 'upstream_error', error: body.error.message });
  }, 30_000);
});
