// @vitest-environment jsdom
// Export all history: the button downloads the core's export document as a dated JSON file and says what it held.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HistoryExport, historyFileName } from './HistoryExport';

let blobs: Blob[];
let clicked: string[];
const doc = {
  format: 'hybrid-ai-history',
  version: 1,
  exported_at: '2026-12-07T03:00:00.000Z',
  conversations: [
    { id: 'c1', messages: [{ id: 'm1' }, { id: 'm2' }, { id: 'm3' }] },
    { id: 'c2', messages: [{ id: 'm4' }] },
  ],
};

beforeEach(() => {
  blobs = [];
  clicked = [];
  vi.stubGlobal('fetch', async (url: string) =>
    url === '/api/v1/history/export'
      ? new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json' } })
      : new Response(JSON.stringify({ error: { type: 'internal', message: 'The database is locked.' } }), { status: 500 }),
  );
  URL.createObjectURL = (b: Blob) => {
    blobs.push(b);
    return 'blob:x';
  };
  URL.revokeObjectURL = () => {};
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push(this.download);
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('HistoryExport', () => {
  it('downloads the whole export document as hybrid-ai-history-<date>.json and reports the counts', async () => {
    const onDone = vi.fn();
    render(<HistoryExport onDone={onDone} onError={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export all history (.json)' }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith('Exported 2 conversations and 4 messages'));
    expect(clicked).toEqual(['hybrid-ai-history-2026-12-07.json']);
    expect(JSON.parse(await blobs[0]!.text())).toEqual(doc);
    expect(historyFileName('2025-01-02T23:59:59Z')).toBe('hybrid-ai-history-2025-01-02.json');
  });

  it('a failed export is reported with the core’s message, and nothing is downloaded', async () => {
    vi.stubGlobal(
      'fetch',
      async () => new Response(JSON.stringify({ error: { type: 'internal', message: 'The database is locked.' } }), { status: 500 }),
    );
    const onError = vi.fn();
    render(<HistoryExport onDone={() => {}} onError={onError} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export all history (.json)' }));
    await waitFor(() =>
      expect(onError).toHaveBeenCalledWith(expect.stringContaining('Could not export the history: The database is locked.')),
    );
    expect(clicked).toEqual([]);
  });
});
