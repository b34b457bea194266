// @vitest-environment jsdom
// Thumbs under an answer: what goes to the feedback API, the pressed state, changing the verdict, errors shown inline.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FeedbackButtons } from './FeedbackButtons';

/** Requests made, answered by `respond` (stands in for the core's HTTP API in jsdom). */
let calls: Array<{ method: string; url: string; body: unknown }>;
let respond: (body: { request_id: string; rating: string }) => { status: number; json: unknown };

beforeEach(() => {
  calls = [];
  respond = (b) => ({ status: 201, json: { request_id: b.request_id, rating: b.rating, stored: true } });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: init?.method ?? 'GET', url, body });
    const r = respond(body);
    return new Response(JSON.stringify(r.json), { status: r.status, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const up = () => screen.getByRole('button', { name: 'Thumbs up' });
const down = () => screen.getByRole('button', { name: 'Thumbs down' });

describe('FeedbackButtons', () => {
  it('are two named toggle buttons in a labelled group, neither pressed before a verdict', () => {
    render(<FeedbackButtons requestId="r1" />);
    expect(screen.getByRole('group', { name: 'Rate this answer' })).toBeTruthy();
    for (const b of [up(), down()]) {
      expect(b.tagName).toBe('BUTTON');
      expect(b.getAttribute('type')).toBe('button');
      expect(b.getAttribute('aria-pressed')).toBe('false');
      // Reachable with Tab (no tabindex="-1"), operated with Enter/Space as a native button.
      expect(b.tabIndex).toBe(0);
      expect(b.title).not.toBe('');
    }
  });

  it('thumbs up sends the verdict on this request and shows it pressed once stored', async () => {
    render(<FeedbackButtons requestId="req-42" />);
    fireEvent.click(up());
    await waitFor(() => expect(up().getAttribute('aria-pressed')).toBe('true'));
    expect(calls).toEqual([{ method: 'POST', url: '/api/v1/feedback', body: { request_id: 'req-42', rating: 'up' } }]);
    expect(down().getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByText('Rated a good answer')).toBeTruthy();
  });

  it('the other thumb changes the verdict; the pressed one again keeps it without a request (the API has no "clear")', async () => {
    render(<FeedbackButtons requestId="r1" />);
    fireEvent.click(up());
    await waitFor(() => expect(up().getAttribute('aria-pressed')).toBe('true'));
    fireEvent.click(up());
    expect(calls).toHaveLength(1);
    fireEvent.click(down());
    await waitFor(() => expect(down().getAttribute('aria-pressed')).toBe('true'));
    expect(up().getAttribute('aria-pressed')).toBe('false');
    expect(calls.map((c) => (c.body as { rating: string }).rating)).toEqual(['up', 'down']);
  });

  it('an error from the API is shown inline and the previous verdict stays', async () => {
    render(<FeedbackButtons requestId="r1" initial="up" />);
    respond = () => ({
      status: 404,
      json: { error: { type: 'not_found', message: 'Unknown request_id "r1": give the id of an answer from this server.' } },
    });
    fireEvent.click(down());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Your rating was not saved: Unknown request_id "r1": give the id of an answer from this server.');
    expect(up().getAttribute('aria-pressed')).toBe('true');
    expect(down().getAttribute('aria-pressed')).toBe('false');
    // Trying again after the error clears it once it works.
    respond = (b) => ({ status: 201, json: { request_id: b.request_id, rating: b.rating, stored: true } });
    fireEvent.click(down());
    await waitFor(() => expect(down().getAttribute('aria-pressed')).toBe('true'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a server that cannot be reached is said plainly', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    render(<FeedbackButtons requestId="r1" />);
    fireEvent.click(up());
    expect((await screen.findByRole('alert')).textContent).toMatch(/Cannot reach the Hybrid AI server/);
    expect(up().getAttribute('aria-pressed')).toBe('false');
  });
});
