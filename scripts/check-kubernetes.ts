// Checks deploy/kubernetes offline: renders every overlay with `kubectl kustomize`, validates each object against the Kubernetes OpenAPI schema (kubernetes-models) and cross-checks the references between them.
//
// Run by hand: npx tsx scripts/check-kubernetes.ts   (tests/infra/kubernetes.test.ts runs the same checks and also
// proves they fail on broken manifests). Every check returns problems as sentences naming the object and the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadAll } from 'js-yaml';
import ts from 'typescript';

/** A rendered Kubernetes object, as YAML gives it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
/** deploy/kubernetes in this checkout. */
export const kubeDir = path.join(repoRoot, 'deploy', 'kubernetes');

/** The overlays under `dir`/overlays (each renders a whole deployment). */
export function overlays(dir = kubeDir): string[] {
  return readdirSync(path.join(dir, 'overlays'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** `kubectl kustomize DIR`, parsed; throws with kubectl's own message when the overlay does not build. */
export function render(kubectl: string, dir: string): KubeObject[] {
  const r = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr || r.error?.message}`);
  return (loadAll(r.stdout) as Array<KubeObject | null>).filter((o): o is KubeObject => o !== null);
}

const id = (o: KubeObject): string => `${o.kind}/${o.metadata?.name}`;

/** The kubernetes-models module that describes `apiVersion`/`kind` (prometheus-operator's for monitoring.coreos.com). */
export function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Validate each object with its kubernetes-models class (the OpenAPI schema: types, formats, required fields, enums). */
export async function validateSchemas(objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    let Model: new (data: unknown) => { validate(): void };
    try {
      const mod = (await import(modelModule(o.apiVersion, o.kind))) as Record<string, typeof Model>;
      Model = mod[o.kind]!;
      if (!Model) throw new Error('no class');
    } catch {
      problems.push(`${id(o)}: no schema for apiVersion ${o.apiVersion} kind ${o.kind} (a typo, or a kind this check does not know)`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push(`${id(o)}: ${(e as Error).message}`);
    }
  }
  return problems;
}

/**
 * Fields the schema does not know (`readinesProbe`, `limit`): the OpenAPI validators accept them and the API server
 * would drop them silently, so each object is type-checked as an object literal of its kubernetes-models interface,
 * where TypeScript's excess-property check names an unknown field (the first of each object). One program checks
 * every set (each overlay's objects) at once: building it is most of the cost.
 */
export function unknownFields(sets: Array<{ name: string; objects: KubeObject[] }>): string[] {
  const tmp = mkdtempSync(path.join(repoRoot, 'node_modules', '.kube-check-'));
  try {
    const file = path.join(tmp, 'objects.ts');
    const lines: string[] = [];
    let i = 0;
    for (const set of sets)
      for (const o of set.objects) {
        const mod = modelModule(o.apiVersion, o.kind);
        lines.push(`import type { I${o.kind} as T${i} } from ${JSON.stringify(mod)};`);
        lines.push(`// ${set.name}: ${id(o)}`);
        lines.push(`export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`);
        i++;
      }
    writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    });
    const source = program.getSourceFile(file)!;
    return ts.getPreEmitDiagnostics(program, source).map((d) => {
      const pos = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      // The comment line above each object's declaration names it.
      const text = source.text.split('\n');
      let owner = '(unknown object)';
      for (let l = pos; l >= 0; l--) {
        const m = /^\/\/ (.+)$/.exec(text[l] ?? '');
        if (m) {
          owner = m[1]!;
          break;
        }
      }
      return `${owner}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** What the cross-checks compare the manifests with: facts of this repository, gathered by the caller. */
export interface CrossContext {
  /** The image name of the gateway (its containers get the gateway-specific checks). */
  gatewayImage: string;
  /** The version the gateway image must be tagged with (package.json). */
  version: string;
  /** Environment names router-core/server/config.ts reads. */
  configEnv: ReadonlySet<string>;
  /** GET routes the gateway serves: path → whether it needs no token. */
  routes: ReadonlyMap<string, { public: boolean }>;
  /** `hybrid-ai` subcommands (router-core/cli/main.ts). */
  cliCommands: ReadonlySet<string>;
  /** Secrets created outside the manifests (documented in deploy/kubernetes/README.md): name → keys. */
  externalSecrets: ReadonlyMap<string, ReadonlySet<string>>;
}

type Obj = Record<string, unknown>;
type Container = Obj & {
  name: string;
  image?: string;
  command?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Obj }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  resources?: { requests?: Obj; limits?: Obj };
  securityContext?: Obj & { capabilities?: { drop?: string[] } };
};
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<Obj & { name: string }>;
  securityContext?: Obj & { seccompProfile?: { type?: string } };
  affinity?: { podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ labelSelector?: { matchLabels?: Obj } }> } };
}
interface Pod {
  owner: KubeObject;
  labels: Record<string, string>;
  spec: PodSpec;
  claimTemplates: string[];
}

const get = (o: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);

/** The pod templates of the workloads among `objects`. */
function podsOf(objects: KubeObject[]): Pod[] {
  const pods: Pod[] = [];
  for (const o of objects) {
    const template =
      o.kind === 'CronJob'
        ? get(o, 'spec', 'jobTemplate', 'spec', 'template')
        : ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)
          ? get(o, 'spec', 'template')
          : undefined;
    if (!template) continue;
    const claimTemplates = ((get(o, 'spec', 'volumeClaimTemplates') as KubeObject[] | undefined) ?? []).map((c) => c.metadata.name);
    pods.push({
      owner: o,
      labels: (get(template, 'metadata', 'labels') as Record<string, string>) ?? {},
      spec: get(template, 'spec') as PodSpec,
      claimTemplates,
    });
  }
  return pods;
}

const matches = (selector: Record<string, unknown> | undefined, labels: Record<string, string>): boolean =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Sensitive-looking names whose value must come from a Secret, never from the manifest. */
const SECRET_NAME = /(TOKEN|KEY|PASSWORD|SECRET|LEDGER_URL)$/;

/** The cross-reference and policy checks over one rendered overlay. */
export function crossCheck(objects: KubeObject[], ctx: CrossContext): string[] {
  const problems: string[] = [];
  const p = (o: KubeObject, msg: string): void => void problems.push(`${id(o)}: ${msg}`);
  const byKind = (kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);
  const pods = podsOf(objects);
  const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, new Set(Object.keys((c.data as Obj) ?? {}))]));
  const secrets = new Map<string, ReadonlySet<string>>(ctx.externalSecrets);
  for (const s of byKind('Secret')) {
    // Secrets are referenced, never inlined: a rendered Secret with data means a value sits in the repository.
    if (s.data || s.stringData) p(s, 'a Secret with its values in the manifests; create it in the cluster instead (README, "Secrets")');
    secrets.set(s.metadata.name, new Set([...Object.keys((s.data as Obj) ?? {}), ...Object.keys((s.stringData as Obj) ?? {})]));
  }
  const pvcs = new Set(byKind('PersistentVolumeClaim').map((c) => c.metadata.name));
  const services = byKind('Service');
  // One namespace for all: Secrets, ConfigMaps and Service names resolve only within it (an overlay's own objects
  // get none from the base's `namespace:`).
  const namespaced = objects.filter((o) => o.kind !== 'Namespace');
  const namespaces = new Set(namespaced.map((o) => o.metadata.namespace ?? '(none: the default namespace)'));
  if (namespaces.size > 1)
    for (const o of namespaced)
      p(o, `is in namespace ${o.metadata.namespace ?? '(none: the default namespace)'}; the others are in ${[...namespaces].join(', ')}`);

  const secretRef = (o: KubeObject, name: string, key: string | undefined, where: string, optional = false): void => {
    const keys = secrets.get(name);
    if (!keys) {
      if (!optional)
        p(o, `${where} refers to Secret "${name}", which neither the manifests nor the README's kubectl create secret commands make`);
      return;
    }
    if (key !== undefined && !keys.has(key))
      p(o, `${where} refers to key "${key}" of Secret "${name}", which has only ${[...keys].join(', ') || 'no keys'}`);
  };

  // Workloads: selectors select their own pods.
  for (const w of objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))) {
    const sel = get(w, 'spec', 'selector', 'matchLabels') as Record<string, string> | undefined;
    const labels = (get(w, 'spec', 'template', 'metadata', 'labels') as Record<string, string>) ?? {};
    if (!matches(sel, labels)) p(w, `spec.selector ${JSON.stringify(sel)} does not select its own pod labels ${JSON.stringify(labels)}`);
    if (w.kind === 'StatefulSet') {
      const svc = services.find((s) => s.metadata.name === get(w, 'spec', 'serviceName'));
      if (!svc) p(w, `serviceName "${String(get(w, 'spec', 'serviceName'))}" is not a Service in the manifests`);
      else if (get(svc, 'spec', 'clusterIP') !== 'None')
        p(w, `serviceName "${svc.metadata.name}" must be a headless Service (clusterIP: None)`);
    }
  }

  // Services: each selects pods, and its target ports are ports those pods declare.
  for (const s of services) {
    const sel = get(s, 'spec', 'selector') as Record<string, string> | undefined;
    const targets = pods.filter((pod) => matches(sel, pod.labels) && pod.owner.kind !== 'Job' && pod.owner.kind !== 'CronJob');
    if (targets.length === 0) {
      p(s, `selector ${JSON.stringify(sel)} matches no Deployment or StatefulSet pods`);
      continue;
    }
    for (const port of (get(s, 'spec', 'ports') as Obj[]) ?? []) {
      const target = port.targetPort ?? port.port;
      const ok = targets.every((pod) =>
        pod.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === target || cp.containerPort === target)),
      );
      if (!ok) p(s, `port ${String(port.name ?? port.port)} targets "${String(target)}", which its pods do not declare`);
    }
  }

  // Selectors of PDBs, NetworkPolicies and ServiceMonitors select something real.
  for (const pdb of byKind('PodDisruptionBudget')) {
    const sel = get(pdb, 'spec', 'selector', 'matchLabels') as Record<string, string> | undefined;
    if (!pods.some((pod) => matches(sel, pod.labels))) p(pdb, `selector ${JSON.stringify(sel)} matches no pods`);
  }
  for (const np of byKind('NetworkPolicy')) {
    const sel = get(np, 'spec', 'podSelector', 'matchLabels') as Record<string, string> | undefined;
    if (!pods.some((pod) => matches(sel, pod.labels))) p(np, `podSelector ${JSON.stringify(sel)} matches no pods`);
    for (const rule of (get(np, 'spec', 'ingress') as Obj[]) ?? [])
      for (const from of (rule.from as Obj[]) ?? []) {
        const fsel = get(from, 'podSelector', 'matchLabels') as Record<string, string> | undefined;
        if (fsel && !pods.some((pod) => matches(fsel, pod.labels)))
          p(np, `ingress from podSelector ${JSON.stringify(fsel)} matches no pods`);
      }
  }
  for (const sm of byKind('ServiceMonitor')) {
    const sel = get(sm, 'spec', 'selector', 'matchLabels') as Record<string, string> | undefined;
    const svcs = services.filter((s) => matches(sel, s.metadata.labels ?? {}));
    if (svcs.length === 0) p(sm, `selector ${JSON.stringify(sel)} matches no Service's labels`);
    for (const ep of (get(sm, 'spec', 'endpoints') as Obj[]) ?? []) {
      if (!svcs.some((s) => ((get(s, 'spec', 'ports') as Obj[]) ?? []).some((pt) => pt.name === ep.port)))
        p(sm, `endpoint port "${String(ep.port)}" is not a named port of the selected Service`);
      const route = ctx.routes.get(String(ep.path ?? '/metrics'));
      if (!route) p(sm, `scrapes ${String(ep.path)}, which the gateway does not serve`);
      const cred = get(ep, 'authorization', 'credentials') as { name: string; key: string } | undefined;
      if (route && !route.public && !cred) p(sm, `scrapes ${String(ep.path)}, which needs the API token, without authorization`);
      if (cred) secretRef(sm, cred.name, cred.key, 'authorization.credentials');
    }
  }

  // HPA targets, Ingress backends and TLS secrets exist.
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = get(hpa, 'spec', 'scaleTargetRef') as { kind: string; name: string };
    if (!objects.some((o) => o.kind === ref.kind && o.metadata.name === ref.name))
      p(hpa, `scaleTargetRef ${ref.kind}/${ref.name} does not exist`);
    const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
    const c = (get(target, 'spec', 'template', 'spec', 'containers') as Container[] | undefined) ?? [];
    const metrics = (get(hpa, 'spec', 'metrics') as Obj[]) ?? [];
    for (const m of metrics) {
      const res = String(get(m, 'resource', 'name'));
      // Utilization is a share of the request: without one the HPA cannot compute it.
      if (c.some((ct) => get(ct, 'resources', 'requests', res) === undefined))
        p(hpa, `scales on ${res} utilisation but ${ref.name} requests no ${res}`);
    }
  }
  for (const ing of byKind('Ingress')) {
    const tls = (get(ing, 'spec', 'tls') as Obj[] | undefined) ?? [];
    if (tls.length === 0) p(ing, 'has no TLS section: the API token would cross the network in clear text');
    for (const t of tls) secretRef(ing, String(t.secretName), undefined, 'tls.secretName');
    const hosts = new Set(tls.flatMap((t) => (t.hosts as string[]) ?? []));
    for (const rule of (get(ing, 'spec', 'rules') as Obj[]) ?? []) {
      if (!hosts.has(String(rule.host))) p(ing, `host ${String(rule.host)} is served without TLS (not in spec.tls hosts)`);
      for (const path_ of (get(rule, 'http', 'paths') as Obj[]) ?? []) {
        const svc = get(path_, 'backend', 'service') as { name: string; port: { name?: string; number?: number } };
        const s = services.find((x) => x.metadata.name === svc.name);
        if (!s) p(ing, `backend Service "${svc.name}" does not exist`);
        else if (!((get(s, 'spec', 'ports') as Obj[]) ?? []).some((pt) => pt.name === svc.port.name || pt.port === svc.port.number))
          p(ing, `backend port ${JSON.stringify(svc.port)} is not a port of Service ${svc.name}`);
      }
    }
  }

  // Pods: volumes, secrets, config maps, security, resources, and the gateway's env, probes and commands.
  for (const pod of pods) {
    const o = pod.owner;
    const volumes = pod.spec.volumes ?? [];
    const names = volumes.map((v) => v.name);
    for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) p(o, `volume "${dup}" is declared twice`);
    const sc = pod.spec.securityContext ?? {};
    if (sc.runAsNonRoot !== true) p(o, 'pod securityContext.runAsNonRoot is not true');
    if (sc.seccompProfile?.type !== 'RuntimeDefault') p(o, 'pod securityContext.seccompProfile.type is not RuntimeDefault');
    if (get(o, 'spec', 'template', 'spec', 'automountServiceAccountToken') === true)
      p(o, 'mounts a service account token it does not need');
    for (const v of volumes) {
      const claim = get(v, 'persistentVolumeClaim', 'claimName') as string | undefined;
      if (claim !== undefined && !pvcs.has(claim)) p(o, `volume "${v.name}" claims PersistentVolumeClaim "${claim}", which does not exist`);
      const sec = v.secret as { secretName: string; items?: Array<{ key: string }>; optional?: boolean } | undefined;
      if (sec) {
        secretRef(o, sec.secretName, undefined, `volume "${v.name}"`, sec.optional);
        for (const it of sec.items ?? []) secretRef(o, sec.secretName, it.key, `volume "${v.name}"`, sec.optional);
      }
      const cm = get(v, 'configMap', 'name') as string | undefined;
      if (cm !== undefined && !configMaps.has(cm)) p(o, `volume "${v.name}" mounts ConfigMap "${cm}", which does not exist`);
    }
    const mounted = new Set<string>();
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
      const where = `container "${c.name}"`;
      for (const m of c.volumeMounts ?? []) {
        mounted.add(m.name);
        if (!names.includes(m.name) && !pod.claimTemplates.includes(m.name))
          p(o, `${where} mounts volume "${m.name}", which the pod does not declare`);
      }
      const csc = c.securityContext ?? {};
      if (csc.allowPrivilegeEscalation !== false) p(o, `${where}: allowPrivilegeEscalation is not false`);
      if (csc.readOnlyRootFilesystem !== true) p(o, `${where}: readOnlyRootFilesystem is not true`);
      if (!(csc.capabilities?.drop ?? []).includes('ALL')) p(o, `${where}: capabilities are not dropped (drop: [ALL])`);
      if (csc.privileged === true) p(o, `${where} is privileged`);
      for (const kind of ['requests', 'limits'] as const)
        for (const res of ['cpu', 'memory'])
          if (get(c, 'resources', kind, res) === undefined) p(o, `${where} sets no ${res} ${kind.slice(0, -1)}`);
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef && !configMaps.has(ef.configMapRef.name))
          p(o, `${where} envFrom ConfigMap "${ef.configMapRef.name}" does not exist`);
        if (ef.secretRef) secretRef(o, ef.secretRef.name, undefined, `${where} envFrom`);
      }
      for (const e of c.env ?? []) {
        const sk = get(e, 'valueFrom', 'secretKeyRef') as { name: string; key: string; optional?: boolean } | undefined;
        if (sk) secretRef(o, sk.name, sk.key, `${where} env ${e.name}`, sk.optional);
        const ck = get(e, 'valueFrom', 'configMapKeyRef') as { name: string; key: string } | undefined;
        if (ck && !configMaps.get(ck.name)?.has(ck.key))
          p(o, `${where} env ${e.name} refers to ConfigMap key ${ck.name}/${ck.key}, which does not exist`);
        if (e.value !== undefined && SECRET_NAME.test(e.name))
          p(o, `${where} env ${e.name} holds a secret in the manifest; use ${e.name}_FILE or a secretKeyRef`);
      }

      if (!c.image?.startsWith(`${ctx.gatewayImage}:`) && c.image !== ctx.gatewayImage) continue;
      // The gateway image: versioned, configured only by names config.ts reads, files from mounted secrets.
      if (c.image !== `${ctx.gatewayImage}:${ctx.version}`)
        p(o, `${where} runs ${c.image}; the release is ${ctx.gatewayImage}:${ctx.version} (package.json)`);
      const envNames = new Map<string, string | undefined>();
      for (const ef of c.envFrom ?? [])
        if (ef.configMapRef) for (const k of configMaps.get(ef.configMapRef.name) ?? []) envNames.set(k, undefined);
      for (const e of c.env ?? []) envNames.set(e.name, e.value);
      for (const [name, value] of envNames) {
        if (!ctx.configEnv.has(name)) p(o, `${where} sets ${name}, which router-core/server/config.ts does not read`);
        if (name.endsWith('_FILE') && value !== undefined) {
          const mount = (c.volumeMounts ?? []).find((m) => path.posix.dirname(value) === m.mountPath.replace(/\/$/, ''));
          const vol = volumes.find((v) => v.name === mount?.name);
          const sec = vol?.secret as { secretName: string; items?: Array<{ key: string; path: string }> } | undefined;
          if (!sec) p(o, `${where} ${name}=${value} is not a file of a mounted Secret`);
          else if (sec.items && !sec.items.some((it) => it.path === path.posix.basename(value)))
            p(o, `${where} ${name}=${value}: Secret volume "${vol!.name}" has no item at that path`);
          else if (!sec.items) secretRef(o, sec.secretName, path.posix.basename(value), `${where} ${name}`);
        }
      }
      const cmd = c.command ?? [];
      if (cmd.length > 0) {
        if (cmd[0] !== 'node' || cmd[1] !== 'router-core/cli/main.js' || !ctx.cliCommands.has(cmd[2] ?? ''))
          p(o, `${where} runs ${JSON.stringify(cmd)}; expected node router-core/cli/main.js <${[...ctx.cliCommands].join('|')}>`);
      }
      const ports = new Map((c.ports ?? []).map((pt) => [pt.name, pt.containerPort]));
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const hg = get(c, probe, 'httpGet') as { path: string; port: string | number } | undefined;
        if (!get(c, probe)) {
          if (cmd.length === 0 && probe !== 'startupProbe') p(o, `${where} has no ${probe}`);
          continue;
        }
        if (!hg) continue;
        const route = ctx.routes.get(hg.path);
        if (!route) p(o, `${where} ${probe} GETs ${hg.path}, which the gateway does not serve`);
        else if (!route.public) p(o, `${where} ${probe} GETs ${hg.path}, which needs the API token (the kubelet sends none)`);
        const port = typeof hg.port === 'number' ? hg.port : ports.get(hg.port);
        const listen = configMapsValue(objects, c, 'HYBRID_AI_PORT') ?? '8787';
        if (port === undefined) p(o, `${where} ${probe} port "${hg.port}" is not a container port`);
        else if (String(port) !== listen)
          p(o, `${where} ${probe} port ${port} is not where the gateway listens (HYBRID_AI_PORT=${listen})`);
      }
      if (cmd.length === 0) {
        if (get(c, 'readinessProbe', 'httpGet', 'path') !== '/ready') p(o, `${where} readinessProbe must GET /ready`);
        if (get(c, 'livenessProbe', 'httpGet', 'path') !== '/health') p(o, `${where} livenessProbe must GET /health`);
      }
    }
    for (const v of names) if (!mounted.has(v)) p(o, `volume "${v}" is mounted by no container`);
    const affinity = pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    for (const a of affinity)
      if (!pods.some((other) => other !== pod && matches(a.labelSelector?.matchLabels, other.labels)))
        p(o, `podAffinity ${JSON.stringify(a.labelSelector?.matchLabels)} matches no pods: it could never be scheduled`);
  }
  return problems;
}

