// deploy/kubernetes rendered with `kubectl kustomize` and checked offline (OpenAPI schema, unknown fields, cross-references against a real gateway); each check shown to fail on a broken manifest.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../router-core/gateway/app.js';
import {
  crossCheck,
  kubeDir,
  overlays,
  render,
  repoContext,
  unknownFields,
  validateSchemas,
  type CrossContext,
  type KubeObject,
} from '../../scripts/check-kubernetes.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';

// A kubectl with Kustomize v5: on PATH, or fetched by the script (.ci/run runs it first). In CI a missing one fails.
const found = spawnSync('bash', ['scripts/ensure-kubectl.sh'], { encoding: 'utf8', timeout: 300_000 });
const kubectl = found.status === 0 ? found.stdout.trim() : undefined;
const skip = kubectl || process.env.CI ? undefined : `no kubectl with Kustomize v5: ${found.stderr}`;

let srv: TestServer;
let ctx: CrossContext;
let tmp: string;
const rendered = new Map<string, KubeObject[]>();

beforeAll(async () => {
  if (skip) return;
  if (!kubectl) throw new Error(`scripts/ensure-kubectl.sh failed: ${found.stderr}`);
  srv = await startTestServer();
  const routes = new Map(
    routeTable(srv.core.app)
      .filter((r) => r.method === 'GET')
      .map((r) => [r.url, { public: r.public }]),
  );
  ctx = repoContext(routes);
  for (const name of overlays()) rendered.set(name, render(kubectl, path.join(kubeDir, 'overlays', name)));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-kube-'));
}, 300_000);
afterAll(async () => {
  await srv?.core.app.close();
  await srv?.core.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const kinds = (objects: KubeObject[]): string[] => [...new Set(objects.map((o) => o.kind))].sort();
const one = (objects: KubeObject[], kind: string, name?: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? `/${name}` : ''}`);
  return o;
};

describe.skipIf(!!skip)('deploy/kubernetes overlays', () => {
  it('has the three overlays, each rendering the whole deployment', () => {
    expect(overlays()).toEqual(['ollama-cpu', 'ollama-gpu', 'replicas-postgres']);
    const common = ['ConfigMap', 'CronJob', 'Deployment', 'Ingress', 'Namespace', 'NetworkPolicy', 'PersistentVolumeClaim'];
    for (const objects of rendered.values())
      expect(kinds(objects)).toEqual(
        expect.arrayContaining([...common, 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StatefulSet']),
      );
    expect(kinds(rendered.get('replicas-postgres')!)).toEqual(expect.arrayContaining(['HorizontalPodAutoscaler', 'Job']));
    // Ollama: a StatefulSet with its own volume; on the GPU overlay it asks for a GPU.
    const cpu = one(rendered.get('ollama-cpu')!, 'StatefulSet', 'ollama');
    expect((cpu.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates).toHaveLength(1);
    const gpu = JSON.stringify(one(rendered.get('ollama-gpu')!, 'StatefulSet', 'ollama'));
    expect(gpu).toContain('"nvidia.com/gpu":"1"');
    expect(JSON.stringify(cpu)).not.toContain('nvidia.com/gpu');
    // No Secret values anywhere in what the repository renders.
    for (const objects of rendered.values()) expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('every object is valid against the Kubernetes OpenAPI schema (kubernetes-models)', async () => {
    for (const [name, objects] of rendered) expect(await validateSchemas(objects), name).toEqual([]);
  });

  it('no object has a field the schema does not know', () => {
    expect(unknownFields([...rendered].map(([name, objects]) => ({ name, objects })))).toEqual([]);
  }, 120_000);

  it('cross-references hold: selectors, ports, Secrets, ConfigMaps, claims, probes, env names, security, resources', () => {
    for (const [name, objects] of rendered) expect(crossCheck(objects, ctx), name).toEqual([]);
  });

  it('the probes and the scrape path answer on a real gateway as the kubelet and Prometheus call them', async () => {
    for (const objects of rendered.values()) {
      const d = one(objects, 'Deployment', 'hybrid-ai-gateway');
      const c = (d.spec as { template: { spec: { containers: Array<Record<string, { httpGet?: { path: string } }>> } } }).template.spec
        .containers[0]!;
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        // The kubelet sends no token: 200 or 503 (not ready, with reasons) are answers; 401 or 404 are not.
        const r = await fetch(`${srv.url}${c[probe]!.httpGet!.path}`);
        expect([200, 503], `${probe} ${c[probe]!.httpGet!.path}`).toContain(r.status);
      }
      const sm = one(objects, 'ServiceMonitor');
      const ep = (sm.spec as { endpoints: Array<{ path: string }> }).endpoints[0]!;
      expect((await fetch(`${srv.url}${ep.path}`)).status).toBe(401);
      const scraped = await fetch(`${srv.url}${ep.path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('api_gateway_requests_total');
    }
  });
});

