// An inline banner for states the person should know about (no model, no key, budget reached, errors).
import type { ReactNode } from 'react';
import { Icon } from './Icon';

/** `tone` picks colour and icon; errors are announced (role="alert"), the rest are plain status. */
export function Notice({ tone = 'info', title, children }: { tone?: 'info' | 'warn' | 'error'; title?: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={tone === 'info' ? 'info' : 'alert'} size={16} className="notice-icon" />
      <div>
        {title && <strong className="notice-title">{title}</strong>}
        {children && <div className="notice-text">{children}</div>}
      </div>
    </div>
  );
}
