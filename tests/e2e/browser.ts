// End-to-end harness: a built UI, Debian's Chromium through playwright-core, axe-core checks and screenshots.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's Chromium (`apt-get install chromium`, done by .ci/run); Playwright's own download cannot work here. */
export const CHROMIUM = process.env.HYBRID_AI_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go: outside the repository, one PNG per screen and colour scheme. */
export const SHOTS_DIR = process.env.HYBRID_AI_SHOTS_DIR ?? path.join(os.tmpdir(), 'hybrid-ai-screens');

/** Build dist/renderer when it is missing or older than renderer/ (the same check `npm run serve` makes). */
export function ensureUiBuilt(): void {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-ui.mjs')], { cwd: root, stdio: 'inherit' });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console messages the page printed (CSP violations show up here). */
  console: string[];
  close(): Promise<void>;
}

/** A fresh Chromium profile (new user-data dir), headless, with nothing reaching out to the network. */
export async function openBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does), or set HYBRID_AI_CHROMIUM.`,
    );
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'hai-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  // why 20 s: below Vitest's 30 s test timeout, so a wait that never ends fails naming what it waited for,
  // not as a bare "test timed out"; the slowest step on a loaded 2-core CI machine takes a few seconds.
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    console: consoleLines,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/**
 * Run axe-core on the page and return the serious and critical violations.
 * The page's CSP forbids inline scripts, so page.addScriptTag (an inline <script>) is refused by the browser;
 * axe is evaluated through the DevTools protocol instead, which CSP does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Let a colour-scheme switch or a fresh render settle: two frames.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, o: object): Promise<unknown> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  )) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Readable summary (rule, impact, help, failing nodes); '' when there is nothing to report. */
export function describeViolations(v: AxeViolation[]): string {
  return v
    .map(
      (x) => `${x.id} (${x.impact}): ${x.help}\n  ${x.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n  ')}`,
    )
    .join('\n');
}

/** Save a full-window screenshot as <SHOTS_DIR>/<name>.png and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
