// server-images/ checked offline (no Docker daemon, no cloud): Dockerfile rules, Compose structure, Prometheus (promtool), Grafana, systemd, shell scripts.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../router-core/server/config.js';

const dir = path.resolve('server-images');
const read = (rel: string): string => readFileSync(path.join(dir, rel), 'utf8');
const have = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
// Tools that .ci/run installs (shellcheck, prometheus's promtool) must run in CI; elsewhere a missing tool skips
// only the check that needs it.
const ciOr = (bin: string): boolean => have(bin) || !!process.env.CI;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-images-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Dockerfile instructions (continuations joined, comments dropped), grouped by build stage. */
interface Instruction {
  op: string;
  args: string;
}
function parseDockerfile(text: string): { preamble: Instruction[]; stages: Array<{ name: string; from: string; body: Instruction[] }> } {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comment inside a continued instruction
    if (line.endsWith('\\')) cur += `${line.slice(0, -1)} `;
    else {
      logical.push(cur + line);
      cur = '';
    }
  }
  const preamble: Instruction[] = [];
  const stages: Array<{ name: string; from: string; body: Instruction[] }> = [];
  for (const l of logical) {
    const [op, ...rest] = l.split(/\s+/);
    const ins = { op: op!.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ from: m[1]!, name: m[2] ?? String(stages.length), body: [] });
    } else if (stages.length === 0) preamble.push(ins);
    else stages.at(-1)!.body.push(ins);
  }
  return { preamble, stages };
}