/** The value of `name` as container `c` gets it from a ConfigMap (envFrom), if any. */
function configMapsValue(objects: KubeObject[], c: Container, name: string): string | undefined {
  for (const ef of c.envFrom ?? []) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef?.name);
    const v = get(cm, 'data', name);
    if (typeof v === 'string') return v;
  }
  return (c.env ?? []).find((e) => e.name === name)?.value;
}

/** Environment names config.ts reads: string literals that name a variable, and NAME_FILE for each secret(env, 'NAME'). */
export function configEnvNames(configSource: string): Set<string> {
  const names = new Set<string>();
  for (const m of configSource.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)) names.add(m[1]!);
  for (const m of configSource.matchAll(/\benv\.([A-Z][A-Z0-9_]{2,})\b/g)) names.add(m[1]!);
  for (const m of configSource.matchAll(/secret\(env, '([A-Z0-9_]+)'\)/g)) names.add(`${m[1]!}_FILE`);
  return names;
}

/** `hybrid-ai` subcommands: the `case '…':` labels of router-core/cli/main.ts. */
export function cliCommands(mainSource: string): Set<string> {
  return new Set([...mainSource.matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]!).filter((c) => c !== 'help'));
}

/**
 * Secrets the README tells the operator to create: `kubectl create secret generic NAME --from-literal=KEY=…` /
 * `--from-file=KEY=…`, and `kubectl create secret tls NAME` (keys tls.crt, tls.key).
 */
