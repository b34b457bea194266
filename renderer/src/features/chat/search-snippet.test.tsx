// @vitest-environment jsdom
// Conversation search: each result shows the words around the hit, with the hit marked; a plain list shows none.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationSidebar, highlightParts } from './ConversationSidebar';

const json = (body: unknown): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
let urls: string[];

beforeEach(() => {
  urls = [];
  vi.stubGlobal('fetch', async (url: string) => {
    urls.push(url);
    const searching = url.includes('search=');
    return json({
      history_enabled: true,
      conversations: [
        {
          id: 'c1',
          title: 'Trip planning',
          created_at: 1,
          updated_at: 1,
          message_count: 2,
          ...(searching ? { snippet: '…we could take the Kangaroo route through…' } : {}),
        },
      ],
    });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('search snippets', () => {
  it('marks every case-insensitive hit', () => {
    expect(highlightParts('Ab ab AB', 'ab')).toEqual([
      { text: 'Ab', hit: true },
      { text: ' ', hit: false },
      { text: 'ab', hit: true },
      { text: ' ', hit: false },
      { text: 'AB', hit: true },
    ]);
    expect(highlightParts('no hit', '')).toEqual([{ text: 'no hit', hit: false }]);
  });

  it('a search result shows the snippet the API returned, the search text marked', async () => {
    render(<ConversationSidebar activeId={null} historyEnabled onNewChat={() => {}} onDeleted={() => {}} />);
    await screen.findByText('Trip planning');
    expect(screen.queryByTestId('conv-snippet')).toBeNull();
    fireEvent.change(screen.getByLabelText('Search conversations'), { target: { value: 'kangaroo' } });
    const snippet = await screen.findByTestId('conv-snippet', {}, { timeout: 3000 });
    expect(urls.some((u) => u.includes('search=kangaroo'))).toBe(true);
    expect(snippet.textContent).toBe('…we could take the Kangaroo route through…');
    await waitFor(() => expect(snippet.querySelector('mark')?.textContent).toBe('Kangaroo'));
  });
});
