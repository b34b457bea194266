// The quick-ask global shortcut: validation, platform labels, and the message when another application holds it.
import { beforeEach, describe, expect, it } from 'vitest';
import { acceleratorLabel, createShortcutManager, DEFAULT_QUICK_ASK_SHORTCUT, isValidAccelerator } from '../../electron/shortcuts.js';
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
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'linux')).toBe('Ctrl+Shift+Space');
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'win32')).toBe('Ctrl+Shift+Space');
    expect(acceleratorLabel(DEFAULT_QUICK_ASK_SHORTCUT, 'darwin')).toBe('Cmd+Shift+Space');
    expect(acceleratorLabel('Alt+Super+K', 'darwin')).toBe('Option+Cmd+K');
  });

  it('registers the default and calls back on every press', () => {
    const presses: string[] = [];
    const m = make(presses);
    expect(m.set(DEFAULT_QUICK_ASK_SHORTCUT)).toEqual({
      accelerator: DEFAULT_QUICK_ASK_SHORTCUT,
      label: 'Ctrl+Shift+Space',
      registered: true,
    });
    fake.globalShortcut.press(DEFAULT_QUICK_ASK_SHORTCUT);
    fake.globalShortcut.press(DEFAULT_QUICK_ASK_SHORTCUT);
    expect(presses).toEqual(['press', 'press']);
    m.unregister();
    expect(fake.globalShortcut.isRegistered(DEFAULT_QUICK_ASK_SHORTCUT)).toBe(false);
  });

  it('held by another app: not registered, and a message naming it and what to do', () => {
    fake.globalShortcut.heldElsewhere.add(DEFAULT_QUICK_ASK_SHORTCUT);
    const s = make().set(DEFAULT_QUICK_ASK_SHORTCUT);
    expect(s.registered).toBe(false);
    expect(s.message).toBe(
      'Ctrl+Shift+Space is already used by another application, so quick ask has no shortcut. Choose another one in Settings, or free Ctrl+Shift+Space in the other application.',
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