export function documentedSecrets(readme: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const text = readme.replace(/\\\n\s*/g, ' ');
  for (const m of text.matchAll(/kubectl\b[^\n]*?create secret (generic|tls) ([a-z0-9-]+)([^\n]*)/g)) {
    const keys = new Set<string>(m[1] === 'tls' ? ['tls.crt', 'tls.key'] : []);
    for (const k of m[3]!.matchAll(/--from-(?:literal|file)=([A-Za-z0-9._-]+)=/g)) keys.add(k[1]!);
    out.set(m[2]!, keys);
  }
  // cert-manager makes the Ingress's certificate Secret from its annotation (README, "TLS").
  for (const m of text.matchAll(/cert-manager creates (?:the )?`?([a-z0-9-]+)`? Secret/g)) out.set(m[1]!, new Set(['tls.crt', 'tls.key']));
  return out;
}

/** The facts of this checkout that crossCheck compares with, except the routes (the caller's running gateway has them). */
export function repoContext(routes: CrossContext['routes']): CrossContext {
  const read = (rel: string): string => readFileSync(path.join(repoRoot, rel), 'utf8');
  return {
    gatewayImage: 'hybrid-ai-stack',
    version: (JSON.parse(read('package.json')) as { version: string }).version,
    configEnv: configEnvNames(read('router-core/server/config.ts')),
    routes,
    cliCommands: cliCommands(read('router-core/cli/main.ts')),
    externalSecrets: documentedSecrets(read('deploy/kubernetes/README.md')),
  };
}

