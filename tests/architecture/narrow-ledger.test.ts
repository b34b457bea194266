// Consumers ask for the ledger concern they use, not the whole `Ledger` (docs/ARCHITECTURE.md, "A ledger query"): no
// gateway or pipeline module names the `Ledger` type except to pick a few of its members (`Pick<Ledger, ...>`).
// Parsed with the TypeScript compiler API, so a comment or a string that mentions the name does not count.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const consumers = ['router-core/gateway', 'router-core/pipeline.ts', 'router-core/pipeline'];

function sources(p: string): string[] {
  const abs = join(root, p);
  if (!statSync(abs).isDirectory()) return [abs];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(abs, f));
}

/** Every `Ledger` type reference that is not the first argument of `Pick<...>`, as "file:line". */
function wholeLedgerUses(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName) && n.typeName.text === 'Ledger') {
      const p = n.parent;
      const picked = ts.isTypeReferenceNode(p) && ts.isIdentifier(p.typeName) && p.typeName.text === 'Pick' && p.typeArguments?.[0] === n;
      if (!picked) out.push(`${relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('narrow ledger interfaces', () => {
  it('no gateway or pipeline module takes the whole Ledger', () => {
    const files = consumers.flatMap(sources);
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(wholeLedgerUses)).toEqual([]);
  });
});
