// @vitest-environment jsdom
// The core-restarting banner: follows window.shell's core state (a stand-in for the desktop preload bridge), silent in a browser.
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreState, ShellApi } from '../../../electron/ipc-contract';
import { CoreBanner, coreBannerText } from './CoreBanner';

/** A preload bridge stand-in: getCoreState answers `initial`, `emit` plays a main → renderer core-state event. */
function fakeShell(initial: CoreState) {
  const listeners = new Set<(s: CoreState) => void>();
  const api = {
    getCoreState: () => Promise.resolve(initial),
    onCoreState: (l: (s: CoreState) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as Partial<ShellApi> as ShellApi;
  window.shell = api;
  return { emit: (s: CoreState) => listeners.forEach((l) => l(s)), listeners };
}

afterEach(() => {
  cleanup();
  delete window.shell;
});

describe('CoreBanner', () => {
  it('renders nothing in a plain browser (no shell bridge)', () => {
    const { container } = render(<CoreBanner />);
    expect(container.innerHTML).toBe('');
  });

  it('appears while the core restarts and goes away once it runs again', async () => {
    const shell = fakeShell({ status: 'running', attempt: 0, url: 'http://127.0.0.1:1' });
    render(<CoreBanner />);
    await act(async () => {}); // the initial getCoreState answer
    expect(screen.queryByRole('status')).toBeNull();

    act(() => shell.emit({ status: 'restarting', attempt: 1, retryInMs: 1500, reason: 'exit code 1' }));
    expect(screen.getByRole('status').textContent).toBe('The local AI core stopped and is restarting in 2 s. Your conversations are kept.');

    act(() => shell.emit({ status: 'running', attempt: 0, url: 'http://127.0.0.1:1' }));
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows a failed core as an alert naming the reason and the way out', async () => {
    fakeShell({ status: 'failed', attempt: 5, reason: 'SIGSEGV' });
    render(<CoreBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('(SIGSEGV)');
    expect(alert.textContent).toContain('Restart core');
  });

  it('unsubscribes on unmount', async () => {
    const shell = fakeShell({ status: 'running', attempt: 0 });
    const { unmount } = render(<CoreBanner />);
    await act(async () => {});
    expect(shell.listeners.size).toBe(1);
    unmount();
    expect(shell.listeners.size).toBe(0);
  });

  it('says nothing for the first start or a quit', () => {
    expect(coreBannerText({ status: 'starting', attempt: 0 })).toBeNull();
    expect(coreBannerText({ status: 'stopping', attempt: 0 })).toBeNull();
    expect(coreBannerText({ status: 'starting', attempt: 2 })?.tone).toBe('warn');
  });
});
