// Terraform for AWS and GCP checked offline (no terraform here): every .tf parsed by @cdktf/hcl2json and its structure tested.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tier } from '../../router-core/contracts/decision.js';
import { findLocalModel } from '../../router-core/data/models.js';
import { recommendedModels } from '../../router-core/data/tiers.js';
import { renderTemplate } from '../fixtures/tftpl.js';

type Block = Record<string, unknown>;
/** One module's files merged the way Terraform merges them: block type → (labels →) list of bodies. */
interface Module {
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  resource: Record<string, Record<string, Block[]>>;
  data: Record<string, Record<string, Block[]>>;
  locals: Block[];
  /** Every expression string in the module (for reference checks). */
  expressions: string[];
}

const clouds = ['aws', 'gcp'] as const;
type Cloud = (typeof clouds)[number];
const dirOf = (cloud: Cloud): string => path.resolve('terraform', cloud);
const modules = {} as Record<Cloud, Module>;

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
}

async function loadModule(cloud: Cloud): Promise<Module> {
  const m: Module = { variable: {}, output: {}, resource: {}, data: {}, locals: [], expressions: [] };
  for (const file of readdirSync(dirOf(cloud)).filter((f) => f.endsWith('.tf'))) {
    const json = (await parse(file, readFileSync(path.join(dirOf(cloud), file), 'utf8'))) as Record<string, unknown>;
    collectStrings(json, m.expressions);
    for (const [kind, body] of Object.entries(json)) {
      if (kind === 'locals') m.locals.push(...(body as Block[]));
      else if (kind === 'variable' || kind === 'output') Object.assign(m[kind], body);
      else if (kind === 'resource' || kind === 'data') {
        for (const [type, byName] of Object.entries(body as Record<string, Record<string, Block[]>>))
          m[kind][type] = { ...m[kind][type], ...byName };
      }
    }
  }
  return m;
}

const local = (m: Module, name: string): unknown => m.locals.find((l) => name in l)?.[name];
const blocks = (m: Module, kind: 'resource' | 'data', type: string): Array<[string, Block]> =>
  Object.entries(m[kind][type] ?? {}).map(([name, list]) => [name, list[0]!]);

beforeAll(async () => {
  for (const c of clouds) modules[c] = await loadModule(c);
});

