// @vitest-environment jsdom
// Attached files: text and code become named, fenced parts of the prompt the core receives; binary and oversized files are refused in plain words.
import { cleanup, createEvent, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { composePrompt, looksBinary, MAX_ATTACHMENT_BYTES, readAttachment, splitAttachments, type FileLike } from './attachments';
import { Composer } from './Composer';

afterEach(cleanup);

/** A file-like object over the given bytes (jsdom's File lacks arrayBuffer in some versions). */
function fileOf(name: string, content: string | Uint8Array, size?: number): FileLike & File {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const f = new File([bytes.slice().buffer], name);
  Object.defineProperty(f, 'arrayBuffer', { value: async () => bytes.slice().buffer });
  if (size !== undefined) Object.defineProperty(f, 'size', { value: size });
  return f as FileLike & File;
}

describe('attachments (pure)', () => {
  it('names and fences each file before the typed question, with a fence longer than any inside the file', () => {
    const p = composePrompt('  What does this do?  ', [
      { name: 'main.py', size: 12, text: 'print("hi")\n' },
      { name: 'README', size: 20, text: 'Use ```sh\nrun\n```' },
    ]);
    expect(p).toBe('File: main.py\n```py\nprint("hi")\n```\n\nFile: README\n````\nUse ```sh\nrun\n```\n````\n\nWhat does this do?');
    expect(composePrompt('only text', [])).toBe('only text');
  });

  it('splits a stored prompt back into its files and the typed text (what the bubble shows)', () => {
    const files = [
      { name: 'main.py', size: 12, text: 'print("hi")\n' },
      { name: 'README', size: 20, text: 'Use ```sh\nrun\n```\n' },
    ];
    expect(splitAttachments(composePrompt('What does this do?', files))).toEqual({
      files: [
        { name: 'main.py', text: 'print("hi")\n' },
        { name: 'README', text: 'Use ```sh\nrun\n```\n' },
      ],
      text: 'What does this do?',
    });
    expect(splitAttachments(composePrompt('', [files[0]!]))).toEqual({ files: [{ name: 'main.py', text: 'print("hi")\n' }], text: '' });
    expect(splitAttachments('File: x is broken\nno fence')).toEqual({ files: [], text: 'File: x is broken\nno fence' });
    expect(splitAttachments('plain question')).toEqual({ files: [], text: 'plain question' });
  });

  it('tells text from binary: NUL bytes, invalid UTF-8 and dense control bytes are binary; tabs and UTF-8 are text', () => {
    expect(looksBinary(new TextEncoder().encode('fn main() {\n\tprintln!("héllo ✓");\r\n}\n'))).toBe(false);
    expect(looksBinary(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe(true);
    expect(looksBinary(new Uint8Array([0xff, 0xfe, 0x41]))).toBe(true);
    expect(looksBinary(new Uint8Array([1, 2, 3, 4, 65, 66]))).toBe(true);
  });

  it('refuses a file over the limit and a binary file, naming the file, the size and what can be attached', async () => {
    const big = await readAttachment(fileOf('dump.log', 'x', MAX_ATTACHMENT_BYTES + 1));
    expect(big).toEqual({ ok: false, error: expect.stringContaining('“dump.log” is 100 KB; files up to 100 KB can be attached') });
    const png = await readAttachment(fileOf('logo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0])));
    expect(png).toEqual({ ok: false, error: expect.stringContaining('“logo.png” is not a text file') });
    const ok = await readAttachment(fileOf('a.ts', 'export const a = 1;\n'));
    expect(ok).toEqual({ ok: true, attachment: { name: 'a.ts', size: 20, text: 'export const a = 1;\n' } });
  });
});

describe('Composer with attachments', () => {
  const renderComposer = () => {
    const onSend = vi.fn();
    render(<Composer streaming={false} model="auto" options={[]} onModel={() => {}} onSend={onSend} onStop={() => {}} />);
    return onSend;
  };

  it('a picked file shows as a removable chip and goes into the sent prompt; the chips clear after sending', async () => {
    const onSend = renderComposer();
    fireEvent.change(screen.getByTestId('attach-input'), { target: { files: [fileOf('notes.md', '# Plan\n'), fileOf('x.bin', '\0\0')] } });
    await screen.findByRole('list', { name: 'Attached files' });
    expect(screen.getByRole('list', { name: 'Attached files' }).textContent).toContain('notes.md');
    expect(screen.getByRole('alert').textContent).toContain('“x.bin” is not a text file');
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'Summarise' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send (Enter)' }));
    expect(onSend).toHaveBeenCalledWith('File: notes.md\n```md\n# Plan\n```\n\nSummarise');
    expect(screen.queryByRole('list', { name: 'Attached files' })).toBeNull();
  });

  it('a dropped file can be removed before sending, and a file alone can be sent', async () => {
    const onSend = renderComposer();
    const form = screen.getByLabelText('Message').closest('form')!;
    fireEvent.drop(form, { dataTransfer: { files: [fileOf('a.txt', 'alpha'), fileOf('b.txt', 'beta')], types: ['Files'] } });
    await screen.findByRole('button', { name: 'Remove a.txt' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove a.txt' }));
    await waitFor(() => expect(screen.queryByText('a.txt')).toBeNull());
    expect(screen.getByRole('button', { name: 'Send (Enter)' })).not.toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('button', { name: 'Send (Enter)' }));
    expect(onSend).toHaveBeenCalledWith('File: b.txt\n```txt\nbeta\n```');
  });

  it('a file dropped beside the box is attached too, and the browser does not open it in place of the app', async () => {
    renderComposer();
    const ev = createEvent.drop(document.body, { dataTransfer: { files: [fileOf('beside.md', 'x')], types: ['Files'] } });
    fireEvent(document.body, ev);
    await screen.findByRole('button', { name: 'Remove beside.md' });
    expect(ev.defaultPrevented).toBe(true);
  });
});
