// The real server image under a real dockerd, run as docker-compose.yml's gateway service (+ the CI host-network override) would run it.
//
// .ci/run builds the image (scripts/ci-docker.sh: debootstrap base, `docker build --network host`) and exports
// HYBRID_AI_TEST_IMAGE and DOCKER_HOST. The container's settings come from `docker-compose config` (Debian's
// docker-compose resolves the compose file and the CI override), its secrets from deploy-all.sh's own code, its data
// from a named volume, its model from the tiny GGUF; host network, 127.0.0.1 only, never a bridge.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

const image = process.env.HYBRID_AI_TEST_IMAGE ?? '';
// In CI the image must exist (.ci/run builds it); elsewhere, without a built image, the file is skipped.
const wanted = image !== '' || !!process.env.CI;

/** Runs the docker CLI; throws with its output on failure unless `ok` is false. */
function docker(args: string[], ok = true): { status: number; out: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (ok && r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${out}`);
  return { status: r.status ?? -1, out: (r.stdout ?? '').trim() };
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface ResolvedService {
  image: string;
  network_mode?: string;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  mem_limit?: string;
  logging?: { driver: string; options?: Record<string, string> };
  stop_grace_period?: string;
  restart?: string;
  environment: Record<string, string>;
  secrets: Array<{ source: string }>;
  volumes: string[];
}

/** `docker run` arguments equivalent to the resolved compose service (the settings this file relies on). */
function runArgs(svc: ResolvedService, secretFiles: Record<string, string>, volume: string): string[] {
  const a: string[] = [];
  expect(svc.network_mode, 'the CI override puts the gateway on the host network').toBe('host');
  a.push('--network', 'host');
  if (svc.read_only) a.push('--read-only');
  for (const t of svc.tmpfs ?? []) a.push('--tmpfs', t);
  for (const c of svc.cap_drop ?? []) a.push('--cap-drop', c);
  for (const o of svc.security_opt ?? []) a.push('--security-opt', o);
  if (svc.mem_limit) a.push('--memory', svc.mem_limit);
  if (svc.logging) {
    a.push('--log-driver', svc.logging.driver);
    for (const [k, v] of Object.entries(svc.logging.options ?? {})) a.push('--log-opt', `${k}=${v}`);
  }
  if (svc.stop_grace_period) a.push('--stop-timeout', String(Number(/^(\d+)s$/.exec(svc.stop_grace_period)![1])));
  if (svc.restart) a.push('--restart', svc.restart);
  for (const [k, v] of Object.entries(svc.environment)) a.push('-e', `${k}=${v}`);
  // Compose mounts a file secret at /run/secrets/<name>, read-only, with the host file's owner and mode.
  for (const { source } of svc.secrets) a.push('-v', `${secretFiles[source]}:/run/secrets/${source}:ro`);
  for (const v of svc.volumes) {
    const [name, target] = v.split(':');
    expect(name, 'the gateway keeps its data on the named volume').toBe('gateway-data');
    a.push('-v', `${volume}:${target}`);
  }
  return a;
}

describe.runIf(wanted)('the server image, run as compose runs it', () => {
  let tmp: string;
  let port: number;
  let token: string;
  let service: ResolvedService;
  let secretFiles: Record<string, string>;
  const volume = `hai-test-data-${process.pid}`;
  const names: string[] = [];
  let base: string;

  beforeAll(async () => {
    expect(image, 'HYBRID_AI_TEST_IMAGE: .ci/run builds the image (scripts/ci-docker.sh build)').not.toBe('');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-container-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The compose directory as deployed: deploy-all.sh's own code writes the secrets next to the compose file.
    const composeDir = path.join(tmp, 'server-images');
    cpSync('server-images', composeDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}secrets${path.sep}`) });
    cpSync('deploy-all.sh', path.join(tmp, 'deploy-all.sh'));
    const made = spawnSync('bash', [path.join(tmp, 'deploy-all.sh'), 'secrets'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: tmp },
    });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    token = readFileSync(path.join(composeDir, 'secrets/hybrid_ai_token'), 'utf8');
    // Debian's docker-compose (1.29) resolves the file plus the CI override; it predates the top-level `name`.
    const composeText = readFileSync(path.join(composeDir, 'docker-compose.yml'), 'utf8').replace(/^name: hybrid-ai\n/m, '');
    writeFileSync(path.join(composeDir, 'docker-compose.yml'), composeText);
    const cfg = spawnSync('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.ci.yml', 'config'], {
      cwd: composeDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: tmp, HYBRID_AI_PORT: String(port) },
    });
    expect(cfg.stderr).toBe('');
    const resolved = load(cfg.stdout) as { services: Record<string, ResolvedService>; secrets: Record<string, { file: string }> };
    service = resolved.services.gateway!;
    secretFiles = Object.fromEntries(Object.entries(resolved.secrets).map(([k, v]) => [k, v.file]));
    // The image compose would run is the one CI built: the tag is package.json's version.
    expect(service.image).toBe(image);
    docker(['volume', 'create', volume]);
  }, 120_000);

  afterAll(() => {
    for (const n of names) docker(['rm', '-f', n], false);
    docker(['volume', 'rm', '-f', volume], false);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts the gateway container; resolves once /health answers. */
  async function start(name: string, gguf: string): Promise<void> {
    names.push(name);
    docker([
      'run',
      '-d',
      '--name',
      name,
      ...runArgs(service, secretFiles, volume),
      // The tiny GGUF as the local model (Ollama is not part of this test: the embedded llama.cpp answers).
      '-v',
      `${gguf}:/models/tiny.gguf:ro`,
      '-e',
      'HYBRID_AI_LOCAL_MODEL=/models/tiny.gguf',
      // One thread: the fastest on a 2-vCPU machine (a spinning second thread fights the test runner).
      '-e',
      'HYBRID_AI_THREADS=1',
      // The image's own HEALTHCHECK command, polled every 2 s instead of 30 s so the test need not wait minutes.
      '--health-interval',
      '2s',
      image,
    ]);
    await expect
      .poll(async () => (await fetch(`${base}/health`).catch(() => undefined))?.status, { timeout: 90_000, interval: 500 })
      .toBe(200);
  }

  const chat = async (prompt: string) => {
    const res = await fetch(`${base}/api/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, max_tokens: 8 }),
    });
    return { status: res.status, json: (await res.json()) as { engine?: string; response?: string; usage?: { output_tokens: number } } };
  };

  const ledgerIds = (): string[] => {
    const mount = docker(['volume', 'inspect', '-f', '{{.Mountpoint}}', volume]).out;
    const db = new Database(path.join(mount, 'ledger.db'), { readonly: true });
    try {
      return (db.prepare('SELECT id FROM requests ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    } finally {
      db.close();
    }
  };

  it('starts as its own non-root user on a read-only root, answers /health, /ready and a chat from llama.cpp, and turns healthy', async () => {
    const gguf = (await makeTinyGguf(path.join(tmp, 'models/tiny.gguf'))).path;
    await start('hai-test-gateway-1', gguf);
    const info = JSON.parse(docker(['inspect', 'hai-test-gateway-1']).out)[0] as {
      Config: { User: string; Healthcheck: { Test: string[] }; Labels: Record<string, string> };
      HostConfig: { ReadonlyRootfs: boolean; NetworkMode: string; Memory: number };
    };
    expect(info.Config.User).toBe('10001:10001');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    // Versioned: the tag and the label are package.json's version; the commit is a label.
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(info.Config.Labels['org.opencontainers.image.version']).toBe(version);
    expect(info.Config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    // The HEALTHCHECK is the image's own command (only its interval was shortened).
    expect(info.Config.Healthcheck.Test[0]).toBe('CMD');
    expect(info.Config.Healthcheck.Test.join(' ')).toContain('/health');

    // Listening on 127.0.0.1 only (host network): nothing answers on the machine's other addresses.
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (other)
      expect(
        await fetch(`http://${other}:${port}/health`).then(
          () => 'open',
          () => 'closed',
        ),
      ).toBe('closed');

    // The token from the secret file is required, and works.
    expect((await fetch(`${base}/api/v1/stats`)).status).toBe(401);
    await expect.poll(async () => (await fetch(`${base}/ready`)).status, { timeout: 60_000, interval: 500 }).toBe(200);
    const r = await chat('hi');
    expect(r.status).toBe(200);
    expect(r.json.engine).toBe('llamacpp');
    expect(r.json.usage!.output_tokens).toBeGreaterThan(0);
    expect(r.json.response!.length).toBeGreaterThan(0);
    expect((await chat('hello there')).status).toBe(200);

    // Docker's own view of the HEALTHCHECK.
    await expect
      .poll(() => docker(['inspect', '-f', '{{.State.Health.Status}}', 'hai-test-gateway-1']).out, { timeout: 60_000, interval: 1000 })
      .toBe('healthy');

    // The process is uid 10001 and cannot write outside /data and /tmp.
    expect(docker(['exec', 'hai-test-gateway-1', 'id', '-u']).out).toBe('10001');
    const write = docker(['exec', 'hai-test-gateway-1', 'sh', '-c', 'touch /app/x'], false);
    expect(write.status).not.toBe(0);
    expect(docker(['exec', 'hai-test-gateway-1', 'sh', '-c', 'touch /app/x 2>&1 || true']).out).toMatch(/Read-only file system/);
  }, 300_000);

  it('stops cleanly within its grace period, and a new container on the same volume keeps every ledger row', async () => {
    // docker stop sends SIGTERM and waits the compose stop_grace_period: the gateway drains and exits 0.
    docker(['stop', 'hai-test-gateway-1']);
    expect(docker(['inspect', '-f', '{{.State.ExitCode}}', 'hai-test-gateway-1']).out).toBe('0');
    const before = ledgerIds();
    expect(before.length).toBeGreaterThanOrEqual(2);

    await start('hai-test-gateway-2', path.join(tmp, 'models/tiny.gguf'));
    await expect.poll(async () => (await fetch(`${base}/ready`)).status, { timeout: 60_000, interval: 500 }).toBe(200);
    expect((await chat('after the restart')).status).toBe(200);
    docker(['stop', 'hai-test-gateway-2']);
    const after = ledgerIds();
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after.length).toBe(before.length + 1);
  }, 300_000);

  it('every other service user of the compose file can read the secret files deploy-all.sh made', () => {
    // Prometheus and Alertmanager (65534), Grafana (472), PostgreSQL (70): each reads its secret as its own uid.
    for (const uid of ['65534', '472', '70']) {
      const r = docker([
        'run',
        '--rm',
        '--network',
        'host',
        '--read-only',
        '--user',
        `${uid}:${uid}`,
        '-v',
        `${secretFiles.hybrid_ai_token}:/run/secrets/hybrid_ai_token:ro`,
        '--entrypoint',
        'cat',
        image,
        '/run/secrets/hybrid_ai_token',
      ]);
      expect(r.out, `uid ${uid}`).toBe(token);
    }
  });
});
