// Copy-to-clipboard button that confirms with a check mark and announces "Copied" to screen readers.
import { useEffect, useState } from 'react';
import { Icon } from './Icon';

/** How long the "Copied" confirmation stays: long enough to notice, short enough to copy again. */
const CONFIRM_MS = 1500;

/** Copy `text`; `label` names what is copied ("Copy code"). */
export function CopyButton({ text, label = 'Copy', showText = false }: { text: string; label?: string; showText?: boolean }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), CONFIRM_MS);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API refused (insecure context): fall back to a hidden textarea and execCommand.
      const ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'visually-hidden';
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setCopied(true);
  };
  return (
    <button
      type="button"
      className={`copy-btn${showText ? ' with-text' : ''}`}
      aria-label={label}
      title={label}
      onClick={() => void copy()}
    >
      <Icon name={copied ? 'check' : 'copy'} size={14} />
      {showText && <span>{copied ? 'Copied' : 'Copy'}</span>}
      <span className="visually-hidden" aria-live="polite">
        {copied ? 'Copied' : ''}
      </span>
    </button>
  );
}
