// Model downloads against a real loopback HTTP server serving a generated GGUF: resume, checksum, 404, full disk, cancel, traversal.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadEvent, DownloadProgress } from '../../router-core/contracts/events.js';
import { listModelsOnDisk, deleteModelFiles, modelPath, resolveModelSources, type ModelSource } from '../../router-core/host/catalog.js';
import { createDownloadManager, downloadModel, pullViaOllama, type DownloadIo } from '../../router-core/host/downloads.js';
import { localModels } from '../../router-core/data/models.js';
import { isCoreError } from '../../router-core/errors.js';
import { buildTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startFileServer, type FileServer } from '../fixtures/gguf-server.js';
import { startOllamaStandIn } from '../stand-ins/ollama-server.js';

const gguf = buildTinyGguf(7);
const sha = createHash('sha256').update(gguf).digest('hex');
const FILE = 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf';
let server: FileServer;
let root: string;
let modelsDir: string;

/** The catalog's TinyLlama entry, pointed at the loopback server and the generated file. */
const source = (over: Partial<ModelSource> = {}): ModelSource => ({
  id: 'tinyllama',
  label: 'TinyLlama 1.1B Chat',
  file: FILE,
  url: `${server.url}/${FILE}`,
  sizeBytes: gguf.length,
  sha256: sha,
  licence: 'Apache-2.0',
  ollamaTag: 'tinyllama:1.1b',
  ollamaNote: "Ollama's tinyllama:1.1b is a Q4_0 build of the same model, not this Q4_K_M file",
  ...over,
});
/** Small margin and no backoff: the tests are about behaviour, not about the machine's free space or patience. */
const base = () => ({ modelsDir, diskMarginBytes: 0, retryDelayMs: () => 5 });

const finalPath = () => path.join(modelsDir, FILE);
const partPath = () => `${finalPath()}.part`;

