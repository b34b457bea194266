// @vitest-environment jsdom
// The shortcut list: `?` opens it only outside text fields, it lists the app's shortcuts, and closing it hides it.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { isTypingTarget, SHORTCUTS, ShortcutsDialog } from './ShortcutsDialog';

afterEach(cleanup);

const listShown = (): boolean => screen.queryByText('Show this list') !== null;

describe('ShortcutsDialog', () => {
  it('opens on `?` outside a text field and lists every shortcut; the Close button and Esc (cancel) close it', () => {
    render(
      <>
        <button type="button">elsewhere</button>
        <ShortcutsDialog />
      </>,
    );
    expect(listShown()).toBe(false);
    fireEvent.keyDown(screen.getByText('elsewhere'), { key: '?' });
    expect(listShown()).toBe(true);
    for (const s of SHORTCUTS) expect(screen.getAllByText(s.action).length).toBeGreaterThan(0);
    expect(screen.getByText('New chat (⌘K on macOS)').previousElementSibling?.textContent).toBe('Ctrl+K');
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(listShown()).toBe(false);

    fireEvent.keyDown(document.body, { key: '?' });
    expect(listShown()).toBe(true);
    act(() => {
      document.querySelector('dialog')!.dispatchEvent(new Event('cancel', { cancelable: true }));
    });
    expect(listShown()).toBe(false);
  });

  it('`?` typed in the message box or a search field types a "?" and opens nothing', () => {
    render(
      <>
        <textarea aria-label="Message" />
        <input aria-label="Search" type="search" />
        <ShortcutsDialog />
      </>,
    );
    fireEvent.keyDown(screen.getByLabelText('Message'), { key: '?' });
    fireEvent.keyDown(screen.getByLabelText('Search'), { key: '?' });
    expect(listShown()).toBe(false);
    expect(isTypingTarget(screen.getByLabelText('Search'))).toBe(true);
    const box = document.createElement('input');
    box.type = 'checkbox';
    expect(isTypingTarget(box)).toBe(false);
  });
});
