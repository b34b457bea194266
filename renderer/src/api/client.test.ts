// @vitest-environment jsdom
// The token from the #token= link: kept for this tab, scrubbed from the address bar; SSE frames split correctly.
import { afterEach, describe, expect, it } from 'vitest';
import { parseHash } from '../app';
import { adoptTokenFromLocation, getToken, setToken } from './client';
import { splitFrames } from './stream';

afterEach(() => setToken(null));

describe('adoptTokenFromLocation', () => {
  it('keeps the token in sessionStorage and removes it from the URL and history', () => {
    window.history.replaceState(null, '', '/#token=hai_abc%2Bdef');
    expect(adoptTokenFromLocation()).toBe(true);
    expect(getToken()).toBe('hai_abc+def');
    expect(sessionStorage.getItem('hybrid-ai.token')).toBe('hai_abc+def');
    expect(window.location.href).not.toContain('token');
    expect(window.location.hash).toBe('');
  });
  it('does nothing without a token in the link', () => {
    window.history.replaceState(null, '', '/#/dashboard');
    expect(adoptTokenFromLocation()).toBe(false);
    expect(getToken()).toBeNull();
    expect(window.location.hash).toBe('#/dashboard');
  });
});

describe('parseHash', () => {
  it('maps hashes to screens', () => {
    expect(parseHash('')).toEqual({ screen: 'chat', conversationId: null });
    expect(parseHash('#/chat/abc-1')).toEqual({ screen: 'chat', conversationId: 'abc-1' });
    expect(parseHash('#/dashboard')).toEqual({ screen: 'dashboard', conversationId: null });
    expect(parseHash('#/nope')).toEqual({ screen: 'chat', conversationId: null });
  });
});

describe('splitFrames', () => {
  it('returns complete frames and keeps the unfinished rest', () => {
    const { frames, rest } = splitFrames('event: route\ndata: {"a":1}\n\nevent: delta\ndata: {"text":"hi"}\n\nevent: del');
    expect(frames).toEqual([
      { event: 'route', data: '{"a":1}' },
      { event: 'delta', data: '{"text":"hi"}' },
    ]);
    expect(rest).toBe('event: del');
  });
});
