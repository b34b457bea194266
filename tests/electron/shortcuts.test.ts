// The quick-ask global shortcut: validation, platform labels, and the message when another application holds it.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  acceleratorLabel,
  createShortcutManager,
  DEFAULT_QUICK_ASK_SHORTCUT,
  isValidAccelerator,
  knownConflict,
  WELL_KNOWN_SHORTCUTS,
} from '../../electron/shortcuts.js';
import { fake } from '../fakes/electron.js';

describe('shortcuts', () => {
  beforeEach(() => fake.reset());
  const make = (presses: string[] = []) =>
    createShortcutManager({ globalShortcut: fake.globalShortcut, platform: 'linux', onPress: () => presses.push('press') });

  it('validates accelerators: modifiers plus exactly one key', () => {
    for (const ok of [DEFAULT_QUICK_ASK_SHORTCUT, 'Alt+K', 'Ctrl+Shift+F12', 'Super+Space', 'CmdOrCtrl+Alt+/'])
      expect(isValidAccelerator(ok), ok).toBe(true);
    for (const bad of ['K', 'Space', 'Ctrl+', 'Ctrl+Shift', 'Ctrl+Ctrl+K', 'Hyper+K', 'Ctrl+K+J', 'Ctrl+F25', ''])
      expect(isValidAccelerator(bad), bad).toBe(false);
  });

  it('labels follow the platform', () => {
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'linux')).toBe('Ctrl+Alt+Shift+Space');
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'win32')).toBe('Ctrl+Alt+Shift+Space');
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'darwin')).toBe('Cmd+Option+Shift+Space');
    expect(acceleratorLabel('Alt+Super+K', 'darwin')).toBe('Option+Cmd+K');
  });

  it('registers the default and calls back on every press', () => {
    const presses: string[] = [];
    const m = make(presses);
    expect(m.set(DEFAULT_QUICK_ASK_SHORTCUT)).toEqual({
      accelerator: DEFAULT_QUICK_ASK_SHORTCUT,
      label: 'Ctrl+Alt+Shift+Space',
      registered: true,
    });
    fake.globalShortcut.press(DEFAULT_QUICK_ASK_SHORTCUT);
    fake.globalShortcut.press(DEFAULT_QUICK_ASK_SHORTCUT);
    expect(presses).toEqual(['press', 'press']);
    m.unregister();
    expect(fake.globalShortcut.isRegistered(DEFAULT_QUICK_ASK_SHORTCUT)).toBe(false);
  });

  it('the default collides with no common app shortcut on any platform; a well-known one is registered with a warning', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const)
      expect(knownConflict(DEFAULT_QUICK_ASK_SHORTCUT, platform), platform).toBeUndefined();
    // The old default took VS Code's and IntelliJ's completion shortcut without a word.
    expect(knownConflict('CommandOrControl+Shift+Space', 'linux')).toMatch(/VS Code.*IntelliJ/);
    expect(knownConflict('Shift+Control+Space', 'win32')).toMatch(/VS Code/);
    expect(knownConflict('CommandOrControl+Space', 'darwin')).toMatch(/Spotlight/);
    expect(Object.keys(WELL_KNOWN_SHORTCUTS).length).toBeGreaterThan(5);
    const m = make();
    const s = m.set('CommandOrControl+Shift+Space');
    expect(s.registered).toBe(true);
    expect(s.message).toMatch(/Ctrl\+Shift\+Space now opens quick ask everywhere, so VS Code .* no longer get it/);
  });

  it('held by another app: not registered, and a message naming it and what to do', () => {
    fake.globalShortcut.heldElsewhere.add(DEFAULT_QUICK_ASK_SHORTCUT);
    const s = make().set(DEFAULT_QUICK_ASK_SHORTCUT);
    expect(s.registered).toBe(false);
    expect(s.message).toBe(
      'Ctrl+Alt+Shift+Space is already used by another application, so quick ask has no shortcut. Choose another one in Settings, or free Ctrl+Alt+Shift+Space in the other application.',
    );
  });

  it('changing to a taken or invalid one keeps the working one, and says why', () => {
    const m = make();
    m.set('Alt+K');
    fake.globalShortcut.heldElsewhere.add('Alt+J');
    const taken = m.set('Alt+J');
    expect(taken).toMatchObject({ accelerator: 'Alt+K', registered: true });
    expect(taken.message).toMatch(/Alt\+J is already used by another application/);
    expect(fake.globalShortcut.isRegistered('Alt+K')).toBe(true);
    const invalid = m.set('J');
    expect(invalid).toMatchObject({ accelerator: 'Alt+K', registered: true });
    expect(invalid.message).toMatch(/"J" is not a valid shortcut/);
    expect(m.set('Alt+L')).toEqual({ accelerator: 'Alt+L', label: 'Alt+L', registered: true });
    expect(fake.globalShortcut.isRegistered('Alt+K')).toBe(false);
    // Setting the same one again is a no-op that succeeds (not a conflict with itself).
    expect(m.set('Alt+L').registered).toBe(true);
  });

  it('a register() that throws becomes a message, not a crash', () => {
    const m = createShortcutManager({
      globalShortcut: {
        register: () => {
          throw new Error('conversion failure');
        },
        unregister: () => undefined,
        isRegistered: () => false,
      },
      platform: 'linux',
      onPress: () => undefined,
    });
    expect(m.set('Alt+K')).toMatchObject({
      registered: false,
      message: expect.stringMatching(/could not be registered \(conversion failure\)/),
    });
  });
});
