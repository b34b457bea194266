// scripts/fetch-ollama.ts against a real HTTP server on loopback serving stand-in assets (not Ollama's real release files).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOllama, FetchError, OLLAMA_ASSETS, selectAssets, type OllamaAsset } from '../../scripts/fetch-ollama.js';

const work = mkdtempSync(path.join(tmpdir(), 'fetch-ollama-'));
const files = new Map<string, Buffer>();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
let server: Server;
let base: string;

beforeAll(async () => {
  files.set('ollama-test', Buffer.from('#!/bin/sh\necho stand-in ollama\n'));
  // A tgz laid out like the Linux release: bin/ollama plus lib/ollama.
  const src = path.join(work, 'src');
  mkdirSync(path.join(src, 'bin'), { recursive: true });
  mkdirSync(path.join(src, 'lib', 'ollama'), { recursive: true });
  writeFileSync(path.join(src, 'bin', 'ollama'), '#!/bin/sh\necho stand-in\n');
  writeFileSync(path.join(src, 'lib', 'ollama', 'runner.so'), 'x');
  // The release's GPU runtimes (0.5.x layout): CUDA and ROCm runners and libraries beside the CPU runners.
  for (const d of ['runners/cpu_avx2', 'runners/cuda_v12_avx', 'runners/rocm_avx', 'rocblas/library'])
    mkdirSync(path.join(src, 'lib', 'ollama', d), { recursive: true });
  writeFileSync(path.join(src, 'lib', 'ollama', 'runners', 'cpu_avx2', 'ollama_llama_server'), 'cpu');
  writeFileSync(path.join(src, 'lib', 'ollama', 'runners', 'cuda_v12_avx', 'ollama_llama_server'), 'gpu');
  writeFileSync(path.join(src, 'lib', 'ollama', 'libcublas.so.12'), 'gpu');
  writeFileSync(path.join(src, 'lib', 'ollama', 'libcudart.so.12'), 'gpu');
  writeFileSync(path.join(src, 'lib', 'ollama', 'libamdhip64.so.6'), 'gpu');
  const tgz = path.join(work, 'ollama-test.tgz');
  expect(spawnSync('tar', ['-czf', tgz, '-C', src, 'bin', 'lib']).status).toBe(0);
  files.set('ollama-test.tgz', readFileSync(tgz));
  server = createServer((req, res) => {
    const body = files.get((req.url ?? '').replace(/^\/v1\//, ''));
    if (!body) return void res.writeHead(404).end('no such asset');
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

const quiet = (): void => undefined;
const asset = (over: Partial<OllamaAsset>): OllamaAsset => ({
  target: 'linux-x64',
  asset: 'ollama-test',
  sha256: sha(files.get('ollama-test')!),
  kind: 'binary',
  binary: 'ollama',
  ...over,
});

describe('fetch-ollama', () => {
  it('installs a binary whose sha256 matches, with the exec bit, and leaves no temp files', async () => {
    const out = path.join(work, 'ok');
    await fetchOllama({ assets: [asset({})], outDir: out, baseUrl: base, log: quiet });
    const bin = path.join(out, 'linux-x64', 'ollama');
    expect(readFileSync(bin)).toEqual(files.get('ollama-test'));
    if (process.platform !== 'win32') expect(statSync(bin).mode & 0o111).toBe(0o111);
    expect(readdirSync(out)).toEqual(['linux-x64']);
    // A second run finds it in place and does not download again.
    const lines: string[] = [];
    await fetchOllama({ assets: [asset({})], outDir: out, baseUrl: base, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('already present');
  });

  it('unpacks a tgz release (bin/ollama + lib/ollama) after the checksum matches', async () => {
    const out = path.join(work, 'tgz');
    const a = asset({ asset: 'ollama-test.tgz', sha256: sha(files.get('ollama-test.tgz')!), kind: 'tgz', binary: 'bin/ollama' });
    await fetchOllama({ assets: [a], outDir: out, baseUrl: base, log: quiet });
    expect(statSync(path.join(out, 'linux-x64', 'bin', 'ollama')).mode & 0o111).toBe(0o111);
    expect(statSync(path.join(out, 'linux-x64', 'lib', 'ollama', 'runner.so')).isFile()).toBe(true);
    // Trimmed to the CPU runners: no CUDA / ROCm runtime reaches the installer.
    const lib = path.join(out, 'linux-x64', 'lib', 'ollama');
    expect(readdirSync(lib).sort()).toEqual(['runner.so', 'runners']);
    expect(readdirSync(path.join(lib, 'runners'))).toEqual(['cpu_avx2']);
    expect(readFileSync(path.join(lib, 'runners', 'cpu_avx2', 'ollama_llama_server'), 'utf8')).toBe('cpu');
  });

  it('installs nothing when the checksum does not match, and keeps an earlier install intact', async () => {
    const out = path.join(work, 'bad');
    const wrong = asset({ sha256: 'a'.repeat(64) });
    await expect(fetchOllama({ assets: [wrong], outDir: out, baseUrl: base, log: quiet })).rejects.toThrow(
      /Checksum mismatch for ollama-test: expected sha256 a{64}, got [0-9a-f]{64}\. Nothing was installed/,
    );
    expect(readdirSync(out)).toEqual([]);

    await fetchOllama({ assets: [asset({})], outDir: out, baseUrl: base, log: quiet });
    await expect(fetchOllama({ assets: [{ ...wrong, sha256: 'b'.repeat(64) }], outDir: out, baseUrl: base, log: quiet })).rejects.toThrow(
      FetchError,
    );
    expect(readFileSync(path.join(out, 'linux-x64', 'ollama'))).toEqual(files.get('ollama-test'));
    expect(readdirSync(out)).toEqual(['linux-x64']);
  });

  it('names a missing asset (404) and refuses a target without a pinned checksum', async () => {
    const out = path.join(work, 'missing');
    await expect(fetchOllama({ assets: [asset({ asset: 'nope' })], outDir: out, baseUrl: base, log: quiet })).rejects.toThrow(
      /answered 404 .*\/nope/,
    );
    const darwin = OLLAMA_ASSETS.find((a) => a.target === 'darwin-arm64')!;
    await expect(fetchOllama({ assets: [darwin], outDir: out, baseUrl: base, log: quiet })).rejects.toThrow(
      /No sha256 is pinned for ollama-darwin \(darwin-arm64\): .*ollama\/ollama#8136/,
    );
  });

  it('pins a version and a well-formed sha256 (or a reason) for every packaged platform', () => {
    const targets = OLLAMA_ASSETS.map((a) => a.target).sort();
    expect(targets).toEqual(['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']);
    for (const a of OLLAMA_ASSETS) expect(a.sha256 === null ? a.missingReason : a.sha256).toMatch(a.sha256 ? /^[0-9a-f]{64}$/ : /\S/);
    expect(selectAssets([], false, 'linux').map((a) => a.target)).toEqual(['linux-x64', 'linux-arm64']);
    expect(() => selectAssets(['beos-x86'], false)).toThrow(/Unknown target "beos-x86"\. Valid: linux-x64, /);
  });

  it('the CLI fails with a clear message and a non-zero exit code when the server cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const out = path.join(work, 'offline');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/fetch-ollama.ts', '--target', 'linux-x64', '--out', out, '--base-url', `http://127.0.0.1:${port}/x`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/fetch-ollama: Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): fetching Ollama needs network access/);
    expect(readdirSync(out)).toEqual([]);
  });
});
