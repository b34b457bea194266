// Text and code files attached to a message: read, refuse binary or oversized files, and fold them into the prompt.

/**
 * Largest file accepted, in bytes. why 100 KB: about 25k tokens, already more than the local models' context windows
 * (4k–8k), so anything larger could only go to Claude and would cost dollars per message; it also keeps a chat request
 * far below the core's 8 MiB body limit even with several files attached.
 */
export const MAX_ATTACHMENT_BYTES = 100 * 1024;

/** How many files one message may carry. why 5: a handful of source files; more is a project, not a message. */
export const MAX_ATTACHMENTS = 5;

/** A file accepted for the next message. */
export interface Attachment {
  name: string;
  size: number;
  text: string;
}

/** The minimal file surface read here (a DOM File satisfies it; tests pass their own). */
export interface FileLike {
  name: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Human size: "812 B", "4.2 KB". */
export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
}

/**
 * True when the bytes are not text: a NUL byte, invalid UTF-8, or many control characters.
 * why 1 in 10: source files hold tabs, newlines and the odd form feed (all allowed); binaries are dense in controls.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return true;
  }
  let controls = 0;
  for (const b of bytes) if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) controls++;
  return bytes.length > 0 && controls / bytes.length > 0.1;
}

/** Read one file as an attachment, or say in plain words why it cannot be attached. */
export async function readAttachment(file: FileLike): Promise<{ ok: true; attachment: Attachment } | { ok: false; error: string }> {
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return {
      ok: false,
      error: `“${file.name}” is ${formatBytes(file.size)}; files up to ${formatBytes(MAX_ATTACHMENT_BYTES)} can be attached. Paste the part that matters instead.`,
    };
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (looksBinary(bytes)) {
    return {
      ok: false,
      error: `“${file.name}” is not a text file. Only text and code (UTF-8) can be attached: images, PDFs and other binary files cannot.`,
    };
  }
  return { ok: true, attachment: { name: file.name, size: bytes.length, text: new TextDecoder('utf-8').decode(bytes) } };
}

/** A code fence longer than any backtick run inside the text, so a file holding ``` cannot close it early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The fence's language hint from the file extension ("main.py" → "py"); none for names without one. */
function languageOf(name: string): string {
  const m = /\.([A-Za-z0-9+#-]{1,12})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

/** The prompt the core receives: each file named and fenced, then the typed text (what is asked about the files). */
export function composePrompt(text: string, attachments: readonly Attachment[]): string {
  const files = attachments.map((a) => {
    const fence = fenceFor(a.text);
    const body = a.text.endsWith('\n') ? a.text : `${a.text}\n`;
    return `File: ${a.name}\n${fence}${languageOf(a.name)}\n${body}${fence}`;
  });
  return [...files, text.trim()].filter((s) => s !== '').join('\n\n');
}

/**
 * The reverse of composePrompt for display: the files at the head of a stored prompt and the typed text after them.
 * A prompt that does not start with a file block comes back whole as `text`.
 */
export function splitAttachments(prompt: string): { files: Array<{ name: string; text: string }>; text: string } {
  const files: Array<{ name: string; text: string }> = [];
  let rest = prompt;
  for (;;) {
    const m = /^File: ([^\n]+)\n(`{3,})[^\n`]*\n/.exec(rest);
    if (!m) break;
    const fence = m[2]!;
    const bodyStart = m[0].length;
    // The closing fence: the same backtick run alone on its line, followed by the end or a blank line.
    const close = rest.indexOf(`\n${fence}`, bodyStart - 1);
    const after = close + 1 + fence.length;
    if (close < 0 || (after < rest.length && !rest.startsWith('\n\n', after))) break;
    files.push({ name: m[1]!, text: rest.slice(bodyStart, close + 1) });
    rest = rest.slice(Math.min(rest.length, after + 2));
  }
  return { files, text: rest };
}
