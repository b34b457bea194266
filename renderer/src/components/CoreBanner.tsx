// A small, non-blocking banner while the desktop shell restarts the core (it crashed) or has given up on it.
import { useEffect, useState } from 'react';
import type { CoreState } from '../../../electron/ipc-contract';
import { onCoreState } from '../shell';

/** The words for a core state, or null when there is nothing to say (running, starting for the first time, quitting). */
export function coreBannerText(s: CoreState): { tone: 'warn' | 'error'; text: string } | null {
  if (s.status === 'restarting') {
    const wait = s.retryInMs !== undefined ? ` in ${Math.max(1, Math.ceil(s.retryInMs / 1000))} s` : '';
    return { tone: 'warn', text: `The local AI core stopped and is restarting${wait}. Your conversations are kept.` };
  }
  if (s.status === 'starting' && s.attempt > 0) return { tone: 'warn', text: 'The local AI core is starting again…' };
  if (s.status === 'failed') {
    return {
      tone: 'error',
      text: `The local AI core keeps stopping${s.reason ? ` (${s.reason})` : ''}. Use "Restart core" in the tray menu to try again.`,
    };
  }
  return null;
}

/** Shows the core's trouble from the desktop shell; renders nothing in a browser or while all is well. */
export function CoreBanner() {
  const [state, setState] = useState<CoreState | null>(null);
  useEffect(() => onCoreState(setState), []);
  const msg = state ? coreBannerText(state) : null;
  if (!msg) return null;
  return (
    <div className={`core-banner notice notice-${msg.tone}`} role={msg.tone === 'error' ? 'alert' : 'status'}>
      {msg.text}
    </div>
  );
}