describe('terraform: both clouds parse and are complete', () => {
  it('the offline parser rejects broken HCL with the file and line (so "it parses" means something)', async () => {
    await expect(parse('broken.tf', 'variable "x" {\n  type = \n}\n')).rejects.toThrow(/broken\.tf:\d+/);
  });

  it.each(clouds)('%s: every .tf file parses and the module has variables, resources and outputs', (cloud) => {
    const m = modules[cloud];
    expect(Object.keys(m.variable).length).toBeGreaterThan(5);
    expect(Object.keys(m.resource).length).toBeGreaterThan(5);
    expect(Object.keys(m.output)).toEqual(expect.arrayContaining(['url', 'ssh_command', 'public_ip']));
  });

  it.each(clouds)('%s: every variable has a type and a description', (cloud) => {
    for (const [name, [v]] of Object.entries(modules[cloud].variable)) {
      expect(v!.type, `${cloud} variable ${name} type`).toMatch(/^\$\{(string|number|bool|list|map|object)/);
      expect(String(v!.description ?? ''), `${cloud} variable ${name} description`).not.toBe('');
    }
  });

  it.each(clouds)('%s: the tier variable is validated to 1-4', (cloud) => {
    const tier = modules[cloud].variable.tier![0]!;
    expect(tier.type).toBe('${number}');
    const validation = (tier.validation as Block[])[0]!;
    expect(validation.condition).toBe('${contains([1, 2, 3, 4], var.tier)}');
    expect(validation.error_message).toMatch(/1, 2, 3 or 4/);
  });

  it.each(clouds)('%s: every var., local., data. and resource reference points at something defined', (cloud) => {
    const m = modules[cloud];
    const localNames = new Set(m.locals.flatMap((l) => Object.keys(l)));
    const problems: string[] = [];
    for (const e of m.expressions) {
      for (const [, v] of e.matchAll(/\bvar\.([a-z0-9_]+)/g)) if (!m.variable[v!]) problems.push(`var.${v}`);
      for (const [, l] of e.matchAll(/\blocal\.([a-z0-9_]+)/g)) if (!localNames.has(l!)) problems.push(`local.${l}`);
      for (const [, t, n] of e.matchAll(/\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)/g)) if (!m.data[t!]?.[n!]) problems.push(`data.${t}.${n}`);
      for (const [, t, n] of e.matchAll(/(?<![.\w])((?:aws|google)_[a-z0-9_]+)\.([a-z0-9_]+)/g))
        if (!m.resource[t!]?.[n!]) problems.push(`${t}.${n}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('terraform: tiers as data', () => {
  const typeKey: Record<Cloud, string> = { aws: 'instance_type', gcp: 'machine_type' };

  it.each(clouds)('%s: tiers 1-4 each have a machine type, disk, RAM, GPU flag and a monthly cost', (cloud) => {
    const tiers = local(modules[cloud], 'tiers') as Record<string, Block>;
    expect(Object.keys(tiers).sort()).toEqual(['1', '2', '3', '4']);
    for (const [t, spec] of Object.entries(tiers)) {
      expect(typeof spec[typeKey[cloud]], `${cloud} tier ${t}`).toBe('string');
      expect(spec.disk_gib).toBeGreaterThanOrEqual(20);
      expect(spec.monthly_usd).toBeGreaterThan(0);
    }
    // RAM grows with the tier (the seed's 2 / 4 / 8 / 16 GB; GCP's T4 shape has 15) and only tier 4 has a GPU.
    expect([1, 2, 3, 4].map((t) => tiers[t]!.ram_gib)).toEqual(cloud === 'aws' ? [2, 4, 8, 16] : [2, 4, 8, 15]);
    expect([1, 2, 3].every((t) => !tiers[t]!.gpu)).toBe(true);
    expect(tiers['4']!.gpu).toBeTruthy();
  });

  it.each(clouds)("%s: each tier pulls exactly the router's recommended models for that tier (as Ollama tags)", (cloud) => {
    const tiers = local(modules[cloud], 'tiers') as Record<string, Block>;
    for (const t of [1, 2, 3, 4] as Tier[]) {
      const expected = recommendedModels(t).map((id) => findLocalModel(id)!.ollamaTag);
      expect(tiers[t]!.ollama_models, `${cloud} tier ${t}`).toEqual(expected);
    }
  });

  it.each(clouds)('%s: the README cost table and deploy-all.sh quote the same monthly cost as tiers.tf', (cloud) => {
    const tiers = local(modules[cloud], 'tiers') as Record<string, Block>;
    const readme = readFileSync(path.join(dirOf(cloud), 'README.md'), 'utf8');
    const script = readFileSync('deploy-all.sh', 'utf8');
    for (const t of ['1', '2', '3', '4']) {
      const usd = (tiers[t]!.monthly_usd as number).toFixed(2);
      expect(readme, `${cloud} README tier ${t}`).toMatch(new RegExp(`^\\|\\s*${t}\\s*\\|.*\\$${usd.replace('.', '\\.')}\\s*\\|`, 'm'));
      expect(script, `deploy-all.sh ${cloud}:${t}`).toContain(`${cloud}:${t}) echo "${usd} (${tiers[t]![typeKey[cloud]]}`);
    }
    expect(readme).toMatch(/prices? (as of|from) \d{4}-\d{2}/i);
  });

  it('deploy-all.sh pulls the same models per tier for docker', () => {
    const script = readFileSync('deploy-all.sh', 'utf8');
    const fn = script.slice(script.indexOf('ollama_models() {'), script.indexOf('confirm() {'));
    for (const t of [1, 2, 3, 4] as Tier[]) {
      const expected = recommendedModels(t)
        .map((id) => findLocalModel(id)!.ollamaTag)
        .join(' ');
      expect(fn).toContain(`echo "${expected}"`);
    }
  });
});

