// The README's reference tables keep up with the code: every environment variable the config reads is in the
// Configuration table, and every cloud-provider route the gateway mounts is in the endpoint table.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const source = (f: string) => readFileSync(path.join(root, f), 'utf8');
/** The rows of the README table under `heading` (up to the next heading). */
function section(heading: string): string {
  const start = readme.indexOf(heading);
  expect(start, heading).toBeGreaterThan(-1);
  const rest = readme.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  return end === -1 ? rest : rest.slice(0, end);
}

describe('README: reference tables', () => {
  it('names every environment variable router-core/server/config.ts reads (a _FILE variant as "(or `_FILE`)")', () => {
    const config = source('router-core/server/config.ts');
    const names = new Set(
      [...config.matchAll(/env\.([A-Z][A-Z0-9_]+)|\(env, '([A-Z][A-Z0-9_]+)'|\('([A-Z][A-Z0-9_]{3,})',/g)].map(
        (m) => m[1] ?? m[2] ?? m[3]!,
      ),
    );
    // Platform variables that choose the default data dir, not ours to document.
    for (const platform of ['XDG_DATA_HOME', 'LOCALAPPDATA']) names.delete(platform);
    expect(names.size).toBeGreaterThan(20);
    const table = section('### Configuration');
    const missing = [...names].filter((n) => {
      if (table.includes(`\`${n}\``) || table.includes(`\`${n}=`)) return false;
      const base = n.replace(/_FILE$/, '');
      return !(n.endsWith('_FILE') && table.split('\n').some((row) => row.includes(`\`${base}\``) && row.includes('_FILE')));
    });
    expect(missing).toEqual([]);
  });

  it('lists the cloud-provider routes', () => {
    const routes = [...source('router-core/gateway/cloud-api.ts').matchAll(/app\.(?:get|put|delete|post)\('([^']+)'/g)].map((m) =>
      m[1]!.replace(/:(\w+)/g, '{$1}'),
    );
    expect(routes).toContain('/api/v1/cloud/keys/{provider}');
    const table = section('## Using it');
    for (const r of new Set(routes)) expect(table, r).toMatch(new RegExp(`\`[A-Z/]+ ${r.replace(/[{}]/g, '\\$&')}\``));
  });
});
