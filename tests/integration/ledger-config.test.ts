// Choosing the ledger in the config: --ledger-url, HYBRID_AI_LEDGER_URL (or _FILE), `ledgerUrl` in the config file; errors name the field, never the password.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../router-core/server/config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-ledger-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const load = (argv: string[], env: NodeJS.ProcessEnv = {}): Config => loadConfig(['--data-dir', dir, ...argv], env) as Config;
const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    load(argv, env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('ledger URL in the config', () => {
  it('is absent by default (SQLite in the data dir)', () => {
    expect(load([])).toMatchObject({ ledgerUrl: undefined, ledgerPassword: undefined });
  });

  it('comes from the flag, else the environment (or its _FILE), else the config file', () => {
    const conf = file('c.json', JSON.stringify({ ledgerUrl: 'postgres://from-file@db/hai' }));
    expect(load(['--config', conf]).ledgerUrl).toBe('postgres://from-file@db/hai');
    expect(load(['--config', conf], { HYBRID_AI_LEDGER_URL: 'postgresql://from-env@db/hai' }).ledgerUrl).toBe(
      'postgresql://from-env@db/hai',
    );
    expect(
      load(['--config', conf, '--ledger-url', 'postgres://from-flag@db/hai'], { HYBRID_AI_LEDGER_URL: 'postgres://x@db/hai' }).ledgerUrl,
    ).toBe('postgres://from-flag@db/hai');
    const secret = file('url', 'postgres://u:pw@db/hai\n');
    expect(load([], { HYBRID_AI_LEDGER_URL_FILE: secret }).ledgerUrl).toBe('postgres://u:pw@db/hai');
    expect(load([], { HYBRID_AI_LEDGER_PASSWORD_FILE: file('pw', 's3cret\n') }).ledgerPassword).toBe('s3cret');
  });

  it('refuses a bad URL naming where it came from and what is valid, never echoing the password', () => {
    expect(refusal(['--ledger-url', 'mysql://u:s3cret@db/hai'])).toMatch(
      /^Invalid --ledger-url "mysql:\/\/u:\*\*\*@db\/hai": unsupported scheme "mysql:"\. Valid: postgres:\/\//,
    );
    expect(refusal([], { HYBRID_AI_LEDGER_URL: 'postgres://u:s3cret@db' })).toMatch(/^Invalid HYBRID_AI_LEDGER_URL ".*": no database name/);
    const conf = file('bad.json', JSON.stringify({ ledgerUrl: 'nonsense s3cret' }));
    expect(refusal(['--config', conf])).toMatch(/^Invalid "ledgerUrl" in the --config file "\(not a URL\)": not a URL\. Valid:/);
    const wrongType = file('bad2.json', JSON.stringify({ ledgerUrl: 5432 }));
    expect(refusal(['--config', wrongType])).toMatch(/"ledgerUrl" in the --config file: must be a string/);
    for (const m of [refusal(['--ledger-url', 'mysql://u:s3cret@db/hai']), refusal(['--config', conf])]) expect(m).not.toContain('s3cret');
  });
});
