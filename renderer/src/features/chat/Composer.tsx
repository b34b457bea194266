// The prompt box: Enter sends, Shift+Enter adds a line, a per-message model picker, Send ⇄ Stop.
import { forwardRef, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { IconButton } from '../../components/Button';
import type { ModelsDto } from '../../api/types';
import { Icon } from '../../components/Icon';
import {
  composePrompt,
  formatBytes,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  readAttachment,
  type Attachment,
  type FileLike,
} from './attachments';
import { LOCAL_ONLY_CHOICE } from './useChatStream';

/** Tallest the box grows before it scrolls: about 10 lines, so the conversation stays visible. */
const MAX_HEIGHT_PX = 240;

export interface ModelOption {
  value: string;
  label: string;
  disabled: boolean;
}

/** The picker's options: Auto, each local model, each Claude model; unavailable ones say why. */
export function modelOptions(models: ModelsDto | undefined, cloudOff: string | null, firstChoice: string = 'anthropic'): ModelOption[] {
  const out: ModelOption[] = [{ value: 'auto', label: 'Auto (router decides)', disabled: false }];
  out.push({ value: LOCAL_ONLY_CHOICE, label: 'Auto, local models only', disabled: false });
  for (const m of models?.models ?? []) {
    if (m.kind === 'local') {
      const ok = m.available_on.length > 0;
      out.push({ value: m.id, label: `${m.label}${ok ? '' : ' (not installed)'}`, disabled: !ok });
    }
  }
  for (const m of models?.models ?? []) {
    if (m.kind !== 'cloud') continue;
    // A provider's models are offered where its engine serves them now, and the first choice's always (with why not).
    const up = m.available_on.length > 0;
    if (!up && (m.provider ?? 'anthropic') !== firstChoice) continue;
    const why = cloudOff;
    out.push({ value: m.id, label: `${m.label}${why ? ` (${why})` : ''}`, disabled: why !== null });
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
  const [files, setFiles] = useState<Attachment[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const local = useRef<HTMLTextAreaElement | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  /** Read dropped or picked files; accepted ones become chips, refused ones are named in one message. */
  const attach = async (list: readonly FileLike[]): Promise<void> => {
    const errors: string[] = [];
    const accepted: Attachment[] = [];
    for (const f of list) {
      const r = await readAttachment(f);
      if (r.ok) accepted.push(r.attachment);
      else errors.push(r.error);
    }
    setFiles((prev) => {
      const room = Math.max(0, MAX_ATTACHMENTS - prev.length);
      if (accepted.length > room)
        errors.push(`A message can carry up to ${MAX_ATTACHMENTS} files; ${accepted.length - room} were left out.`);
      return [...prev, ...accepted.slice(0, room)];
    });
    setFileError(errors.length ? errors.join(' ') : null);
    local.current?.focus();
  };

  useLayoutEffect(() => {
    const el = local.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  // Files dropped anywhere on the window are attached (the drop listener is the window's): a drop that misses the box
  // must not make the browser open the file in place of the app and lose the chat.
  const attachLatest = useRef(attach);
  attachLatest.current = attach;
  useEffect(() => {
    const over = (e: DragEvent): void => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent): void => {
      const dropped = e.dataTransfer?.files;
      if (!dropped || dropped.length === 0) return;
      e.preventDefault();
      setDragging(false);
      void attachLatest.current(Array.from(dropped));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const submit = (): void => {
    const t = text.trim();
    if ((!t && files.length === 0) || streaming) return;
    onSend(composePrompt(t, files));
    setText('');
    setFiles([]);
    setFileError(null);
  };
  const canSend = text.trim() !== '' || files.length > 0;

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
    >
      <div className={`composer-box${dragging ? ' composer-drop' : ''}`}>
        {files.length > 0 && (
          <ul className="attachments" aria-label="Attached files">
            {files.map((f, i) => (
              <li key={`${f.name}-${i}`} className="chip attachment-chip">
                <Icon name="paperclip" size={12} />
                <span className="attachment-name">{f.name}</span>
                <span className="muted">{formatBytes(f.size)}</span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${f.name}`}
                  title={`Remove ${f.name}`}
                  onClick={() => setFiles((prev) => prev.filter((_, j) => j !== i))}
                >
                  <Icon name="x" size={12} />
                </button>
              </li>
            ))}
          </ul>
        )}
        {fileError && (
          <p className="attachment-error" role="alert">
            {fileError}
          </p>
        )}
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
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Attach text or code files"
            data-testid="attach-input"
            onChange={(e) => {
              const picked = Array.from(e.target.files ?? []);
              e.target.value = '';
              void attach(picked);
            }}
          />
          <IconButton
            icon="paperclip"
            label={`Attach text or code files (up to ${formatBytes(MAX_ATTACHMENT_BYTES)} each)`}
            onClick={() => picker.current?.click()}
          />
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
            <IconButton icon="send" label="Send (Enter)" variant="primary" className="send-btn" type="submit" disabled={!canSend} />
          )}
        </div>
      </div>
      {footer && <div className="composer-footer">{footer}</div>}
    </form>
  );
});
