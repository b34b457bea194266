// The server build's dependency scan (scripts/build-server.ts scanImports) on compiled JavaScript: what counts as an import.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nonAsciiAt, scanImports } from '../../scripts/build-server.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function scan(js: string): string[] {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-scan-'));
  writeFileSync(path.join(dir, 'a.js'), js);
  return [...scanImports(dir).keys()].sort();
}

describe('scanImports', () => {
  it('finds static, re-exported, side-effect and dynamic imports of packages, not built-ins or relative files', () => {
    const js = [
      "import fastify from 'fastify';",
      'import {',
      '  z,',
      "} from 'zod';",
      "export { x } from '@scope/pkg/sub';",
      "import 'pino';",
      "const sdk = await import('openai');",
      "import path from 'node:path';",
      "import { y } from './y.js';",
    ].join('\n');
    expect(scan(js)).toEqual(['@scope/pkg', 'fastify', 'openai', 'pino', 'zod']);
  });

  it('does not read a quoted word "from" in data as an import', () => {
    const js = 'const params = [{ name: \'from\', description: \'Start, epoch ms.\' }, { name: "from", in: "query" }];';
    expect(scan(js)).toEqual([]);
  });
});

describe('nonAsciiAt (the bundle must stay ASCII: V8 keeps a source with any other character at two bytes each)', () => {
  it('finds the first character outside ASCII, with the code around it', () => {
    expect(nonAsciiAt('const a = /[-*]/g, b = "\\u2022";')).toBeUndefined();
    expect(nonAsciiAt('const a = /[-*\u2022]/g; const c = "\u00b5";')).toEqual({
      index: 14,
      char: '\u2022',
      context: 'const a = /[-*\u2022]/g; const c = "\u00b5";',
    });
  });
});