describe('Dockerfile', () => {
  const df = parseDockerfile(read('Dockerfile'));
  const final = df.stages.at(-1)!;
  const ops = (op: string): Instruction[] => final.body.filter((i) => i.op === op);

  it('is multi-stage: one toolchain, build, production dependencies, runtime (no compilers in the runtime)', () => {
    expect(df.stages.map((s) => s.name)).toEqual(['toolchain', 'build', 'runtime-deps', 'runtime']);
    expect(df.stages.find((s) => s.name === 'build')!.from).toBe('toolchain');
    expect(df.stages.find((s) => s.name === 'runtime-deps')!.from).toBe('toolchain');
    expect(final.body.filter((i) => i.op === 'RUN').some((i) => /apt-get install/.test(i.args))).toBe(false);
  });

  it('takes the base image as a build argument whose default is the Node LTS image pinned by digest', () => {
    const arg = df.preamble.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))!;
    const major = /(\d+)/.exec(JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string)![1];
    expect(arg.args).toMatch(new RegExp(`^NODE_IMAGE=node:${major}-bookworm-slim@sha256:[0-9a-f]{64}$`));
    for (const s of df.stages.filter((st) => st.name === 'toolchain' || st.name === 'runtime'))
      expect(s.from, s.name).toBe('${NODE_IMAGE}');
    expect(read('Dockerfile')).not.toMatch(/:latest\b/);
  });

  it('labels the image with its version and commit (OCI labels from build arguments)', () => {
    const labels = ops('LABEL')
      .map((i) => i.args)
      .join(' ');
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(labels).toContain('org.opencontainers.image.revision="${COMMIT}"');
    const args = ops('ARG').map((i) => i.args);
    expect(args).toEqual(expect.arrayContaining(['VERSION=unknown', 'COMMIT=unknown']));
  });

  it('runs as a non-root user with the data dir on a volume and a HEALTHCHECK', () => {
    const user = ops('USER');
    expect(user).toHaveLength(1);
    expect(user[0]!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(user[0]!.args).toMatch(/^10001:10001$/);
    expect(ops('VOLUME').map((i) => i.args)).toEqual(['["/data"]']);
    const env = ops('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('HYBRID_AI_DATA_DIR=/data');
    const hc = ops('HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/--interval=\d+s --timeout=\d+s/);
    expect(hc[0]!.args).toContain('/health');
  });

  it('ships only production dependencies, installed (native modules built) inside the image', () => {
    const deps = df.stages.find((s) => s.name === 'runtime-deps')!;
    const runs = deps.body.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('npm install --omit=dev'))).toBe(true);
    const copies = ops('COPY').map((i) => i.args);
    expect(copies).toContain('--from=runtime-deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /src/dist/server ./');
    // Nothing from the build context reaches the final stage directly (no sources, no dev node_modules).
    expect(copies.every((c) => c.startsWith('--from='))).toBe(true);
  });

  it('starts the bundle with the same entry as the systemd unit', () => {
    expect(JSON.parse(ops('CMD')[0]!.args)).toEqual(['node', 'router-core/server/main.js']);
    const unit = read('vm/hybrid-ai.service');
    expect(unit).toMatch(/^WorkingDirectory=\/opt\/hybrid-ai\/server$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/hybrid-ai\/server\/router-core\/server\/main\.js$/m);
  });

  it('puts no secret in a layer: no secret-looking ENV/ARG value, secrets and env files excluded from the context', () => {
    for (const s of [...df.stages.map((st) => st.body), df.preamble])
      for (const i of s.filter((x) => x.op === 'ENV' || x.op === 'ARG'))
        for (const [, key] of i.args.matchAll(/([A-Z0-9_]+)=/g)) expect(key, `${i.op} ${key}`).not.toMatch(/TOKEN|API_KEY|SECRET|PASSWORD/);
    const ignore = read('Dockerfile.dockerignore').split('\n');
    for (const p of ['node_modules', 'dist', '.git', 'server-images/secrets', '**/.env', '**/api-token', 'terraform/**/*.tfvars'])
      expect(ignore, p).toContain(p);
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    profiles?: string[];
    ports?: string[];
    environment?: Record<string, string>;
    volumes?: string[];
    secrets?: string[];
    deploy?: { resources?: { reservations?: { devices?: Array<{ driver: string; capabilities: string[] }> } } };
    networks?: Record<string, { aliases?: string[] }>;
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
  }
  const compose = load(read('docker-compose.yml')) as {
    services: Record<string, Service>;
    secrets: Record<string, { file: string }>;
    volumes: Record<string, unknown>;
  };
  const s = compose.services;

  it('has the gateway, Ollama in a CPU and a GPU profile, Prometheus and Grafana; no Redis, and Postgres only for replicas', () => {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['gateway', 'ollama', 'ollama-gpu', 'ollama-pull', 'prometheus', 'grafana']));
    expect(s.ollama!.profiles).toEqual(['cpu']);
    expect(s['ollama-gpu']!.profiles).toEqual(['gpu']);
    expect(s['ollama-gpu']!.deploy!.resources!.reservations!.devices![0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    // Both Ollama variants answer to the same name, so the gateway needs no per-profile setting.
    expect(s.ollama!.networks!.default!.aliases).toContain('ollama');
    expect(s['ollama-gpu']!.networks!.default!.aliases).toContain('ollama');
    expect(s.gateway!.environment!.OLLAMA_HOST).toBe('ollama:11434');
    const images = Object.entries(s).map(([name, v]) => [name, v.image ?? ''] as const);
    expect(images.some(([, i]) => /redis/.test(i))).toBe(false);
    for (const [name, image] of images) if (/postgres/.test(image)) expect(s[name]!.profiles, name).toEqual(['replicas']);
    // The default single gateway keeps its ledger in SQLite on its volume.
    expect(s.gateway!.profiles).toBeUndefined();
    expect(s.gateway!.environment!.HYBRID_AI_LEDGER_URL).toBeUndefined();
  });

  it('replicas profile: two gateways on one PostgreSQL, the password only in a secret file, behind Caddy', () => {
    const replicas = ['gateway-1', 'gateway-2'].map((n) => s[n]!);
    for (const r of replicas) {
      expect(r.profiles).toEqual(['replicas']);
      // The same image and build as the single gateway.
      expect(r.image).toBe(s.gateway!.image);
      expect(r.build).toEqual(s.gateway!.build);
      const env = r.environment!;
      const url = new URL(env.HYBRID_AI_LEDGER_URL!);
      expect(url.protocol).toBe('postgres:');
      expect(`${url.hostname}:${url.port}`).toBe('postgres:5432');
      expect(url.password).toBe('');
      expect(env.HYBRID_AI_LEDGER_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
      expect(r.secrets).toEqual(expect.arrayContaining(['hybrid_ai_token', 'anthropic_api_key', 'postgres_password']));
      expect(r.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(r.ports).toBeUndefined();
      // The gateway accepts this environment as it stands: Compose's ${VAR:-default} interpolated with nothing set,
      // and the Docker secret files where the container has them.
      const secretsDir = path.join(tmp, 'compose-replica-secrets');
      mkdirSync(secretsDir, { recursive: true });
      writeFileSync(path.join(secretsDir, 'hybrid_ai_token'), 'x'.repeat(32));
      writeFileSync(path.join(secretsDir, 'anthropic_api_key'), '');
      writeFileSync(path.join(secretsDir, 'postgres_password'), 'from-the-secret\n');
      const asRun = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{\w+:-([^}]*)\}/g, '$1').replace('/run/secrets/', `${secretsDir}/`)]),
      );
      const config = loadConfig([], asRun) as Config;
      expect(config.ledgerUrl).toBe(env.HYBRID_AI_LEDGER_URL);
      expect(config.ledgerPassword).toBe('from-the-secret');
    }
    // Each replica its own data volume (model files); everything shared is in PostgreSQL.
    expect(replicas[0]!.volumes).toEqual(['gateway-1-data:/data']);
    expect(replicas[1]!.volumes).toEqual(['gateway-2-data:/data']);
    const pgSvc = s.postgres!;
    expect(pgSvc.image).toMatch(/^postgres:\d+\.\d+/);
    expect(pgSvc.environment).toMatchObject({
      POSTGRES_USER: 'hybrid_ai',
      POSTGRES_DB: 'hybrid_ai',
      POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password',
    });
    expect(pgSvc.environment!.POSTGRES_PASSWORD).toBeUndefined();
    expect(pgSvc.secrets).toEqual(['postgres_password']);
    expect(pgSvc.ports).toBeUndefined();
    expect(pgSvc.healthcheck!.test.join(' ')).toMatch(/pg_isready -U hybrid_ai -d hybrid_ai/);
    expect(compose.secrets.postgres_password).toEqual({ file: './secrets/postgres_password' });
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['gateway-1-data', 'gateway-2-data', 'postgres-data']));
    // Caddy balances over whatever HYBRID_AI_UPSTREAM lists (the single gateway by default); the file says how.
    expect(s.caddy!.environment!.HYBRID_AI_UPSTREAM).toBe('${HYBRID_AI_UPSTREAM:-gateway:8787}');
    expect(read('docker-compose.yml')).toContain('HYBRID_AI_UPSTREAM="gateway-1:8787 gateway-2:8787"');
    expect(read('vm/Caddyfile')).toMatch(
      /reverse_proxy \{\$HYBRID_AI_UPSTREAM:127\.0\.0\.1:8787\} \{[^}]*lb_policy round_robin[^}]*lb_try_duration/,
    );
    // deploy-all.sh creates the password file Compose expects.
    expect(readFileSync('deploy-all.sh', 'utf8')).toMatch(/random_secret >"\$secrets_dir\/postgres_password"/);
  });

  it('pins every image to a version (no latest, no bare name)', () => {
    for (const [name, svc] of Object.entries(s)) {
      const image = svc.image!;
      expect(image, name).toMatch(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });

  it('builds the gateway from server-images/Dockerfile and keeps secrets in files, never in the environment', () => {
    expect(s.gateway!.build).toMatchObject({ context: '..', dockerfile: 'server-images/Dockerfile' });
    const env = s.gateway!.environment!;
    expect(env.HYBRID_AI_TOKEN_FILE).toBe('/run/secrets/hybrid_ai_token');
    expect(env.ANTHROPIC_API_KEY_FILE).toBe('/run/secrets/anthropic_api_key');
    for (const svc of Object.values(s))
      for (const key of Object.keys(svc.environment ?? {}))
        expect(key).not.toMatch(
          /^(HYBRID_AI_TOKEN|ANTHROPIC_API_KEY|GF_SECURITY_ADMIN_PASSWORD|POSTGRES_PASSWORD|HYBRID_AI_LEDGER_PASSWORD|PGPASSWORD)$/,
        );
    for (const [name, secret] of Object.entries(compose.secrets)) expect(secret.file, name).toMatch(/^\.\/secrets\//);
    expect(read('secrets/.gitignore')).toMatch(/^\*$/m);
  });

  it('publishes nothing beyond loopback except Caddy (tls profile), and never Ollama', () => {
    for (const [name, svc] of Object.entries(s)) {
      for (const p of svc.ports ?? []) {
        if (name === 'caddy') expect(['80:80', '443:443']).toContain(p);
        else expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(s.ollama!.ports).toBeUndefined();
    expect(s['ollama-gpu']!.ports).toBeUndefined();
  });

  it('mounts only files that exist (Prometheus config and rules, Grafana provisioning, the Caddyfile)', () => {
    const binds = Object.values(s).flatMap((svc) => (svc.volumes ?? []).filter((v) => v.startsWith('./')));
    expect(binds.length).toBeGreaterThan(4);
    for (const b of binds) expect(existsSync(path.join(dir, b.split(':')[0]!)), b).toBe(true);
  });

  // The Compose plugin validates the file fully (interpolation, schema) without a daemon, where it exists.
  // Runs only where the Compose v2 plugin exists: Debian 12 ships the docker client without it, and its
  // docker-compose v1 cannot read the Compose spec (no top-level `name`). The structural checks above still run.
  it.runIf(spawnSync('docker', ['compose', 'version']).status === 0)('passes docker compose config', () => {
    const r = spawnSync('docker', ['compose', '-f', path.join(dir, 'docker-compose.yml'), '--profile', 'cpu', 'config', '-q'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('docker-compose.yml: running limits, alert routing, TLS', () => {
  interface Svc {
    image?: string;
    profiles?: string[];
    mem_limit?: string;
    logging?: { driver: string; options: Record<string, string> };
    stop_grace_period?: string;
    entrypoint?: string[];
    command?: string[];
    environment?: Record<string, string>;
    build?: { args?: Record<string, string> };
  }
  const compose = load(read('docker-compose.yml')) as { services: Record<string, Svc> };
  const s = compose.services;
  /** Compose's `${VAR:-default}` with nothing set, in bytes. */
  const bytes = (v: string): number => {
    const m = /^(\d+)([kmg])?$/.exec(v.replace(/^\$\{\w+:-([^}]+)\}$/, '$1'))!;
    return Number(m[1]) * { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as 'k' | 'm' | 'g'];
  };

  it('every service has a memory limit and rotated logs', () => {
    for (const [name, svc] of Object.entries(s)) {
      expect(svc.mem_limit, `${name} mem_limit`).toBeDefined();
      expect(bytes(svc.mem_limit!), name).toBeGreaterThan(0);
      expect(svc.logging, `${name} logging`).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
    }
  });

  it("per tier, Ollama's and the gateway's limits (deploy-all.sh) plus the rest fit in the tier's RAM with room for the system", () => {
    const script = readFileSync('deploy-all.sh', 'utf8');
    const fn = script.slice(script.indexOf('export_memory_limits() {'), script.indexOf('deploy_docker() {'));
    // The RAM of each tier's machine (terraform/aws/tiers.tf, the seed's 2/4/8/16 GB).
    const ram: Record<number, number> = { 1: 2, 2: 4, 3: 8, 4: 16 };
    const always = ['prometheus', 'alertmanager', 'grafana', 'ollama-pull'].reduce((a, n) => a + bytes(s[n]!.mem_limit!), 0);
    for (const tier of [1, 2, 3, 4]) {
      const m = new RegExp(`\\n\\s*${tier}\\) set -- (\\S+) (\\S+) ;;`).exec(fn);
      expect(m, `tier ${tier} in export_memory_limits`).not.toBeNull();
      const total = bytes(m![1]!) + bytes(m![2]!) + always;
      // 256 MB for the kernel, dockerd and containerd.
      expect(total, `tier ${tier}`).toBeLessThanOrEqual(ram[tier]! * 1024 ** 3 - 256 * 1024 ** 2);
    }
    expect(s.ollama!.mem_limit).toMatch(/^\$\{HYBRID_AI_OLLAMA_MEM_LIMIT:-/);
    expect(s['ollama-gpu']!.mem_limit).toBe(s.ollama!.mem_limit);
    for (const g of ['gateway', 'gateway-1', 'gateway-2']) expect(s[g]!.mem_limit).toMatch(/^\$\{HYBRID_AI_GATEWAY_MEM_LIMIT:-/);
  });

  it("gives every gateway longer to stop than the gateway's own drain (answers in flight, then engines)", async () => {
    const main = readFileSync('router-core/server/main.ts', 'utf8');
    const drainMs = Number(/const SHUTDOWN_GRACE_MS = ([\d_]+);/.exec(main)![1]!.replace(/_/g, ''));
    // Closing engines after the drain (llama.cpp contexts, the ledger): the systemd unit allows 5 s for it too.
    const engineCloseMs = 5_000;
    for (const g of ['gateway', 'gateway-1', 'gateway-2']) {
      const grace = Number(/^(\d+)s$/.exec(s[g]!.stop_grace_period ?? '0s')![1]) * 1000;
      expect(grace, g).toBeGreaterThan(drainMs + engineCloseMs);
    }
    const unit = read('vm/hybrid-ai.service');
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]) * 1000).toBeGreaterThan(drainMs + engineCloseMs);
  });

  it("tags the gateway image with package.json's version and passes the commit as a build argument", () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    for (const g of ['gateway', 'gateway-1', 'gateway-2']) {
      expect(s[g]!.image).toBe(`hybrid-ai-stack:${version}`);
      expect(s[g]!.build!.args).toEqual({ VERSION: version, COMMIT: '${HYBRID_AI_COMMIT:-unknown}' });
    }
  });

  it('Prometheus sends its alerts to the Alertmanager service, which routes every alert to the webhook secret', () => {
    const prom = load(read('prometheus/prometheus.yml')) as {
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
    expect(s.alertmanager!.image).toMatch(/^prom\/alertmanager:v\d+\.\d+\.\d+$/);
    const am = load(read('alertmanager/alertmanager.yml')) as {
      route: { receiver: string };
      receivers: Array<{ name: string; webhook_configs: Array<{ url_file: string }> }>;
    };
    const receiver = am.receivers.find((r) => r.name === am.route.receiver)!;
    expect(receiver.webhook_configs[0]!.url_file).toBe('/run/secrets/alert_webhook_url');
    expect(readFileSync('deploy-all.sh', 'utf8')).toContain('"$secrets_dir/alert_webhook_url"');
  });

  // Debian's amtool is 0.25, which predates webhook url_file (0.26+): the check reads a copy with the URL inline.
  it.runIf(ciOr('amtool'))('amtool check-config accepts the Alertmanager config', () => {
    const work = path.join(tmp, 'am');
    mkdirSync(work, { recursive: true });
    writeFileSync(
      path.join(work, 'alertmanager.yml'),
      read('alertmanager/alertmanager.yml').replace('url_file: /run/secrets/alert_webhook_url', 'url: http://127.0.0.1:9/hook'),
    );
    const r = spawnSync('amtool', ['check-config', path.join(work, 'alertmanager.yml')], { encoding: 'utf8' });
    expect(r.error?.message ?? '', 'amtool missing: .ci/run installs prometheus-alertmanager').toBe('');
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  // Caddy itself (Debian's caddy, installed by .ci/run) adapts the Caddyfile with the environment the compose
  // service's own entrypoint builds: the tls profile must start with only the domain set.
  describe.runIf(ciOr('caddy'))('the tls profile: Caddy accepts the Caddyfile', () => {
    const adapt = (email: string) => {
      const caddy = s.caddy!;
      const script = caddy.entrypoint![2]!.replace(/\$\$/g, '$');
      return spawnSync(
        'sh',
        ['-c', script, 'caddy-entrypoint', 'caddy', 'adapt', '--config', path.join(dir, 'vm/Caddyfile'), '--adapter', 'caddyfile'],
        { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmp, HYBRID_AI_DOMAIN: 'ai.example.com', HYBRID_AI_ACME_EMAIL: email } },
      );
    };

    it('without HYBRID_AI_ACME_EMAIL (only the domain is required)', () => {
      const r = adapt('');
      expect(r.error?.message ?? '', 'caddy missing: .ci/run installs it').toBe('');
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('"ai.example.com"');
      expect(r.stdout).not.toContain('"email"');
    });

    it('with HYBRID_AI_ACME_EMAIL, as the ACME account address', () => {
      const r = adapt('ops@example.com');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('"email":"ops@example.com"');
    });
  });

  // Debian's docker-compose (1.29) validates the file fully: interpolation, schema, references. It predates the
  // top-level `name` (Compose v2), so it reads a copy without that one line.
  it.runIf(ciOr('docker-compose'))('docker-compose config accepts every profile', () => {
    const work = path.join(tmp, 'compose-check');
    cpSync(dir, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}secrets${path.sep}`) });
    mkdirSync(path.join(work, 'secrets'), { recursive: true });
    const text = read('docker-compose.yml');
    expect(text).toMatch(/^name: hybrid-ai$/m);
    writeFileSync(path.join(work, 'docker-compose.yml'), text.replace(/^name: hybrid-ai\n/m, ''));
    const files = load(text) as { secrets: Record<string, { file: string }> };
    for (const f of Object.values(files.secrets)) writeFileSync(path.join(work, f.file), 'x');
    for (const profile of ['cpu', 'gpu', 'tls', 'replicas']) {
      const r = spawnSync('docker-compose', ['-f', path.join(work, 'docker-compose.yml'), '--profile', profile, 'config', '-q'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: tmp },
      });
      expect(r.error?.message ?? '', 'docker-compose missing: .ci/run installs it').toBe('');
      expect(r.stderr, profile).toBe('');
      expect(r.status, profile).toBe(0);
    }
  });
});

describe('Prometheus', () => {
  const config = load(read('prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      authorization?: { type: string; credentials_file: string };
      dns_sd_configs: Array<{ names: string[]; type: string; port: number }>;
    }>;
  };
  const rules = load(read('prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; for: string }> }> };

  it('scrapes the gateway with its bearer token read from the Docker secret file', () => {
    const job = config.scrape_configs.find((j) => j.job_name === 'hybrid-ai')!;
    // Every gateway service of the compose file (the single one and both replicas), found by compose's DNS.
    const compose = load(read('docker-compose.yml')) as { services: Record<string, { profiles?: string[]; image?: string }> };
    const gatewayServices = Object.keys(compose.services).filter((n) => /^gateway(-\d+)?$/.test(n));
    expect(gatewayServices.sort()).toEqual(['gateway', 'gateway-1', 'gateway-2']);
    expect(job.dns_sd_configs).toEqual([expect.objectContaining({ names: gatewayServices, type: 'A', port: 8787 })]);
    expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/hybrid_ai_token' });
    expect(config.rule_files).toEqual(['alerts.yml']);
  });

  it('has the alerts the issue asks for: spend over the daily budget, errors over 5%, p95 latency, Ollama down', () => {
    const alerts = Object.fromEntries(rules.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    // The calendar day's spend (the gateway's gauge), never a rolling 24 h window of the cost counter.
    expect(alerts.HybridAICloudSpendOverDailyBudget!.expr).toContain('api_gateway_cloud_spend_usd{period="day"}');
    expect(alerts.HybridAICloudSpendOverDailyBudget!.expr).not.toMatch(/\[1d\]|\[24h\]/);
    expect(alerts.HybridAIHighErrorRate!.expr).toMatch(/> 0\.05/);
    expect(alerts.HybridAIHighLatencyP95!.expr).toContain('histogram_quantile(0.95');
    expect(alerts.HybridAIOllamaDown!.expr).toContain('api_gateway_engine_up{engine="ollama"}');
    expect(alerts.HybridAIGatewayDown!.expr).toContain('up{job="hybrid-ai"}');
  });

  describe.runIf(ciOr('promtool'))('promtool (Debian prometheus package, installed by .ci/run)', () => {
    it('check rules', () => {
      const r = spawnSync('promtool', ['check', 'rules', path.join(dir, 'prometheus/alerts.yml')], { encoding: 'utf8' });
      expect(r.error?.message ?? '', 'promtool missing').toBe('');
      expect(r.stdout + r.stderr).toMatch(/SUCCESS: 6 rules found/);
      expect(r.status).toBe(0);
    });

    it('check config (with a stand-in token file where the container has the Docker secret)', () => {
      const work = path.join(tmp, 'prom');
      mkdirSync(work, { recursive: true });
      writeFileSync(path.join(work, 'token'), 'x'.repeat(32));
      cpSync(path.join(dir, 'prometheus/alerts.yml'), path.join(work, 'alerts.yml'));
      writeFileSync(
        path.join(work, 'prometheus.yml'),
        read('prometheus/prometheus.yml').replace('/run/secrets/hybrid_ai_token', path.join(work, 'token')),
      );
      const r = spawnSync('promtool', ['check', 'config', path.join(work, 'prometheus.yml')], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toMatch(/SUCCESS: 1 rule files found/);
      expect(r.status).toBe(0);
    });

    it('test rules: every alert fires on a series that should trip it and stays quiet otherwise', () => {
      const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: path.join(dir, 'prometheus/tests'), encoding: 'utf8' });
      expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
      expect(r.status).toBe(0);
    });

    it('test rules fails when an alert would not fire (the unit tests have teeth)', () => {
      const work = path.join(tmp, 'prom-broken');
      mkdirSync(path.join(work, 'tests'), { recursive: true });
      // Raise the error-rate threshold above the test's 9% errors: the firing case must now fail.
      writeFileSync(path.join(work, 'alerts.yml'), read('prometheus/alerts.yml').replace('> 0.05', '> 0.5'));
      cpSync(path.join(dir, 'prometheus/tests/alerts.test.yml'), path.join(work, 'tests/alerts.test.yml'));
      const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: path.join(work, 'tests'), encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/HybridAIHighErrorRate/);
    });
  });
});

describe('Grafana provisioning', () => {
  const datasources = load(read('grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: Array<{ uid: string; url: string; type: string }>;
  };
  const providers = load(read('grafana/provisioning/dashboards/hybrid-ai.yml')) as { providers: Array<{ options: { path: string } }> };
  const dashboard = JSON.parse(read('grafana/dashboards/hybrid-ai.json')) as {
    uid: string;
    panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string; datasource: { uid: string } }> }>;
  };

  it('points the datasource at the compose Prometheus and the provider at the mounted dashboards folder', () => {
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
    const compose = read('docker-compose.yml');
    expect(compose).toContain(`./grafana/dashboards:${providers.providers[0]!.options.path}:ro`);
  });

  it('has panels for requests by model/backend, local share, spend and savings, latency percentiles and errors', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const t of [
      'Requests by model and backend',
      'Local share',
      'Spend and savings per hour',
      'Latency percentiles',
      'Errors by model and backend',
    ])
      expect(titles).toContain(t);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const q of [
      'histogram_quantile(0.50',
      'histogram_quantile(0.95',
      'histogram_quantile(0.99',
      'api_gateway_savings_total',
      'status="error"',
      // Back-pressure refusals apart from failures: overload is not breakage.
      'status="refused"',
    ])
      expect(exprs).toContain(q);
  });

  it('every panel and query uses the provisioned datasource uid', () => {
    for (const p of dashboard.panels) {
      expect(p.datasource.uid, p.title).toBe(datasources.datasources[0]!.uid);
      for (const t of p.targets) expect(t.datasource.uid, p.title).toBe('prometheus');
    }
  });
});

describe('VM files: systemd units, cloud-init helper scripts', () => {
  // systemd-analyze checks keys, values and that ExecStart binaries exist: point the units at a bundle-shaped folder.
  it.runIf(have('systemd-analyze'))('systemd-analyze verify accepts both units', () => {
    const root = path.join(tmp, 'unit-root');
    mkdirSync(path.join(root, 'router-core/server'), { recursive: true });
    mkdirSync(path.join(root, 'deploy/vm'), { recursive: true });
    writeFileSync(path.join(root, 'router-core/server/main.js'), '');
    cpSync(path.join(dir, 'vm/fetch-secrets.sh'), path.join(root, 'deploy/vm/fetch-secrets.sh'));
    chmodSync(path.join(root, 'deploy/vm/fetch-secrets.sh'), 0o755);
    const units = path.join(tmp, 'units');
    mkdirSync(units, { recursive: true });
    for (const u of ['hybrid-ai.service', 'hybrid-ai-secrets.service']) {
      let text = read(`vm/${u}`).replaceAll('/opt/hybrid-ai/server', root);
      if (!existsSync('/usr/bin/node')) text = text.replace('/usr/bin/node', process.execPath);
      writeFileSync(path.join(units, u), text);
    }
    const r = spawnSync('systemd-analyze', ['verify', 'hybrid-ai.service', 'hybrid-ai-secrets.service'], { cwd: units, encoding: 'utf8' });
    // verify exits 0 even for unknown keys; any message at all is a problem.
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the gateway unit binds loopback, takes secrets as credentials and runs unprivileged', () => {
    const unit = read('vm/hybrid-ai.service');
    expect(unit).toMatch(/^Environment=HYBRID_AI_HOST=127\.0\.0\.1$/m);
    expect(unit).toMatch(/^LoadCredential=api-token:\/run\/hybrid-ai\/secrets\/api-token$/m);
    expect(unit).toMatch(/^Environment=HYBRID_AI_TOKEN_FILE=%d\/api-token$/m);
    expect(unit).toMatch(/^User=hybrid-ai$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).not.toMatch(/^Environment=(HYBRID_AI_TOKEN|ANTHROPIC_API_KEY)=/m);
  });

  it.runIf(ciOr('shellcheck'))('every shell script passes shellcheck', () => {
    const scripts = [
      path.resolve('deploy-all.sh'),
      ...readdirSync(path.join(dir, 'vm'))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => path.join(dir, 'vm', f)),
    ];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const sh of scripts) expect(statSync(sh).mode & 0o111, `${sh} is executable`).not.toBe(0);
    const r = spawnSync('shellcheck', scripts, { encoding: 'utf8' });
    expect(r.error?.message ?? '', 'shellcheck missing: .ci/run installs it').toBe('');
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  describe('fetch-secrets.sh (run for real with the file provider)', () => {
    const script = path.join(dir, 'vm/fetch-secrets.sh');
    const run = (env: Record<string, string>) =>
      spawnSync('bash', [script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });

    it('writes the token and key as owner-only files in a private folder', () => {
      const src = path.join(tmp, 'src');
      mkdirSync(src, { recursive: true });
      writeFileSync(path.join(src, 'token'), 'a-token-of-at-least-16-chars');
      writeFileSync(path.join(src, 'claude'), 'sk-ant-example');
      const out = path.join(tmp, 'run-secrets');
      const r = run({
        HYBRID_AI_SECRETS_PROVIDER: 'file',
        HYBRID_AI_TOKEN_SECRET: path.join(src, 'token'),
        ANTHROPIC_KEY_SECRET: path.join(src, 'claude'),
        HYBRID_AI_SECRETS_DIR: out,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(path.join(out, 'api-token'), 'utf8')).toBe('a-token-of-at-least-16-chars');
      expect(readFileSync(path.join(out, 'anthropic-api-key'), 'utf8')).toBe('sk-ant-example');
      expect(statSync(out).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(out, 'api-token')).mode & 0o777).toBe(0o600);
      expect(readdirSync(out).sort()).toEqual(['anthropic-api-key', 'api-token']);
    });

    it('without a Claude secret writes an empty key (local models only)', () => {
      const src = path.join(tmp, 'token-only');
      writeFileSync(src, 'another-token-of-16-chars-plus');
      const out = path.join(tmp, 'run-secrets-2');
      const r = run({ HYBRID_AI_SECRETS_PROVIDER: 'file', HYBRID_AI_TOKEN_SECRET: src, HYBRID_AI_SECRETS_DIR: out });
      expect(r.status).toBe(0);
      expect(readFileSync(path.join(out, 'anthropic-api-key'), 'utf8')).toBe('');
    });

    // The unit's own sandbox, rebuilt in a private mount namespace (unshare) from the options the unit file sets, with
    // the environment systemd gives it: the script must fetch both secrets from AWS inside it.
    it.runIf(process.getuid?.() === 0 && have('unshare'))(
      "aws: fetches both secrets inside hybrid-ai-secrets.service's sandbox (no writable home, read-only system)",
      async () => {
        const { startAwsStandIn } = await import('../stand-ins/aws.js');
        const { spawn } = await import('node:child_process');
        const aws = await startAwsStandIn({
          region: 'eu-west-1',
          role: 'hybrid-ai-server',
          accessKeyId: 'ASIAEXAMPLE0123',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE',
          secrets: { 'hybrid-ai/api-token': 'token-from-secrets-manager-0123', 'hybrid-ai/anthropic-api-key': 'sk-ant-from-aws' },
        });
        try {
          const unit = read('vm/hybrid-ai-secrets.service');
          const opt = (k: string): string[] => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]!);
          const writable = path.join(tmp, 'sandbox-rw');
          mkdirSync(writable, { recursive: true });
          const script = path.join(dir, 'vm/fetch-secrets.sh');
          // Opened before the mounts change: a checkout under /tmp (as CI's may be) is hidden by PrivateTmp's tmpfs.
          const setup: string[] = ['set -e', `exec 3<${script}`, 'mount --make-rprivate /'];
          // RuntimeDirectory= stays writable under ProtectSystem=strict: /run/<name>, created by systemd.
          for (const d of opt('RuntimeDirectory')) setup.push(`mkdir -p /run/${d}`, `mount --bind ${writable} /run/${d}`);
          for (const d of opt('ReadWritePaths')) setup.push(`mkdir -p ${d}`, `mount --bind ${d} ${d}`);
          if (opt('ProtectSystem').includes('strict')) setup.push('mount -o remount,bind,ro /');
          if (opt('ProtectHome').includes('yes'))
            for (const d of ['/root', '/home']) setup.push(`mount -t tmpfs -o ro,mode=000 tmpfs ${d}`);
          if (opt('PrivateTmp').includes('yes')) setup.push('mount -t tmpfs tmpfs /tmp', 'mount -t tmpfs tmpfs /var/tmp');
          setup.push('exec bash /dev/fd/3');
          // systemd's environment for a root service: its default PATH (no /snap/bin), no HOME of its own, plus the
          // EnvironmentFile that cloud-init writes (secrets.env) and the test's endpoints.
          const env = {
            PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            HOME: '/root',
            HYBRID_AI_SECRETS_PROVIDER: 'aws',
            HYBRID_AI_TOKEN_SECRET: 'hybrid-ai/api-token',
            ANTHROPIC_KEY_SECRET: 'hybrid-ai/anthropic-api-key',
            AWS_REGION: 'eu-west-1',
            HYBRID_AI_AWS_IMDS_URL: aws.url,
            HYBRID_AI_AWS_SECRETS_URL: aws.url,
          };
          const child = spawn('unshare', ['--mount', 'bash', '-c', setup.join('\n')], { env });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          const code = await new Promise<number | null>((ok) => child.on('close', ok));
          expect(out + JSON.stringify(aws.log)).toMatch(/API token and Claude key from aws written/);
          expect(code).toBe(0);
          expect(readFileSync(path.join(writable, 'secrets/api-token'), 'utf8')).toBe('token-from-secrets-manager-0123');
          expect(readFileSync(path.join(writable, 'secrets/anthropic-api-key'), 'utf8')).toBe('sk-ant-from-aws');
          // Two signed GetSecretValue calls, each accepted by the SigV4 check.
          expect(aws.log.filter((l) => l.method === 'POST').map((l) => l.verdict)).toEqual(['ok', 'ok']);
        } finally {
          await aws.close();
        }
      },
    );

    it('aws: the stand-in refuses a request signed with the wrong key (the SigV4 check has teeth)', async () => {
      const { startAwsStandIn } = await import('../stand-ins/aws.js');
      const { execFile } = await import('node:child_process');
      const aws = await startAwsStandIn({
        region: 'eu-west-1',
        role: 'r',
        accessKeyId: 'ASIAEXAMPLE0123',
        secretAccessKey: 'the-real-secret-key',
        sessionToken: 'tok',
        secrets: { s: 'v' },
      });
      try {
        const status = await new Promise<string>((ok) =>
          execFile(
            'curl',
            [
              '-s',
              '-o',
              '/dev/null',
              '-w',
              '%{http_code}',
              '--aws-sigv4',
              'aws:amz:eu-west-1:secretsmanager',
              '--user',
              'ASIAEXAMPLE0123:wrong-key',
              '-H',
              'x-amz-security-token: tok',
              '-H',
              'X-Amz-Target: secretsmanager.GetSecretValue',
              '--data',
              '{"SecretId":"s"}',
              `${aws.url}/`,
            ],
            (_e, stdout) => ok(stdout),
          ),
        );
        expect(status).toBe('403');
        expect(aws.log[0]!.verdict).toBe('signature does not match');
      } finally {
        await aws.close();
      }
    });

    it('refuses a short token, an unknown provider and a missing secret, naming the problem', () => {
      const short = path.join(tmp, 'short');
      writeFileSync(short, 'too-short');
      let r = run({ HYBRID_AI_SECRETS_PROVIDER: 'file', HYBRID_AI_TOKEN_SECRET: short, HYBRID_AI_SECRETS_DIR: path.join(tmp, 'x1') });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/has 9 characters; use at least 16/);
      r = run({ HYBRID_AI_SECRETS_PROVIDER: 'vault', HYBRID_AI_TOKEN_SECRET: short, HYBRID_AI_SECRETS_DIR: path.join(tmp, 'x2') });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/HYBRID_AI_SECRETS_PROVIDER is 'vault'; valid: aws, gcp, file/);
      r = run({
        HYBRID_AI_SECRETS_PROVIDER: 'file',
        HYBRID_AI_TOKEN_SECRET: path.join(tmp, 'nope'),
        HYBRID_AI_SECRETS_DIR: path.join(tmp, 'x3'),
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/could not read secret '.*nope' from file/);
      expect(readdirSync(path.join(tmp, 'x3'))).toEqual([]);
    });
  });
});

describe('deploy-all.sh', () => {
  const run = (args: string[]) =>
    spawnSync('bash', ['deploy-all.sh', ...args], { encoding: 'utf8', input: '', env: { ...process.env, HYBRID_AI_ASSUME_YES: '' } });

  it('validates the target and the tier before doing anything', () => {
    let r = run([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: .*docker\|aws\|gcp\|secrets \[tier 1-4\]/);
    r = run(['azure']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown target 'azure'; valid: docker, aws, gcp, secrets/);
    r = run(['aws', '5']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid tier '5'; valid: 1 \(2 GB\), 2 \(4 GB\), 3 \(8 GB\), 4 \(16 GB \+ GPU\)/);
  });

  it('warns about the monthly cost and refuses to go on without a confirmation', () => {
    const r = run(['gcp', '4']);
    expect(r.stdout).toMatch(/tier 4: about \$405\.97 \(n1-standard-4 \+ NVIDIA T4\) per month/);
    expect(r.stdout).toMatch(/billed until you run: terraform -chdir=terraform\/gcp destroy/);
    expect(r.stderr).toMatch(/re-run with --yes to accept the cost/);
    expect(r.status).toBe(1);
  });

  /** A copy of the deploy script with what it reads, so a test can add terraform.tfvars without touching the repo. */
  const fakeRepo = (name: string): string => {
    const root = path.join(tmp, name);
    for (const rel of [
      'deploy-all.sh',
      'scripts/plan-replacements.mjs',
      'terraform/aws',
      'terraform/gcp',
      'server-images/docker-compose.yml',
    ])
      cpSync(path.resolve(rel), path.join(root, rel), { recursive: true });
    return root;
  };
  const standins = path.resolve('tests/stand-ins/deploy-bin');
  const runIn = (root: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync('bash', [path.join(root, 'deploy-all.sh'), ...args], {
      encoding: 'utf8',
      input: '',
      env: { ...process.env, HYBRID_AI_ASSUME_YES: '', HYBRID_AI_ALLOW_REPLACE: '', PATH: `${standins}:${process.env.PATH}`, ...env },
    });

  it('secrets: creates every Compose secret readable by each service user, in a folder only the deployer enters', () => {
    const secrets = path.join(tmp, 'deploy-secrets');
    mkdirSync(secrets, { recursive: true });
    // A token file as an older deploy-all.sh left it (0600): the gateway crash-looped on EACCES.
    writeFileSync(path.join(secrets, 'hybrid_ai_token'), 'an-existing-token-0123456789', { mode: 0o600 });
    const r = runIn(fakeRepo('repo-secrets'), ['secrets'], { HYBRID_AI_SECRETS_DIR: secrets });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(secrets, 'hybrid_ai_token'), 'utf8')).toBe('an-existing-token-0123456789');
    // Who reads which secret in docker-compose.yml, as which uid (the images' own users).
    const compose = load(read('docker-compose.yml')) as { services: Record<string, { secrets?: string[]; image?: string }> };
    const uidOf: Record<string, number> = { gateway: 10001, prometheus: 65534, grafana: 472, postgres: 70, alertmanager: 65534 };
    const readers = Object.entries(compose.services).flatMap(([svc, v]) =>
      (v.secrets ?? []).map((sec) => [svc.replace(/-\d+$/, ''), sec] as const),
    );
    expect(readers.length).toBeGreaterThan(5);
    for (const [svc, sec] of readers) {
      const uid = uidOf[svc];
      expect(uid, `the uid of ${svc}`).toBeDefined();
      // Compose bind-mounts the file alone: only its own owner and mode count inside the container.
      const st = statSync(path.join(secrets, sec));
      const readable = st.uid === uid ? (st.mode & 0o400) !== 0 : st.gid === uid ? (st.mode & 0o040) !== 0 : (st.mode & 0o004) !== 0;
      expect(readable, `${svc} (uid ${uid}) reads ${sec}: mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}`).toBe(true);
      expect(st.mode & 0o222, `${sec} is read-only`).toBe(0);
    }
  });

  it('docker: never prints the API token, and gives Compose the tier, its memory limits and the commit', async () => {
    const { createServer } = await import('node:http');
    const srv = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    try {
      const root = fakeRepo('repo-docker');
      const secrets = path.join(root, 'server-images/secrets');
      const log = path.join(tmp, 'docker.log');
      // Asynchronously: the script polls /health on this process's server, which must keep answering meanwhile.
      const { spawn } = await import('node:child_process');
      const child = spawn('bash', [path.join(root, 'deploy-all.sh'), 'docker', '1', '--yes'], {
        env: {
          ...process.env,
          PATH: `${standins}:${process.env.PATH}`,
          HYBRID_AI_PORT: String((srv.address() as { port: number }).port),
          STANDIN_DOCKER_LOG: log,
        },
      });
      const r = { stdout: '', stderr: '', status: null as number | null };
      child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
      r.status = await new Promise<number | null>((ok) => child.on('close', ok));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const token = readFileSync(path.join(secrets, 'hybrid_ai_token'), 'utf8');
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(r.stdout).not.toContain(token);
      expect(r.stdout).toContain(`API token: in ${secrets}/hybrid_ai_token`);
      const call = readFileSync(log, 'utf8');
      expect(call).toMatch(/ARGS compose -f \S+docker-compose\.yml --profile cpu up -d --build/);
      expect(call).toContain('HYBRID_AI_TIER=1');
      expect(call).toContain('HYBRID_AI_OLLAMA_MEM_LIMIT=832m');
      expect(call).toContain('HYBRID_AI_GATEWAY_MEM_LIMIT=384m');
      expect(call).toMatch(/HYBRID_AI_COMMIT=\S+/);
    } finally {
      srv.close();
    }
  });

  describe('aws/gcp: the tier and the plan', () => {
    const bundle = (): string => {
      const f = path.join(tmp, 'bundle.tgz');
      writeFileSync(f, 'not really a bundle');
      return f;
    };
    const plan = (changes: Array<[string, string, string[]]>): string => {
      const f = path.join(tmp, `plan-${changes.length}-${Math.random()}.json`);
      writeFileSync(
        f,
        JSON.stringify({
          format_version: '1.2',
          resource_changes: changes.map(([address, type, actions]) => ({ address, type, change: { actions } })),
        }),
      );
      return f;
    };
    const noReplace = (): string => plan([['aws_s3_object.bundle', 'aws_s3_object', ['update']]]);
    const deploy = (root: string, args: string[], env: Record<string, string>) => {
      const log = path.join(root, 'tf.log');
      const r = runIn(root, args, { HYBRID_AI_BUNDLE: bundle(), STANDIN_TF_LOG: log, ...env });
      return { ...r, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
    };
    const planTier = (calls: string[]): string | undefined => /-var tier=(\d)/.exec(calls.find((c) => /\bplan\b/.test(c)) ?? '')?.[1];

    it('without a tier argument: terraform.tfvars decides, never a default that would replace the VM', () => {
      const root = fakeRepo('repo-tfvars');
      writeFileSync(path.join(root, 'terraform/aws/terraform.tfvars'), 'domain = "ai.example.com"\ntier   = 3 # 8 GB\n');
      const r = deploy(root, ['aws', '--yes'], { STANDIN_TF_STATE_TIER: '3', STANDIN_TF_PLAN_JSON: noReplace() });
      expect(r.stdout).toMatch(/target aws, tier 3: about \$81\.23/);
      expect(planTier(r.calls)).toBe('3');
    });

    it('without a tier argument or tfvars: the tier the state says is deployed', () => {
      const root = fakeRepo('repo-state');
      const r = deploy(root, ['gcp', '--yes'], { STANDIN_TF_STATE_TIER: '4', STANDIN_TF_PLAN_JSON: noReplace() });
      expect(planTier(r.calls)).toBe('4');
      // A saved plan is applied as it is: what was checked is what runs.
      expect(r.calls.some((c) => /\bapply -input=false \S+hybrid-ai\.tfplan$/.test(c))).toBe(true);
      // A new deployment (no state) starts at tier 2; an explicit argument always wins.
      expect(planTier(deploy(fakeRepo('repo-new'), ['gcp', '--yes'], { STANDIN_TF_PLAN_JSON: noReplace() }).calls)).toBe('2');
      expect(
        planTier(
          deploy(fakeRepo('repo-arg'), ['gcp', '1', '--yes'], { STANDIN_TF_STATE_TIER: '4', STANDIN_TF_PLAN_JSON: noReplace() }).calls,
        ),
      ).toBe('1');
    });

    it('a plan that replaces the VM stops before apply, even with --yes; HYBRID_AI_ALLOW_REPLACE=1 lets it through', () => {
      const replacing = plan([
        ['aws_instance.server', 'aws_instance', ['delete', 'create']],
        ['aws_eip.server', 'aws_eip', ['update']],
      ]);
      const root = fakeRepo('repo-replace');
      const r = deploy(root, ['aws', '2', '--yes'], { STANDIN_TF_STATE_TIER: '3', STANDIN_TF_PLAN_JSON: replacing });
      expect(r.stdout).toContain('this plan REPLACES or DESTROYS: aws_instance.server');
      expect(r.stderr).toMatch(/stopped: the plan replaces aws_instance\.server; re-run with HYBRID_AI_ALLOW_REPLACE=1/);
      expect(r.status).toBe(1);
      expect(r.calls.some((c) => /\bapply\b/.test(c))).toBe(false);
      const allowed = deploy(fakeRepo('repo-replace-ok'), ['aws', '2', '--yes'], {
        STANDIN_TF_PLAN_JSON: replacing,
        HYBRID_AI_ALLOW_REPLACE: '1',
      });
      expect(allowed.calls.some((c) => /\bapply\b/.test(c))).toBe(true);
    });
  });
});
