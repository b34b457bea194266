// Start at login: off by default, toggled from the tray through app.setLoginItemSettings (electron faked at the module boundary).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startShell, type Shell } from '../../electron/main.js';
import { fake, Tray } from '../fakes/electron.js';
import { fakeSpawner, type FakeCoreChild } from '../fakes/core-child.js';

vi.mock('electron', () => import('../fakes/electron.js'));

let tmp: string;
let shell: Shell | null = null;
let children: FakeCoreChild[] = [];

beforeEach(() => {
  fake.reset();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-login-item-'));
  fake.app.paths.userData = path.join(tmp, 'userData');
  fake.app.appPath = '/repo';
});
afterEach(async () => {
  if (shell && shell.core.state().status !== 'stopped') {
    const stopping = shell.core.stop();
    for (const c of children) c.exit(0);
    await stopping;
  }
  shell?.tray.destroy();
  shell = null;
  rmSync(tmp, { recursive: true, force: true });
});

describe('start at login', () => {
  it('is off by default and the tray checkbox turns it on and off again', async () => {
    const spawner = fakeSpawner((c) => c.ready('http://127.0.0.1:40111', 'login-item-token-0123456789'));
    children = spawner.children;
    shell = await startShell({ spawn: spawner.spawn, env: { XDG_DATA_HOME: path.join(tmp, 'data'), PATH: process.env.PATH } });
    const tray = Tray.all[0]!;
    expect(fake.app.loginItem.openAtLogin).toBe(false);
    expect(tray.item('start-at-login')?.checked).toBe(false);

    tray.click('start-at-login');
    expect(fake.app.loginItem.openAtLogin).toBe(true);
    await vi.waitFor(() => expect(Tray.all[0]!.item('start-at-login')?.checked).toBe(true));

    tray.click('start-at-login');
    expect(fake.app.loginItem.openAtLogin).toBe(false);
    await vi.waitFor(() => expect(Tray.all[0]!.item('start-at-login')?.checked).toBe(false));
  });
});
