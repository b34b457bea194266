// Pure lifecycle decisions of the shell: tray icon colour from the system UI theme, close with and without a tray, hidden start at login.
import { describe, expect, it } from 'vitest';
import { closeAction, startedAtLogin, trayIsReliable, trayPanelIsDark } from '../../electron/lifecycle.js';

describe('tray icon colour', () => {
  it('Windows follows the taskbar’s (system) theme, not the app theme; Linux panels are dark', () => {
    expect(trayPanelIsDark('win32', { shouldUseDarkColorsForSystemIntegratedUI: true })).toBe(true);
    expect(trayPanelIsDark('win32', { shouldUseDarkColorsForSystemIntegratedUI: false })).toBe(false);
    // GNOME's top bar is dark whatever the app theme says.
    expect(trayPanelIsDark('linux', { shouldUseDarkColorsForSystemIntegratedUI: false })).toBe(true);
  });
});

describe('closing the window', () => {
  it('hides to a tray that can bring it back; quits where there is none; closes while quitting', () => {
    expect(trayIsReliable('win32', {}, true)).toBe(true);
    expect(trayIsReliable('darwin', {}, true)).toBe(true);
    expect(trayIsReliable('linux', { XDG_CURRENT_DESKTOP: 'KDE' }, true)).toBe(true);
    expect(trayIsReliable('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, true)).toBe(false);
    expect(trayIsReliable('linux', { XDG_CURRENT_DESKTOP: 'GNOME' }, true)).toBe(false);
    expect(trayIsReliable('win32', {}, false)).toBe(false);
    expect(closeAction({ quitting: false, trayReliable: true })).toBe('hide');
    expect(closeAction({ quitting: false, trayReliable: false })).toBe('quit');
    expect(closeAction({ quitting: true, trayReliable: true })).toBe('close');
  });
});

describe('start at login', () => {
  it('the login item’s flag (Windows) or macOS’s wasOpenedAtLogin means start in the tray', () => {
    expect(startedAtLogin('win32', ['app.exe', '--hidden'], {})).toBe(true);
    expect(startedAtLogin('darwin', ['app'], { wasOpenedAtLogin: true })).toBe(true);
    expect(startedAtLogin('linux', ['app'], { wasOpenedAtLogin: true })).toBe(false);
    expect(startedAtLogin('win32', ['app.exe'], {})).toBe(false);
  });
});
