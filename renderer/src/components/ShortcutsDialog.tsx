// The keyboard shortcut list: `?` opens it (outside text fields), Esc closes it; it lists the shortcuts the app really has.
import { Fragment, useEffect, useState } from 'react';
import { Button } from './Button';
import { Dialog } from './Dialog';

/** One shortcut: its keys (each shown as a <kbd>) and what it does. */
export interface Shortcut {
  keys: string[];
  action: string;
}

/** Every keyboard shortcut the app handles, in the words the list shows (kept beside the handlers' behaviour). */
export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['Ctrl', 'K'], action: 'New chat (⌘K on macOS)' },
  { keys: ['Enter'], action: 'Send the message' },
  { keys: ['Shift', 'Enter'], action: 'New line in the message' },
  { keys: ['Esc'], action: 'Stop the answer being written' },
  { keys: ['Esc'], action: 'Cancel editing a message or a title; close the conversations drawer or a dialog' },
  { keys: ['Ctrl', 'Shift', 'Space'], action: 'Quick ask from anywhere (desktop app; ⌘ on macOS)' },
  { keys: ['?'], action: 'Show this list' },
];

/** True when a key press there types text (fields, text areas, selects, editable elements): `?` must type a "?". */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'file', 'color'].includes(type);
}

/** Listens for `?` app-wide and shows the shortcut list in a modal dialog. */
export function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={() => setOpen(false)}>
      <dl className="shortcuts">
        {SHORTCUTS.map((s, i) => (
          <Fragment key={i}>
            <dt>
              {s.keys.map((k, j) => (
                <Fragment key={k}>
                  {j > 0 && '+'}
                  <kbd>{k}</kbd>
                </Fragment>
              ))}
            </dt>
            <dd>{s.action}</dd>
          </Fragment>
        ))}
      </dl>
      <div className="dialog-actions">
        <Button variant="primary" onClick={() => setOpen(false)} autoFocus>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