beforeAll(async () => {
  server = await startFileServer();
  server.put(FILE, gguf);
});
afterAll(() => server.close());
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hai-dl-'));
  modelsDir = path.join(root, 'models');
  server.set({});
  server.requests.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('downloadModel', () => {
  it('downloads, verifies the sha256, renames, and reports queued → downloading → verifying → done', async () => {
    server.set({ chunkBytes: 16 * 1024 });
    const events: DownloadProgress[] = [];
    const p = await downloadModel(source(), { ...base(), onProgress: (e) => events.push(e) });
    expect(p).toMatchObject({ state: 'done', bytes: gguf.length, totalBytes: gguf.length, modelId: 'tinyllama' });
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
    expect(readdirSync(modelsDir)).toEqual([FILE]); // no .part, no .lock
    const states = events.map((e) => e.state).filter((s, i, a) => s !== a[i - 1]);
    expect(states).toEqual(['queued', 'downloading', 'verifying', 'done']);
    const downloading = events.filter((e) => e.state === 'downloading').map((e) => e.bytes);
    expect(downloading).toEqual([...downloading].sort((a, b) => a - b));
    expect(server.requests).toEqual([{ path: FILE, range: undefined }]);
  });

  it('a connection cut at 50% resumes automatically with a Range request; the final file is identical', async () => {
    const half = Math.floor(gguf.length / 2);
    server.set({ cutAfterBytes: half, chunkBytes: 16 * 1024 });
    const events: DownloadProgress[] = [];
    const p = await downloadModel(source(), { ...base(), onProgress: (e) => events.push(e) });
    expect(p.state).toBe('done');
    expect(server.requests).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(half);
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
    expect(
      events.some(
        (e) => e.state === 'downloading' && /Connection (lost|closed) .*Resuming at .* \(attempt 1 of \d\)/.test(e.message ?? ''),
      ),
    ).toBe(true);
  });

  it('without retries a cut leaves only the .part; the next pull sends Range and finishes the identical file', async () => {
    const half = Math.floor(gguf.length / 2);
    server.set({ cutAfterBytes: half, chunkBytes: 16 * 1024 });
    const first = await downloadModel(source(), { ...base(), retries: 0 });
    expect(first).toMatchObject({ state: 'failed', errorType: 'upstream_unavailable' });
    expect(first.message).toMatch(/Connection (lost|closed) after/);
    expect(existsSync(finalPath())).toBe(false);
    const kept = statSync(partPath()).size;
    expect(kept).toBeGreaterThan(0);

    server.set({});
    const second = await downloadModel(source(), base());
    expect(second).toMatchObject({ state: 'done', resumedFromBytes: kept });
    expect(server.requests.at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
    expect(existsSync(partPath())).toBe(false);
  });

  it('a server that ignores Range restarts from zero and still ends with the right file', async () => {
    // A part left by an earlier attempt; the server answers the Range request with the whole file (200).
    mkdirSync(modelsDir, { recursive: true });
    writeFileSync(partPath(), gguf.subarray(0, 1000));
    server.set({ ignoreRange: true });
    const p = await downloadModel(source(), base());
    expect(p.state).toBe('done');
    expect(server.requests.map((r) => r.range)).toEqual(['bytes=1000-']);
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
  });

  it('a stalled connection (headers sent, then silence) is dropped and resumed, instead of hanging', async () => {
    // Every response sends one chunk at once, then stalls for a second; the watchdog gives up after 150 ms.
    const chunk = Math.ceil(gguf.length / 3);
    server.set({ chunkBytes: chunk, chunkDelayMs: 1_000 });
    const p = await downloadModel(source(), { ...base(), stallTimeoutMs: 150 });
    expect(p.state).toBe('done');
    expect(server.requests.map((r) => r.range)).toEqual([undefined, `bytes=${chunk}-`, `bytes=${2 * chunk}-`]);
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
  });

  it('a wrong checksum deletes the temp file, says so clearly, and puts nothing under the final name', async () => {
    const wrong = 'ab'.repeat(32);
    const p = await downloadModel(source({ sha256: wrong }), base());
    expect(p).toMatchObject({ state: 'failed', errorType: 'upstream_error' });
    expect(p.message).toContain(`Checksum mismatch for ${FILE}: expected sha256 ${wrong}, got ${sha}`);
    expect(p.message).toMatch(/deleted/);
    expect(readdirSync(modelsDir)).toEqual([]);
  });

  it('a server error is retried; failures in a row without progress end in failed after the retries', async () => {
    server.set({ status: 503 });
    const p = await downloadModel(source(), { ...base(), retries: 2 });
    expect(p).toMatchObject({ state: 'failed', errorType: 'upstream_unavailable' });
    expect(p.message).toMatch(/The server answered 503 Service Unavailable for /);
    expect(server.requests).toHaveLength(3);
    expect(existsSync(finalPath())).toBe(false);
  });

  it('a 404 fails with not_found naming the URL, and writes nothing', async () => {
    const p = await downloadModel(source({ url: `${server.url}/missing.gguf` }), base());
    expect(p).toMatchObject({ state: 'failed', errorType: 'not_found' });
    expect(p.message).toContain(`404 Not Found at ${server.url}/missing.gguf`);
    expect(readdirSync(modelsDir)).toEqual([]);
  });

  it('a size the catalog does not expect is refused before writing', async () => {
    const p = await downloadModel(source({ sizeBytes: gguf.length + 1 }), base());
    expect(p).toMatchObject({ state: 'failed', errorType: 'upstream_error' });
    expect(p.message).toMatch(new RegExp(`offers ${gguf.length} bytes .* expects ${gguf.length + 1}`));
    expect(existsSync(finalPath())).toBe(false);
  });

  it('too little free disk is refused before any request', async () => {
    const p = await downloadModel(source(), { ...base(), diskMarginBytes: 1024, io: { diskFreeBytes: async () => gguf.length } });
    expect(p).toMatchObject({ state: 'failed', errorType: 'insufficient_storage' });
    expect(p.message).toMatch(/Not enough disk space for TinyLlama 1\.1B Chat: .* headroom, but only .* free in /);
    expect(server.requests).toHaveLength(0);
    expect(readdirSync(modelsDir)).toEqual([]);
  });

  it('a disk that fills up mid-download (ENOSPC) fails clearly, keeps the part, and a later pull resumes', async () => {
    const limit = Math.floor(gguf.length * 0.4);
    const { open } = await import('node:fs/promises');
    const fullDisk: Partial<DownloadIo> = {
      openPart: async (file) => {
        const h = await open(file, 'a');
        return {
          async write(chunk) {
            const size = (await h.stat()).size;
            if (size + chunk.length > limit) {
              // A real full disk accepts what fits, then fails.
              await h.write(chunk, 0, Math.max(0, limit - size));
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            }
            await h.write(chunk);
          },
          close: () => h.close(),
        };
      },
    };
    server.set({ chunkBytes: 8 * 1024 });
    const p = await downloadModel(source(), { ...base(), io: fullDisk });
    expect(p).toMatchObject({ state: 'failed', errorType: 'insufficient_storage' });
    expect(p.message).toMatch(/The disk filled up while downloading .* Free some space and pull again/);
    expect(existsSync(finalPath())).toBe(false);
    expect(statSync(partPath()).size).toBe(limit);

    const again = await downloadModel(source(), base());
    expect(again).toMatchObject({ state: 'done', resumedFromBytes: limit });
    expect(readFileSync(finalPath()).equals(gguf)).toBe(true);
  });

  it('cancel via AbortSignal stops promptly, keeps the part for a resume, and never creates the final file', async () => {
    server.set({ chunkBytes: 4 * 1024, chunkDelayMs: 20 });
    const ac = new AbortController();
    const p = await downloadModel(source(), {
      ...base(),
      signal: ac.signal,
      onProgress: (e) => {
        if (e.state === 'downloading' && e.bytes > 0) ac.abort();
      },
    });
    expect(p.state).toBe('cancelled');
    expect(p.message).toMatch(/kept in .*\.part, a later pull resumes/);
    expect(existsSync(finalPath())).toBe(false);
    expect(statSync(partPath()).size).toBeLessThan(gguf.length);
    expect(existsSync(`${partPath()}.lock`)).toBe(false);
  });

  it('a catalog entry with a bad URL or an unsafe file name fails naming the entry, touching nothing', async () => {
    const bad = await downloadModel(source({ url: 'ftp://example.com/x.gguf' }), base());
    expect(bad).toMatchObject({ state: 'failed', errorType: 'invalid_request' });
    expect(bad.message).toBe('Catalog entry "tinyllama" has a bad URL "ftp://example.com/x.gguf" (only http and https are allowed).');
    const evil = await downloadModel(source({ file: '../../escape.gguf' }), base());
    expect(evil).toMatchObject({ state: 'failed', errorType: 'invalid_request' });
    expect(evil.message).toMatch(/unsafe file name "\.\.\/\.\.\/escape\.gguf"/);
    expect(existsSync(path.join(root, 'escape.gguf'))).toBe(false);
    expect(existsSync(path.join(path.dirname(root), 'escape.gguf'))).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe('catalog paths', () => {
  it('modelPath refuses traversal, separators and non-gguf names', () => {
    for (const f of ['../../etc/passwd', '../x.gguf', 'a/b.gguf', '/etc/x.gguf', '.hidden.gguf', 'x.gguf/..', 'x.bin']) {
      expect(() => modelPath(modelsDir, f), f).toThrow(/Refusing the model file name/);
    }
    expect(modelPath(modelsDir, FILE)).toBe(path.join(path.resolve(modelsDir), FILE));
  });
});

describe('download manager', () => {
  const sources = () => resolveModelSources({}).map((s) => (s.id === 'tinyllama' ? source() : s));

  it('an unknown id such as ../../etc/passwd is refused with the valid ids; a cloud id too', async () => {
    const m = createDownloadManager({ ...base(), sources: sources() });
    const err = await m.start('../../etc/passwd').catch((e: unknown) => e);
    expect(isCoreError(err) && err.type).toBe('invalid_request');
    expect((err as Error).message).toBe(`Unknown local model "../../etc/passwd". Valid: ${localModels.map((x) => x.id).join(', ')}.`);
    await expect(m.start('claude-sonnet')).rejects.toThrow(/"claude-sonnet" is a cloud model: there is nothing to download/);
    expect(existsSync(modelsDir)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('one download per model: a second start joins the first; list and events show progress; rm frees the space', async () => {
    server.set({ chunkBytes: 32 * 1024, chunkDelayMs: 5 });
    const m = createDownloadManager({ ...base(), sources: sources() });
    const seen: DownloadEvent[] = [];
    m.subscribe((e) => seen.push(e));
    const a = await m.start('tinyllama');
    const b = await m.start('TinyLlama-1.1B'); // an alias of the same model
    expect(a.modelId).toBe('tinyllama');
    expect(b.modelId).toBe('tinyllama');
    expect(m.isActive('tinyllama')).toBe(true);
    expect(m.list().map((p) => p.modelId)).toEqual(['tinyllama']);
    const final = await m.wait('tinyllama');
    expect(final?.state).toBe('done');
    expect(server.requests).toHaveLength(1);
    expect(seen.at(-1)!.progress.state).toBe('done');
    expect(seen.every((e) => e.type === 'download' && e.progress.modelId === 'tinyllama')).toBe(true);
    expect(m.isActive('tinyllama')).toBe(false);

    const disk = await listModelsOnDisk(modelsDir, sources());
    expect(disk.models.find((x) => x.id === 'tinyllama')).toMatchObject({ present: true, bytesOnDisk: gguf.length, partialBytes: 0 });
    expect(disk.models.find((x) => x.id === 'phi2')).toMatchObject({ present: false, bytesOnDisk: 0 });
    expect(disk.diskUsedBytes).toBe(gguf.length);
    expect(await deleteModelFiles(modelsDir, { id: 'tinyllama', file: FILE })).toEqual({ freedBytes: gguf.length });
    await expect(deleteModelFiles(modelsDir, { id: 'tinyllama', file: FILE })).rejects.toThrow(/not on disk/);
    await m.close();
  });

  it('cancel through the manager ends in cancelled; cancelling nothing is not_found', async () => {
    server.set({ chunkBytes: 2 * 1024, chunkDelayMs: 30 });
    const m = createDownloadManager({ ...base(), sources: sources() });
    await m.start('tinyllama');
    await new Promise<void>((resolve) => {
      const off = m.subscribe((e) => {
        if (e.progress.bytes > 0 && e.progress.state === 'downloading') {
          off();
          resolve();
        }
      });
    });
    m.cancel('tinyllama');
    expect((await m.wait('tinyllama'))?.state).toBe('cancelled');
    expect(() => m.cancel('tinyllama')).toThrow(/No download of "tinyllama" is running/);
    expect(existsSync(finalPath())).toBe(false);
  });

  it('refuses at once (insufficient_storage) when the disk cannot hold the model', async () => {
    const m = createDownloadManager({ ...base(), sources: sources(), io: { diskFreeBytes: async () => 10 } });
    const err = await m.start('tinyllama').catch((e: unknown) => e);
    expect(isCoreError(err) && err.type).toBe('insufficient_storage');
    expect(m.list()).toEqual([]);
  });
});

describe('resolveModelSources', () => {
  it('the real catalog: https Hugging Face URLs pinned to a commit, sizes and sha256 for every local model', () => {
    for (const s of resolveModelSources({})) {
      expect(s.url).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\/[^/]+\.gguf$/);
      expect(s.url.endsWith(`/${s.file}`)).toBe(true);
      expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(s.sizeBytes).toBeGreaterThan(500_000_000);
    }
  });

  it('HYBRID_AI_MODEL_BASE_URL mirrors every file; HYBRID_AI_MODEL_CATALOG overrides fields; bad input names the problem', () => {
    const mirrored = resolveModelSources({ HYBRID_AI_MODEL_BASE_URL: 'http://127.0.0.1:1/m/' });
    expect(mirrored.find((s) => s.id === 'phi2')!.url).toBe('http://127.0.0.1:1/m/phi-2.Q4_K_M.gguf');
    const f = path.join(root, 'catalog.json');
    writeFileSync(f, JSON.stringify({ tinyllama: { sizeBytes: 10, sha256: 'A'.repeat(64) } }));
    const o = resolveModelSources({ HYBRID_AI_MODEL_CATALOG: f }).find((s) => s.id === 'tinyllama')!;
    expect(o).toMatchObject({ sizeBytes: 10, sha256: 'a'.repeat(64), file: FILE });
    writeFileSync(f, JSON.stringify({ '../x': {} }));
    expect(() => resolveModelSources({ HYBRID_AI_MODEL_CATALOG: f })).toThrow(
      /Unknown model "\.\.\/x" in HYBRID_AI_MODEL_CATALOG file .* Valid: .*tinyllama/,
    );
    writeFileSync(f, JSON.stringify({ tinyllama: { file: 'evil.gguf' } }));
    expect(() => resolveModelSources({ HYBRID_AI_MODEL_CATALOG: f })).toThrow(/Invalid "tinyllama\.file" .* valid fields are url/);
    writeFileSync(f, JSON.stringify({ tinyllama: { url: 'not a url' } }));
    expect(() => resolveModelSources({ HYBRID_AI_MODEL_CATALOG: f })).toThrow(
      'Catalog entry "tinyllama" has a bad URL "not a url" (not a URL).',
    );
    expect(() => resolveModelSources({ HYBRID_AI_MODEL_BASE_URL: 'file:///etc' })).toThrow(/Invalid HYBRID_AI_MODEL_BASE_URL/);
  });
});

describe('pullViaOllama', () => {
  it('reports Ollama’s layer progress as download events and can be cancelled', async () => {
    // Steps slower than the 250 ms progress throttle, so byte counts are reported before the end.
    const ollama = await startOllamaStandIn({ pullStepMs: 150 });
    try {
      const events: DownloadProgress[] = [];
      const done = await pullViaOllama(source(), { ollamaUrl: ollama.url, onProgress: (e) => events.push(e) });
      expect(done).toMatchObject({ state: 'done', via: 'ollama', file: 'tinyllama:1.1b', bytes: 4096 });
      expect(events.map((e) => e.state).filter((s, i, a) => s !== a[i - 1])).toEqual(['queued', 'downloading', 'verifying', 'done']);

      const ac = new AbortController();
      const cancelled = await pullViaOllama(source({ ollamaTag: 'phi:2.7b' }), {
        ollamaUrl: ollama.url,
        signal: ac.signal,
        onProgress: (e) => {
          if (e.state === 'downloading' && e.bytes > 0) ac.abort();
        },
      });
      expect(cancelled.state).toBe('cancelled');
      // The pull never reached "success": Ollama does not list the tag.
      const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
      expect(tags.models.map((m) => m.name)).toEqual(['tinyllama:1.1b']);
    } finally {
      await ollama.close();
    }
  });
});

describe('download redirects', () => {
  /** A loopback server that answers every request with a redirect to `to`. */
  async function redirector(to: string): Promise<{ url: string; close(): Promise<void> }> {
    const { createServer } = await import('node:http');
    const srv = createServer((_req, res) => res.writeHead(302, { location: to }).end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => srv.close(() => r())) };
  }

  it('refuses a redirect to another host or port, and plain HTTP to another machine; writes nothing', async () => {
    const otherPort = await redirector(`${server.url}/${FILE}`);
    const otherHost = await redirector(`${server.url.replace('127.0.0.1', 'localhost')}/${FILE}`);
    const insecure = await redirector(`http://example.invalid/${FILE}`);
    try {
      // The file server is 127.0.0.1 on another port: another origin, so not the catalog's host.
      const p1 = await downloadModel(source({ url: `${otherPort.url}/${FILE}` }), { ...base(), retries: 0 });
      expect(p1).toMatchObject({ state: 'failed', errorType: 'upstream_error' });
      expect(p1.message).toMatch(/Refusing a redirect to 127\.0\.0\.1:\d+: downloads go only to the catalog's host/);
      const p2 = await downloadModel(source({ url: `${otherHost.url}/${FILE}` }), { ...base(), retries: 0 });
      expect(p2.message).toMatch(/Refusing a redirect to localhost:\d+/);
      const p3 = await downloadModel(source({ url: `${insecure.url}/${FILE}` }), { ...base(), retries: 0 });
      expect(p3.message).toMatch(/Refusing to download over http: example\.invalid must be reached over HTTPS/);
      expect(server.requests).toEqual([]);
      expect(existsSync(finalPath())).toBe(false);
    } finally {
      await otherPort.close();
      await otherHost.close();
      await insecure.close();
    }
  });

  it('a catalog URL over plain HTTP to another machine is refused before any request', async () => {
    const p = await downloadModel(source({ url: `http://example.invalid/${FILE}` }), { ...base(), retries: 0 });
    expect(p).toMatchObject({ state: 'failed', errorType: 'upstream_error' });
    expect(p.message).toMatch(/must be reached over HTTPS/);
  });
});
