// Serves the built renderer (dist/renderer) at / and /assets/* with a strict Content-Security-Policy.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CoreError } from '../errors.js';

/** Where `npm run build:ui` writes the UI: <repo>/dist/renderer. */
export const defaultUiDir = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

/**
 * The page may load only its own scripts, styles and fonts, talk only to this server, and never be framed.
 * No 'unsafe-inline' anywhere: React sets styles through the CSSOM, which style-src does not govern.
 * img-src allows data: (inlined icons) but no remote host, so Markdown from a model cannot beacon out.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Shown at / when the UI was never built: says exactly what to run. */
export function notBuiltPage(uiDir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hybrid AI: UI not built</title></head>
<body>
<h1>The app's UI is not built yet</h1>
<p>The API is running; only the web UI is missing from <code>${escapeHtml(uiDir)}</code>.</p>
<p>Build it with <code>npm run build:ui</code> and reload this page
(<code>npm run serve</code> builds it for you when it is missing or older than <code>renderer/</code>).</p>
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function sendIndex(reply: FastifyReply, uiDir: string): Promise<FastifyReply> {
  void reply.headers(securityHeaders);
  let html: string;
  try {
    html = await readFile(path.join(uiDir, 'index.html'), 'utf8');
  } catch {
    // HEAD / is a heartbeat (the Ollama CLI sends one before every command and stops on any error status): the API is
    // up, so it gets a 200; only a page load (GET) needs to learn that the UI is missing.
    if (reply.request.method === 'HEAD') return reply.code(200).header('cache-control', 'no-store').type('text/html; charset=utf-8').send();
    return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notBuiltPage(uiDir));
  }
  // index.html names the hashed assets of the current build: always revalidate it.
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
}

/** Register `/` and `/assets/*`; both are public (no token) because they hold no data, only the app's code. */
export function mountStatic(app: FastifyInstance, opts: { uiDir?: string } = {}): void {
  const uiDir = path.resolve(opts.uiDir ?? defaultUiDir);
  const assetsDir = path.join(uiDir, 'assets');

  app.get('/', { config: { public: true } }, (_req, reply) => sendIndex(reply, uiDir));
  app.get('/index.html', { config: { public: true } }, (_req, reply) => sendIndex(reply, uiDir));

  app.get('/assets/*', { config: { public: true } }, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const file = path.resolve(assetsDir, rel);
    const notFound = new CoreError('not_found', `No UI asset "${rel}". Rebuild the UI with \`npm run build:ui\`.`);
    if (rel.includes('\0') || !file.startsWith(assetsDir + path.sep)) throw notFound;
    let body: Buffer;
    try {
      if (!(await stat(file)).isFile()) throw notFound;
      body = await readFile(file);
    } catch {
      throw notFound;
    }
    // Vite puts a content hash in every asset name: the bytes behind a name never change.
    return reply
      .headers({ ...securityHeaders, 'cache-control': 'public, max-age=31536000, immutable' })
      .type(types[path.extname(file).toLowerCase()] ?? 'application/octet-stream')
      .send(body);
  });
}
