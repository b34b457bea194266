// `hybrid-ai models list|pull|rm` as a real process against a loopback server serving a generated GGUF.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localModels } from '../../router-core/data/models.js';
import { recommendationsFor } from '../../router-core/data/tiers.js';
import { buildTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startFileServer, type FileServer } from '../fixtures/gguf-server.js';
import { camelKeys } from '../fixtures/wire-keys.js';

const BIN = path.resolve('bin/hybrid-ai.mjs');
const TINY = 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf';
const gguf = buildTinyGguf(3);
const sha = createHash('sha256').update(gguf).digest('hex');
let server: FileServer;
let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startFileServer();
  server.put(TINY, gguf);
  server.put('phi-2.Q4_K_M.gguf', gguf);
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-models-cli-'));
  dataDir = path.join(dir, 'data');
  const catalog = path.join(dir, 'catalog.json');
  writeFileSync(
    catalog,
    JSON.stringify({
      tinyllama: { url: `${server.url}/${TINY}`, sizeBytes: gguf.length, sha256: sha },
      // Served bytes that do not match the sha256 the catalog names.
      phi2: { url: `${server.url}/phi-2.Q4_K_M.gguf`, sizeBytes: gguf.length, sha256: 'cd'.repeat(32) },
      'mistral-7b': { url: `${server.url}/nowhere.gguf`, sizeBytes: gguf.length },
    }),
  );
  env = {
    ...process.env,
    HYBRID_AI_DATA_DIR: dataDir,
    HYBRID_AI_MODEL_CATALOG: catalog,
    HYBRID_AI_TOKEN: '',
    HYBRID_AI_MODEL_BASE_URL: '',
  };
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
/** Run the CLI without blocking this process (the file server lives here). */
function cli(args: string[], opts: { onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'models', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const modelFile = (f = TINY) => path.join(dataDir, 'models', f);

describe('hybrid-ai models', () => {
  it('list --json: every catalog model, missing at first, with the tier and what it recommends', async () => {
    const r = await cli(['list', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.models.map((m: { id: string }) => m.id)).toEqual(localModels.map((m) => m.id));
    expect(out.models.find((m: { id: string }) => m.id === 'tinyllama')).toMatchObject({
      id: 'tinyllama',
      present: false,
      size_bytes: gguf.length,
      licence: 'Apache-2.0',
      quantization: 'Q4_K_M',
    });
    expect(out.tier.reason).toMatch(/→ tier [1-4]/);
    expect(out.recommendations).toEqual(recommendationsFor(out.tier.tier));
    expect(out.recommended).toEqual(recommendationsFor(out.tier.tier).map((r) => r.id));
    // No file yet: no rung is answered locally.
    expect(out.answering).toEqual({});
    // Named as GET /api/v1/models/local names them: snake_case at any depth.
    expect(camelKeys(out)).toEqual([]);
    // A custom licence is flagged as such, with the licence text's address.
    expect(out.models.find((m: { id: string }) => m.id === 'llama-3.2-3b')).toMatchObject({
      licence_permissive: false,
      licence: expect.stringMatching(/^custom: Llama 3\.2 Community License \(not permissive: /),
      licence_url: expect.stringMatching(/^https:\/\//),
    });

    // The table says the same in words: each recommendation with its reason, custom licences flagged.
    const table = await cli(['list']);
    expect(table.code).toBe(0);
    for (const r of recommendationsFor(out.tier.tier)) expect(table.stdout).toContain(`  ${r.id}: ${r.reason}\n`);
    expect(table.stdout).toMatch(/^llama-3\.2-3b .*CUSTOM \(not permissive\)/m);
    expect(table.stdout).toMatch(
      /^Licence of llama-3\.2-3b: custom: Llama 3\.2 Community License \(not permissive: .*\); text: https:\/\//m,
    );
  });

  it('pull: progress through every state, verified, the identical file; a second pull finds it present', async () => {
    const r = await cli(['pull', 'tinyllama']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Pulling TinyLlama 1\.1B Chat \(.*, Apache-2\.0\) from http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.stderr).toMatch(/tinyllama {2}downloading +\[/);
    expect(r.stderr).toMatch(/tinyllama {2}verifying/);
    expect(r.stderr).toMatch(/tinyllama {2}done +\[█+\] +100%/);
    expect(r.stderr).toMatch(/downloaded and verified \(sha256 [0-9a-f]{12}…\)/);
    expect(readFileSync(modelFile()).equals(gguf)).toBe(true);

    const again = await cli(['pull', 'tinyllama']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/is already present/);

    const list = await cli(['list']);
    expect(list.stdout).toMatch(/^tinyllama +present .*answers small$/m);
    // The only small file present answers the small rung, whatever the tier recommends for it.
    expect(JSON.parse((await cli(['list', '--json'])).stdout).answering).toEqual({ small: 'tinyllama' });
    expect(list.stdout).toMatch(/^phi2 +missing /m);
    expect(list.stdout).toMatch(/Models folder: .* used, .* free\)/);
  });

  it('a wrong checksum fails with exit 1 and leaves nothing; a 404 too; an unknown id lists the valid ones', async () => {
    const bad = await cli(['pull', 'phi2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /Checksum mismatch for phi-2\.Q4_K_M\.gguf: expected sha256 (cd)+, got [0-9a-f]{64}\. The downloaded file was deleted/,
    );
    expect(existsSync(modelFile('phi-2.Q4_K_M.gguf'))).toBe(false);
    expect(existsSync(`${modelFile('phi-2.Q4_K_M.gguf')}.part`)).toBe(false);

    const missing = await cli(['pull', 'mistral-7b']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404 Not Found at http:\/\/127\.0\.0\.1:\d+\/nowhere\.gguf/);

    const unknown = await cli(['pull', '../../etc/passwd']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`unknown local model "../../etc/passwd". Valid: ${localModels.map((m) => m.id).join(', ')}.`);
    const cloud = await cli(['pull', 'claude-sonnet']);
    expect(cloud.code).toBe(2);
    expect(cloud.stderr).toMatch(/"claude-sonnet" is a cloud model/);
  });

  it('Ctrl-C cancels cleanly (exit 130, part kept, no model file); the next pull resumes with a Range request', async () => {
    await cli(['rm', 'tinyllama']);
    server.set({ chunkBytes: 4 * 1024, chunkDelayMs: 40 });
    let sent = false;
    const r = await cli(['pull', 'tinyllama'], {
      onStderr: (text, child) => {
        if (sent || !/downloading/.test(text)) return;
        sent = true;
        // Interrupt once some bytes are on disk, so there is something to keep (however loaded the machine).
        const poll = setInterval(() => {
          if (existsSync(`${modelFile()}.part`) && statSync(`${modelFile()}.part`).size > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
        child.once('exit', () => clearInterval(poll));
      },
    });
    server.set({});
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Cancelled; .* kept in tinyllama-1\.1b-chat-v1\.0\.Q4_K_M\.gguf\.part, a later pull resumes from there/);
    expect(existsSync(modelFile())).toBe(false);
    const kept = statSync(`${modelFile()}.part`).size;
    expect(kept).toBeGreaterThan(0);

    server.requests.length = 0;
    const resumed = await cli(['pull', 'tinyllama']);
    expect(resumed.code).toBe(0);
    expect(server.requests).toEqual([{ path: TINY, range: `bytes=${kept}-` }]);
    expect(readFileSync(modelFile()).equals(gguf)).toBe(true);
  });

  it('rm deletes the file and says how much was freed; rm of a missing model is an error', async () => {
    const r = await cli(['rm', 'tinyllama']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Deleted tinyllama-1\.1b-chat-v1\.0\.Q4_K_M\.gguf \(\d+\.\d KiB freed\)/);
    expect(existsSync(modelFile())).toBe(false);
    const again = await cli(['rm', 'tinyllama']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Model "tinyllama" is not on disk/);
    const bad = await cli(['frob']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frob" \(valid: list, pull, rm\)/);
  });
});
