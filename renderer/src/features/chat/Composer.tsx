// The prompt box: Enter sends, Shift+Enter adds a line, a per-message model picker, Send ⇄ Stop.
import { forwardRef, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { IconButton } from '../../components/Button';
import type { ModelsDto } from '../../api/types';
import { LOCAL_ONLY_CHOICE } from './useChatStream';

/** Tallest the box grows before it scrolls: about 10 lines, so the conversation stays visible. */
const MAX_HEIGHT_PX = 240;

export interface ModelOption {
  value: string;
  label: string;
  disabled: boolean;
}

/** The picker's options: Auto, each local model, each Claude model; unavailable ones say why. */
export function modelOptions(models: ModelsDto | undefined, cloudOff: string | null): ModelOption[] {
  const out: ModelOption[] = [{ value: 'auto', label: 'Auto (router decides)', disabled: false }];
  out.push({ value: LOCAL_ONLY_CHOICE, label: 'Auto, local models only', disabled: false });
  for (const m of models?.models ?? []) {
    if (m.kind === 'local') {
      const ok = m.available_on.length > 0;
      out.push({ value: m.id, label: `${m.label}${ok ? '' : ' (not installed)'}`, disabled: !ok });
    }
  }
  for (const m of models?.models ?? []) {
    if (m.kind === 'cloud') out.push({ value: m.id, label: `${m.label}${cloudOff ? ` (${cloudOff})` : ''}`, disabled: cloudOff !== null });
  }
  return out;
}

export const Composer = forwardRef<
  HTMLTextAreaElement,
  {
    streaming: boolean;
    model: string;
    options: ModelOption[];
    onModel(model: string): void;
    onSend(text: string): void;
    onStop(): void;
    footer?: ReactNode;
  }
>(function Composer({ streaming, model, options, onModel, onSend, onStop, footer }, ref) {
  const [text, setText] = useState('');
  const local = useRef<HTMLTextAreaElement | null>(null);

  useLayoutEffect(() => {
    const el = local.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const submit = (): void => {
    const t = text.trim();
    if (!t || streaming) return;
    onSend(t);
    setText('');
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="composer-box">
        <label htmlFor="prompt" className="visually-hidden">
          Message
        </label>
        <textarea
          id="prompt"
          ref={(el) => {
            local.current = el;
            if (typeof ref === 'function') ref(el);
            else if (ref) ref.current = el;
          }}
          rows={1}
          value={text}
          placeholder="Ask anything…"
          aria-describedby="composer-help"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <div className="composer-bar">
          <span className="model-picker">
            <select value={model} onChange={(e) => onModel(e.target.value)} aria-label="Model for this message">
              {options.map((o) => (
                <option key={o.value} value={o.value} disabled={o.disabled}>
                  {o.label}
                </option>
              ))}
            </select>
          </span>
          <span id="composer-help" className="composer-help">
            <kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line{streaming ? ' · ' : ''}
            {streaming && (
              <>
                <kbd>Esc</kbd> stop
              </>
            )}
          </span>
          {streaming ? (
            <IconButton icon="stop" label="Stop generating (Esc)" variant="danger" className="send-btn" onClick={onStop} />
          ) : (
            <IconButton icon="send" label="Send (Enter)" variant="primary" className="send-btn" type="submit" disabled={!text.trim()} />
          )}
        </div>
      </div>
      {footer && <div className="composer-footer">{footer}</div>}
    </form>
  );
});
