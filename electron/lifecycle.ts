// Pure lifecycle decisions of the shell (unit-tested without Electron): tray icon colour, what closing does, hidden start at login.

/** The flag the login item starts the app with (Windows passes it; macOS reports wasOpenedAtLogin instead). */
export const HIDDEN_FLAG = '--hidden';

/**
 * Whether the tray icon must be the light one (for a dark panel). Windows: the taskbar follows the SYSTEM theme, not
 * the app theme (shouldUseDarkColorsForSystemIntegratedUI). Linux: the GNOME top bar is always dark, and so are the
 * default KDE/Xfce panels. macOS uses a template image the menu bar tints itself, so the answer does not matter there.
 */
export function trayPanelIsDark(platform: NodeJS.Platform, theme: { shouldUseDarkColorsForSystemIntegratedUI?: boolean }): boolean {
  if (platform === 'win32') return theme.shouldUseDarkColorsForSystemIntegratedUI === true;
  return true;
}

/**
 * Whether a tray icon can be relied on to bring the window back. GNOME shows tray (StatusNotifier) icons only with
 * the AppIndicator extension, which Electron cannot detect; elsewhere (Windows, macOS, KDE, Xfce, Cinnamon...) the
 * tray is there. A tray that failed to be created counts as absent everywhere.
 */
export function trayIsReliable(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, trayCreated: boolean): boolean {
  if (!trayCreated) return false;
  if (platform !== 'linux') return true;
  const desktop = `${env.XDG_CURRENT_DESKTOP ?? ''}:${env.XDG_SESSION_DESKTOP ?? ''}:${env.DESKTOP_SESSION ?? ''}`.toLowerCase();
  return !/gnome|ubuntu|unity|pop/.test(desktop);
}

/** What closing the main window does: hide it to the tray, or quit the app (with no reliable tray it would vanish). */
export function closeAction(o: { quitting: boolean; trayReliable: boolean }): 'close' | 'hide' | 'quit' {
  if (o.quitting) return 'close';
  return o.trayReliable ? 'hide' : 'quit';
}

/** Whether this launch is the login item's (start hidden in the tray) rather than the user's. */
export function startedAtLogin(platform: NodeJS.Platform, argv: readonly string[], login: { wasOpenedAtLogin?: boolean }): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && login.wasOpenedAtLogin === true;
}
