// `npm run test:electron`: the desktop app end to end through Playwright's _electron (needs the Electron binary; not part of npm test).
// Opens the app, asks a question (embedded llama.cpp on the generated tiny GGUF, the Claude stand-in for the cloud),
// sees the answer and its route badge, then opens quick ask. Where the binary is absent it says so and exits 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn } from '../stand-ins/anthropic-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** First answer from the tiny model on a loaded 2-core machine, with core start-up: generous, it is one run. */
const ANSWER_TIMEOUT_MS = 120_000;

/** The Electron binary, found like scripts/start-electron.mjs does (require('electron') would try to download it). */
function electronBinary(): string | null {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile) && !process.env.ELECTRON_OVERRIDE_DIST_PATH) return null;
  const fallback = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform as string] ?? 'electron';
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : fallback;
  const bin = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, name)
    : path.join(pkgDir, 'dist', name);
  return existsSync(bin) ? bin : null;
}

async function main(): Promise<void> {
  const binary = electronBinary();
  if (!binary) {
    console.log(
      'test:electron needs the Electron binary, which is not installed here (node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH). ' +
        'Nothing was run. On a machine with internet access `npx install-electron` fetches it.',
    );
    return;
  }
  for (const [cmd, args] of [
    ['node', ['scripts/ensure-ui.mjs']],
    ['npx', ['tsx', 'scripts/build-electron.ts']],
  ] as const) {
    const r = spawnSync(cmd, [...args], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed`);
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-electron-e2e-'));
  const gguf = await makeTinyGguf(path.join(tmp, 'tiny.gguf'));
  const claude = await startAnthropicStandIn({ apiKey: 'sk-ant-api03-electron-e2e', deltaDelayMs: 5, answerWords: 10 });
  const app = await electron.launch({
    executablePath: binary,
    args: [root],
    cwd: root,
    env: {
      ...process.env,
      XDG_DATA_HOME: path.join(tmp, 'data'),
      HYBRID_AI_LOCAL_MODEL: gguf.path,
      HYBRID_AI_THREADS: '1',
      ANTHROPIC_API_KEY: 'sk-ant-api03-electron-e2e',
      ANTHROPIC_BASE_URL: claude.url,
    },
  });
  try {
    const win = await app.firstWindow();
    await win.locator('#prompt').waitFor({ timeout: ANSWER_TIMEOUT_MS });
    await win.locator('#prompt').fill('Say hello.');
    await win.keyboard.press('Enter');
    const answer = win.locator('article[aria-label="Answer"]').last();
    await answer.and(win.locator('[data-state="done"]')).waitFor({ timeout: ANSWER_TIMEOUT_MS });
    assert.ok(((await answer.textContent()) ?? '').trim().length > 0, 'the answer is empty');
    const badge = answer.locator('[data-testid=route-badge]');
    await badge.waitFor();
    assert.match((await badge.locator('.route-pill').textContent()) ?? '', /^(small|medium|large|cloud)$/);
    console.log('✓ asked in the main window: answer and route badge shown');

    // Quick ask: the File menu's "Quick ask" item (the same action as the tray item and the global shortcut, which
    // cannot be pressed from a test), clicked in the main process.
    const opened = app.waitForEvent('window', { timeout: 30_000 });
    const clicked = await app.evaluate(({ Menu }) => {
      const find = (items: Electron.MenuItem[]): Electron.MenuItem | undefined =>
        items.map((i) => (i.label === 'Quick ask' ? i : i.submenu ? find(i.submenu.items) : undefined)).find(Boolean);
      const item = find(Menu.getApplicationMenu()?.items ?? []);
      item?.click();
      return item !== undefined;
    });
    assert.ok(clicked, 'the application menu has no "Quick ask" item');
    const quick = await opened;
    await quick.waitForURL(/#\/quick-ask/, { timeout: 30_000 });
    await quick.locator('textarea, input').first().waitFor({ timeout: 30_000 });
    console.log('✓ quick ask opened');
  } finally {
    await app.close();
    await claude.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