describe('deploy/kubernetes scripts', () => {
  // shellcheck is installed by .ci/run (tests/infra/server-images.test.ts); elsewhere a missing one skips this.
  const shellcheck = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;
  it.runIf(shellcheck || !!process.env.CI)('deploy.sh and ensure-kubectl.sh pass shellcheck and are executable', () => {
    const scripts = [path.join(kubeDir, 'deploy.sh'), path.resolve('scripts/ensure-kubectl.sh')];
    for (const sh of scripts) expect(statSync(sh).mode & 0o111, `${sh} is executable`).not.toBe(0);
    const r = spawnSync('shellcheck', scripts, { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!!skip)('ensure-kubectl.sh answers a kubectl whose Kustomize is v5 or newer', () => {
    const v = spawnSync(kubectl!, ['version', '--client'], { encoding: 'utf8' });
    expect(v.stdout).toMatch(/^Kustomize Version: v([5-9]|\d{2,})\./m);
  });
});

/** One way to break the manifests, and what the checks must say about it. */
interface Breakage {
  what: string;
  file: string;
  from: string | RegExp;
  to: string;
  overlay: string;
  expect: RegExp;
}

const breakages: Breakage[] = [
  {
    what: 'a readiness probe on a path the gateway does not serve',
    file: 'base/gateway-deployment.yaml',
    from: 'path: /ready',
    to: 'path: /readyz',
    overlay: 'ollama-cpu',
    expect: /readinessProbe GETs \/readyz, which the gateway does not serve/,
  },
  {
    what: 'a probe on a path that needs the token',
    file: 'base/gateway-deployment.yaml',
    from: 'path: /health\n              port: http\n            periodSeconds: 10',
    to: 'path: /api/v1/stats\n              port: http\n            periodSeconds: 10',
    overlay: 'ollama-cpu',
    expect: /livenessProbe GETs \/api\/v1\/stats, which needs the API token/,
  },
  {
    what: 'a Service selecting no pods',
    file: 'base/gateway-service.yaml',
    from: 'selector:\n    app.kubernetes.io/name: hybrid-ai-gateway',
    to: 'selector:\n    app.kubernetes.io/name: hybrid-ai-gatway',
    overlay: 'ollama-gpu',
    expect: /Service\/hybrid-ai-gateway: selector .*hybrid-ai-gatway.* matches no Deployment or StatefulSet pods/,
  },
  {
    what: 'a Secret name nobody creates',
    file: 'base/gateway-deployment.yaml',
    from: 'secretName: hybrid-ai-secrets',
    to: 'secretName: hybrid-ai-secret',
    overlay: 'ollama-cpu',
    expect: /Secret "hybrid-ai-secret", which neither the manifests nor the README/,
  },
  {
    what: 'a Secret key the README does not create',
    file: 'base/servicemonitor.yaml',
    from: 'key: token',
    to: 'key: api-token',
    overlay: 'ollama-cpu',
    expect: /key "api-token" of Secret "hybrid-ai-secrets", which has only token, anthropic-api-key/,
  },
  {
    what: 'an environment name config.ts does not read',
    file: 'base/gateway-deployment.yaml',
    from: 'name: HYBRID_AI_TOKEN_FILE',
    to: 'name: HYBRID_AI_TOKN_FILE',
    overlay: 'replicas-postgres',
    expect: /sets HYBRID_AI_TOKN_FILE, which router-core\/server\/config.ts does not read/,
  },
  {
    what: 'a ConfigMap name that does not exist',
    file: 'base/backup-cronjob.yaml',
    from: 'name: hybrid-ai-config',
    to: 'name: hybrid-ai-confg',
    overlay: 'ollama-cpu',
    expect: /envFrom ConfigMap "hybrid-ai-confg" does not exist/,
  },
  {
    what: 'a field the schema does not know',
    file: 'base/gateway-deployment.yaml',
    from: 'readinessProbe:',
    to: 'readinesProbe:',
    overlay: 'ollama-cpu',
    expect: /Deployment\/hybrid-ai-gateway: .*'"readinesProbe"' does not exist in type/,
  },
  {
    what: 'a malformed quantity',
    file: 'base/gateway-deployment.yaml',
    from: 'memory: 3Gi',
    to: 'memory: 3GB',
    overlay: 'ollama-cpu',
    expect: /limits\/memory must match format "quantity"/,
  },
  {
    what: 'a pod that may run as root',
    file: 'base/ollama-statefulset.yaml',
    from: 'runAsNonRoot: true',
    to: 'runAsNonRoot: false',
    overlay: 'ollama-cpu',
    expect: /StatefulSet\/ollama: pod securityContext.runAsNonRoot is not true/,
  },
  {
    what: 'a container without limits',
    file: 'overlays/replicas-postgres/migrate-job.yaml',
    // The migrate container's limits (the init container's are followed by its backups mount, not the ledger one).
    from: '            limits:\n              cpu: "1"\n              memory: 512Mi\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [ALL]\n          volumeMounts:\n            - name: ledger',
    to: '          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [ALL]\n          volumeMounts:\n            - name: ledger',
    overlay: 'replicas-postgres',
    expect: /Job\/hybrid-ai-migrate: container "migrate" sets no cpu limit/,
  },
  {
    what: 'a patch that drops a volume a container still mounts',
    file: 'overlays/replicas-postgres/gateway-replicas.yaml',
    from: '        - name: ledger\n          secret:',
    to: '        - name: ledgr\n          secret:',
    overlay: 'replicas-postgres',
    expect: /container "gateway" mounts volume "ledger", which the pod does not declare/,
  },
  {
    what: 'an overlay object outside the namespace',
    file: 'overlays/replicas-postgres/kustomization.yaml',
    from: 'namespace: hybrid-ai\n',
    to: '',
    overlay: 'replicas-postgres',
    expect: /Job\/hybrid-ai-migrate: is in namespace \(none: the default namespace\)/,
  },
  {
    what: 'a Secret with its value in the repository',
    file: 'base/kustomization.yaml',
    from: 'resources:\n',
    to: 'resources:\n  - leaked-secret.yaml\n',
    overlay: 'ollama-cpu',
    expect: /Secret\/leaked: a Secret with its values in the manifests/,
  },
  {
    what: 'a job command the CLI does not have',
    file: 'base/backup-cronjob.yaml',
    from: '"backup", "--keep"',
    to: '"backups", "--keep"',
    overlay: 'ollama-cpu',
    expect: /runs \["node","router-core\/cli\/main.js","backups".*expected node router-core\/cli\/main.js <.*backup/,
  },
];

describe.skipIf(!!skip)('the checks fail on broken manifests', () => {
  for (const b of breakages) {
    it(`finds ${b.what}`, async () => {
      const copy = mkdtempSync(path.join(tmp, 'copy-'));
      cpSync(kubeDir, copy, { recursive: true });
      const file = path.join(copy, b.file);
      const text = readFileSync(file, 'utf8');
      const broken = text.replace(b.from, b.to);
      expect(broken, `${b.file} must contain the text to break`).not.toBe(text);
      writeFileSync(file, broken);
      writeFileSync(
        path.join(copy, 'base', 'leaked-secret.yaml'),
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  token: abc\n',
      );
      const objects = render(kubectl!, path.join(copy, 'overlays', b.overlay));
      const problems = [
        ...(await validateSchemas(objects)),
        ...crossCheck(objects, ctx),
        ...(b.what.includes('schema does not know') ? unknownFields([{ name: b.overlay, objects }]) : []),
      ];
      expect(problems.join('\n')).toMatch(b.expect);
    }, 120_000);
  }

  it('a manifest kustomize cannot build fails with kubectl’s own message', () => {
    const copy = mkdtempSync(path.join(tmp, 'copy-'));
    cpSync(kubeDir, copy, { recursive: true });
    writeFileSync(path.join(copy, 'base', 'gateway-pdb.yaml'), 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: [broken\n');
    expect(() => render(kubectl!, path.join(copy, 'overlays', 'ollama-cpu'))).toThrow(/kubectl kustomize .* failed: /);
  });
});
