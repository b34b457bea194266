// Scheduled ledger backups as each deployment declares them (systemd timer, compose service, Kubernetes CronJob), each command run for real against a ledger.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../router-core/ledger/sqlite.js';

const BIN = path.resolve('bin/hybrid-ai.mjs');
const have = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-sched-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A data dir holding a ledger with `rows` requests. */
async function dataDir(rows: number): Promise<string> {
  const d = mkdtempSync(path.join(tmp, 'data-'));
  const l = openSqliteLedger(path.join(d, 'ledger.db'));
  for (let i = 0; i < rows; i++)
    await l.record({
      id: `r${i}`,
      ts: 1_000 + i,
      protocol: 'native',
      route: 'small',
      model: 'tinyllama',
      engine: 'llamacpp',
      complexity: 0.1,
      reasons: [],
      inputTokens: 1,
      outputTokens: 1,
      costMicros: 0,
      allCloudMicros: 18,
      latencyMs: 5,
      ttftMs: 1,
      status: 'ok',
      errorType: null,
      fallbackFrom: [],
      prompt: null,
      response: null,
    });
  await l.close();
  return d;
}

/**
 * Run a deployment's backup command (`node router-core/cli/main.js ARGS` in the bundle) through this checkout's
 * CLI, with the deployment's environment and its data dir replaced by `data`.
 */
function runDeployed(args: string[], env: Record<string, string>, data: string) {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, HYBRID_AI_DATA_DIR: data },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** The CLI arguments of a command that runs the bundle's CLI entry. */
function cliArgs(command: string[]): string[] {
  const i = command.findIndex((c) => /router-core\/cli\/main\.js$/.test(c));
  expect(i, `${JSON.stringify(command)} runs router-core/cli/main.js`).toBeGreaterThan(-1);
  return command.slice(i + 1);
}

const backups = (d: string): string[] => (existsSync(path.join(d, 'backups')) ? readdirSync(path.join(d, 'backups')) : []);

describe('systemd (VM images)', () => {
  const unit = readFileSync('server-images/vm/hybrid-ai-backup.service', 'utf8');
  const timer = readFileSync('server-images/vm/hybrid-ai-backup.timer', 'utf8');

  it('the timer starts the backup service daily and catches up after downtime; install.sh enables it', () => {
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* \d\d:\d\d:00$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^WantedBy=timers.target$/m);
    const install = readFileSync('server-images/vm/install.sh', 'utf8');
    expect(install).toContain('hybrid-ai-backup.timer');
    expect(install).toMatch(/systemctl enable --now hybrid-ai-backup\.timer/);
  });

  it('the service runs as the gateway’s user on the gateway’s data dir, and its command makes a backup', async () => {
    expect(unit).toMatch(/^User=hybrid-ai$/m);
    const gateway = readFileSync('server-images/vm/hybrid-ai.service', 'utf8');
    const dataDirOf = (u: string) => /^Environment=HYBRID_AI_DATA_DIR=(.+)$/m.exec(u)?.[1];
    expect(dataDirOf(unit)).toBe(dataDirOf(gateway));
    const env = Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    const exec = /^ExecStart=(.+)$/m.exec(unit)![1]!.split(/\s+/);
    const data = await dataDir(3);
    const r = runDeployed(cliArgs(exec), env, data);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/backup: .* \(3 requests/);
    expect(backups(data)).toHaveLength(1);
  });

  it.runIf(have('systemd-analyze'))('systemd-analyze verify accepts the service and the timer', () => {
    const root = path.join(tmp, 'unit-root');
    mkdirSync(path.join(root, 'router-core/cli'), { recursive: true });
    writeFileSync(path.join(root, 'router-core/cli/main.js'), '');
    const units = path.join(tmp, 'units');
    mkdirSync(units, { recursive: true });
    let text = unit.replaceAll('/opt/hybrid-ai/server', root);
    if (!existsSync('/usr/bin/node')) text = text.replace('/usr/bin/node', process.execPath);
    writeFileSync(path.join(units, 'hybrid-ai-backup.service'), text);
    writeFileSync(path.join(units, 'hybrid-ai-backup.timer'), timer);
    chmodSync(units, 0o755);
    const r = spawnSync('systemd-analyze', ['verify', 'hybrid-ai-backup.service', 'hybrid-ai-backup.timer'], {
      cwd: units,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('Docker Compose', () => {
  const compose = load(readFileSync('server-images/docker-compose.yml', 'utf8')) as {
    services: Record<
      string,
      { image?: string; volumes?: string[]; entrypoint?: string[]; command?: string[]; read_only?: boolean; cap_drop?: string[] }
    >;
  };

  it('a backup service shares the gateway’s image and volume, hardened the same way, and its command makes a backup', async () => {
    const b = compose.services.backup!;
    const g = compose.services.gateway!;
    expect(b.image).toBe(g.image);
    expect(b.volumes).toEqual(g.volumes);
    expect(b.read_only).toBe(true);
    expect(b.cap_drop).toEqual(['ALL']);
    const script = b.command!.join('\n');
    const line = /node (router-core\/cli\/main\.js .+?)( \|\||$)/m.exec(script)!;
    expect(script).toMatch(/sleep \d+/);
    const data = await dataDir(2);
    // The image's environment (Dockerfile ENV): the gateway listens on 0.0.0.0, and the backup needs no token for that.
    const r = runDeployed(cliArgs(line[1]!.split(/\s+/)), { HYBRID_AI_HOST: '0.0.0.0', HYBRID_AI_KEYCHAIN: 'off' }, data);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(backups(data)).toHaveLength(1);
  });
});

describe('Kubernetes', () => {
  it('the CronJob’s command, with the gateway’s ConfigMap as its environment, makes a backup', async () => {
    // The base's files as written (rendering and cross-checks: tests/infra/kubernetes.test.ts).
    const cron = load(readFileSync('deploy/kubernetes/base/backup-cronjob.yaml', 'utf8')) as {
      spec: { schedule: string; jobTemplate: { spec: { template: { spec: { containers: Array<{ command: string[] }> } } } } };
    };
    expect(cron.spec.schedule).toMatch(/^\d+ \d+ \* \* \*$/);
    const kustomization = load(readFileSync('deploy/kubernetes/base/kustomization.yaml', 'utf8')) as {
      configMapGenerator: Array<{ name: string; literals: string[] }>;
    };
    const env = Object.fromEntries(
      kustomization.configMapGenerator
        .find((g) => g.name === 'hybrid-ai-config')!
        .literals.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env.HYBRID_AI_HOST).toBe('0.0.0.0');
    const data = await dataDir(4);
    const r = runDeployed(cliArgs(cron.spec.jobTemplate.spec.template.spec.containers[0]!.command), env, data);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(4 requests/);
    expect(backups(data)).toHaveLength(1);
  });
});