describe('terraform: network exposure', () => {
  const world = new Set(['0.0.0.0/0', '::/0']);
  const publicPorts = new Set([80, 443]);

  it('aws: only SSH (from var.ssh_cidr) and 80/443 are open; never the API (8787) or Ollama (11434) port', () => {
    const m = modules.aws;
    const rules = blocks(m, 'resource', 'aws_vpc_security_group_ingress_rule');
    expect(rules.length).toBeGreaterThan(0);
    // No inline ingress on the group itself (it would bypass the per-rule checks below).
    for (const [, sg] of blocks(m, 'resource', 'aws_security_group')) expect(sg.ingress).toBeUndefined();
    expect(m.resource.aws_security_group_rule).toBeUndefined();
    for (const [name, r] of rules) {
      const from = Number(r.from_port);
      const to = Number(r.to_port);
      expect(r.ip_protocol, name).toBe('tcp');
      expect(from, name).toBe(to);
      for (const port of [8787, 11434]) expect(port >= from && port <= to, `${name} covers ${port}`).toBe(false);
      const source = String(r.cidr_ipv4 ?? r.cidr_ipv6);
      if (from === 22) expect(source, name).toBe('${var.ssh_cidr}');
      else {
        expect(publicPorts.has(from), `${name} opens port ${from}`).toBe(true);
        expect(world.has(source) || source.startsWith('${var.'), name).toBe(true);
      }
    }
    expect(rules.some(([, r]) => r.from_port === 443)).toBe(true);
    expect(rules.some(([, r]) => r.from_port === 22)).toBe(true);
  });

  it('gcp: only SSH (from var.ssh_cidr) and 80/443 are open, on a VPC of its own; never 8787 or 11434', () => {
    const m = modules.gcp;
    const rules = blocks(m, 'resource', 'google_compute_firewall');
    expect(rules.length).toBeGreaterThan(0);
    for (const [name, r] of rules) {
      expect(r.direction, name).toBe('INGRESS');
      expect(r.network, name).toBe('${google_compute_network.vpc.name}');
      const ports = (r.allow as Block[]).flatMap((a) => (a.ports as string[]).map(Number));
      for (const p of ports) expect([8787, 11434], `${name} opens ${p}`).not.toContain(p);
      const sources = r.source_ranges as string[];
      if (ports.includes(22)) {
        expect(ports, name).toEqual([22]);
        expect(sources, name).toEqual(['${var.ssh_cidr}']);
      } else
        expect(
          ports.every((p) => publicPorts.has(p)),
          `${name} opens ${ports.join(',')}`,
        ).toBe(true);
    }
    // The default network's rules open SSH to the world; the VM must not use it.
    const vm = blocks(m, 'resource', 'google_compute_instance')[0]![1];
    expect(JSON.stringify(vm.network_interface)).toContain('google_compute_subnetwork.subnet.id');
    expect((blocks(m, 'resource', 'google_compute_network')[0]![1] as Block).auto_create_subnetworks).toBe(false);
  });

  it.each(clouds)('%s: the ssh_cidr variable refuses 0.0.0.0/0', (cloud) => {
    const v = modules[cloud].variable.ssh_cidr![0]!;
    expect(JSON.stringify(v.validation)).toContain('var.ssh_cidr != \\"0.0.0.0/0\\"');
  });
});