/** Every check over every overlay of `dir`; problems prefixed with the overlay. */
export async function checkAll(kubectl: string, ctx: CrossContext, dir = kubeDir): Promise<string[]> {
  const problems: string[] = [];
  const sets: Array<{ name: string; objects: KubeObject[] }> = [];
  for (const name of overlays(dir)) {
    let objects: KubeObject[];
    try {
      objects = render(kubectl, path.join(dir, 'overlays', name));
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
      continue;
    }
    sets.push({ name, objects });
    const found = [...(await validateSchemas(objects)), ...crossCheck(objects, ctx)];
    problems.push(...found.map((f) => `${name}: ${f}`));
  }
  return [...problems, ...unknownFields(sets)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Standalone: the gateway's GET routes from a real in-process core (no listening socket).
  const { createCore } = await import('../router-core/server/wiring.js');
  const { loadConfig } = await import('../router-core/server/config.js');
  const { routeTable } = await import('../router-core/gateway/app.js');
  const data = mkdtempSync(path.join(repoRoot, 'node_modules', '.kube-check-core-'));
  const config = loadConfig(['--data-dir', data], {
    HYBRID_AI_KEYCHAIN: 'off',
    HYBRID_AI_MANAGE_OLLAMA: 'off',
    OLLAMA_HOST: '127.0.0.1:9',
  });
  if (config === 'help') throw new Error('unreachable');
  const core = await createCore(config);
  const routes = new Map(
    routeTable(core.app)
      .filter((r) => r.method === 'GET')
      .map((r) => [r.url, { public: r.public }]),
  );
  await core.close();
  rmSync(data, { recursive: true, force: true });
  const kubectl = spawnSync('bash', [path.join(repoRoot, 'scripts', 'ensure-kubectl.sh')], { encoding: 'utf8' });
  if (kubectl.status !== 0) throw new Error(kubectl.stderr);
  const problems = await checkAll(kubectl.stdout.trim(), repoContext(routes));
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(problems.length === 0 ? `deploy/kubernetes: ${overlays().length} overlays, no problems\n` : '');
  process.exitCode = problems.length === 0 ? 0 : 1;
}