describe('terraform: secrets come from the secret manager, never from variables or the state', () => {
  const secretish = /token|key|password|secret|credential/i;

  it.each(clouds)('%s: no variable carries a secret value (only names/IDs of secrets, and the public SSH key)', (cloud) => {
    for (const name of Object.keys(modules[cloud].variable)) {
      if (!secretish.test(name)) continue;
      expect(name, `${cloud} variable ${name}`).toMatch(/(_secret_name|_secret_id|^ssh_public_key)$/);
    }
  });

  it.each(clouds)('%s: no *_secret_version data source or resource (it would copy the value into the state)', (cloud) => {
    const m = modules[cloud];
    const types = [...Object.keys(m.data), ...Object.keys(m.resource)];
    expect(types.filter((t) => /secret.*version/.test(t))).toEqual([]);
  });

  it('aws: secrets are Secrets Manager data sources, readable only by the instance role, and read at boot', () => {
    const m = modules.aws;
    expect(Object.keys(m.data.aws_secretsmanager_secret ?? {}).sort()).toEqual(['anthropic', 'api_token']);
    const policy = m.data.aws_iam_policy_document!.server![0]!;
    const statements = policy.statement as Block[];
    const secrets = statements.find((s) => (s.actions as string[]).some((a) => a.startsWith('secretsmanager:')))!;
    expect(secrets.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(String(secrets.resources)).toContain('data.aws_secretsmanager_secret.api_token.arn');
    for (const s of statements) expect(JSON.stringify(s.resources), 'no wildcard resource').not.toMatch(/"\*"|:\*"/);
    const userData = local(m, 'user_data') as string;
    expect(userData).toContain('secrets_provider     = \\"aws\\"'.replace(/\\"/g, '"'));
  });

  it('gcp: secrets are Secret Manager data sources; the service account gets accessor on those secrets only', () => {
    const m = modules.gcp;
    expect(Object.keys(m.data.google_secret_manager_secret ?? {}).sort()).toEqual(['anthropic', 'api_token']);
    const members = blocks(m, 'resource', 'google_secret_manager_secret_iam_member');
    expect(members.map(([n]) => n).sort()).toEqual(['anthropic', 'api_token']);
    for (const [, b] of members) {
      expect(b.role).toBe('roles/secretmanager.secretAccessor');
      expect(b.secret_id).toMatch(/^\$\{data\.google_secret_manager_secret\./);
    }
    // Least privilege: no project-wide role bindings.
    expect(Object.keys(m.resource).filter((t) => t.startsWith('google_project_iam'))).toEqual([]);
  });
});

describe('terraform: the ledger survives a replaced VM', () => {
  const disk: Record<Cloud, string> = { aws: 'aws_ebs_volume', gcp: 'google_compute_disk' };

  it.each(clouds)('%s: the data lives on its own disk that Terraform refuses to destroy (prevent_destroy)', (cloud) => {
    const m = modules[cloud];
    const [[name, d]] = blocks(m, 'resource', disk[cloud]) as [[string, Block]];
    expect(name).toBe('data');
    expect((d.lifecycle as Block[])[0]!.prevent_destroy).toBe(true);
    expect(d.size).toBe('${var.data_disk_gib}');
    // Attached to the VM, and handed to cloud-init as the device to mount.
    if (cloud === 'aws') {
      const att = blocks(m, 'resource', 'aws_volume_attachment')[0]![1];
      expect(att).toMatchObject({ volume_id: '${aws_ebs_volume.data.id}', instance_id: '${aws_instance.server.id}' });
      // Same zone as the VM's subnet: a volume cannot attach across zones.
      expect(d.availability_zone).toBe('${data.aws_subnet.server.availability_zone}');
      expect(blocks(m, 'resource', 'aws_instance')[0]![1].subnet_id).toBe('${data.aws_subnet.server.id}');
      expect(local(m, 'user_data')).toMatch(
        /data_disk\s*=\s*"\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_\$\{replace\(aws_ebs_volume\.data\.id/,
      );
    } else {
      const vm = blocks(m, 'resource', 'google_compute_instance')[0]![1];
      expect(vm.attached_disk).toEqual([{ source: '${google_compute_disk.data.id}', device_name: '${local.data_device}' }]);
      expect(d.zone).toBe('${var.zone}');
      expect(local(m, 'user_data')).toMatch(/data_disk\s*=\s*"\/dev\/disk\/by-id\/google-\$\{local\.data_device\}"/);
    }
  });
});

describe('terraform: the cloud-init template', () => {
  const template = readFileSync('server-images/cloud-init/hybrid-ai.yaml.tftpl', 'utf8');
  const templateVars = new Set([...template.matchAll(/\$\{([a-z_]+)\}/g)].map((m) => m[1]!));
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-cloudinit-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The templatefile() call's variable names, read from the user_data local. */
  const templatefileKeys = (cloud: Cloud): Set<string> => {
    const userData = local(modules[cloud], 'user_data') as string;
    const args = userData.slice(userData.indexOf('{'));
    return new Set([...args.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((m) => m[1]!));
  };

  it.each(clouds)('%s passes exactly the variables the template uses (templatefile fails on a missing one)', (cloud) => {
    expect([...templatefileKeys(cloud)].sort()).toEqual([...templateVars].sort());
  });

  /** The template rendered as Terraform's templatefile() would (HCL's template parser), with sample values and the cloud's real bundle_fetch command. */
  const render = (cloud: Cloud): Promise<string> => {
    const fetch = (local(modules[cloud], 'bundle_fetch') as string).replace(/\$\{[^}]+\}/g, 'sample');
    const values: Record<string, string> = {
      domain: 'ai.example.com',
      acme_email: 'ops@example.com',
      tier: '2',
      ollama_models: 'tinyllama:1.1b phi:2.7b',
      daily_budget_usd: '5',
      secrets_provider: cloud,
      api_token_secret: 'hybrid-ai/api-token',
      anthropic_key_secret: 'hybrid-ai/anthropic-api-key',
      aws_region: 'us-east-1',
      gcp_project: 'sample-project',
      bundle_fetch: fetch,
      data_disk: cloud === 'aws' ? '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123' : '/dev/disk/by-id/google-hybrid-ai-data',
    };
    return renderTemplate('hybrid-ai.yaml.tftpl', template, values);
  };

  it('the renderer fails where templatefile() fails: a ${...} anywhere (comments too), an unknown variable', async () => {
    await expect(renderTemplate('t.tftpl', '# fills in every ${...}\nx: ${a}\n', { a: 1 })).rejects.toThrow(
      /t\.tftpl:1,.*Invalid expression/,
    );
    await expect(renderTemplate('t.tftpl', 'x: ${a}\ny: ${b}\n', { a: 1 })).rejects.toThrow(/does not contain key "b"/);
    // The escapes render as literal text, as Terraform renders them.
    await expect(renderTemplate('t.tftpl', 'x: ${a} $${b} %%{c}\n', { a: 1 })).resolves.toBe('x: 1 ${b} %{c}\n');
  });

  it.each(clouds)('%s: the rendered file is valid #cloud-config YAML that writes the settings and runs the installer', async (cloud) => {
    const text = await render(cloud);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = load(text, { filename: `${cloud}-cloud-init.yaml` }) as {
      packages: string[];
      write_files: Array<{ path: string; content: string; permissions: string }>;
      runcmd: unknown[];
    };
    expect(doc.packages).toEqual(expect.arrayContaining(['curl', 'jq']));
    const files = Object.fromEntries(doc.write_files.map((f) => [f.path, f]));
    expect(files['/etc/hybrid-ai/deploy.env']!.content).toContain('HYBRID_AI_DOMAIN=ai.example.com');
    expect(files['/etc/hybrid-ai/secrets.env']!.content).toContain(`HYBRID_AI_SECRETS_PROVIDER=${cloud}`);
    expect(files['/usr/local/sbin/hybrid-ai-update']!.permissions).toBe('0755');
    expect(files['/usr/local/sbin/hybrid-ai-update']!.content).toContain('/opt/hybrid-ai/server/deploy/vm/install.sh');
    // The data disk is mounted before the bundle is installed (its install starts the gateway on it).
    expect(doc.runcmd).toEqual([['/usr/local/sbin/hybrid-ai-data-disk'], ['/usr/local/sbin/hybrid-ai-update']]);
    const disk = files['/usr/local/sbin/hybrid-ai-data-disk']!.content;
    expect(disk).toContain(
      cloud === 'aws' ? 'dev=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123' : 'dev=/dev/disk/by-id/google-hybrid-ai-data',
    );
    // Formats only a blank disk, and mounts it where the gateway unit keeps its state.
    expect(disk).toMatch(/blkid "\$dev" >\/dev\/null \|\| mkfs\.ext4/);
    const stateDir = /^StateDirectory=(.+)$/m.exec(readFileSync('server-images/vm/hybrid-ai.service', 'utf8'))![1]!;
    expect(disk).toContain(`LABEL=hybrid-ai-data /var/lib/${stateDir} ext4`);
  });

  // shellcheck is installed by .ci/run; on a machine without it only this check is skipped.
  it.runIf(spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0 || !!process.env.CI).each(clouds)(
    '%s: the scripts cloud-init writes pass shellcheck',
    async (cloud) => {
      const doc = load(await render(cloud)) as { write_files: Array<{ path: string; content: string }> };
      const scripts = ['hybrid-ai-update', 'hybrid-ai-data-disk'].map((name) => {
        const script = path.join(tmp, `${cloud}-${name}.sh`);
        writeFileSync(script, doc.write_files.find((f) => f.path === `/usr/local/sbin/${name}`)!.content);
        return script;
      });
      const r = spawnSync('shellcheck', ['-s', 'bash', ...scripts], { encoding: 'utf8' });
      expect(r.error?.message ?? '', 'shellcheck missing: .ci/run installs it').toBe('');
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );
});
