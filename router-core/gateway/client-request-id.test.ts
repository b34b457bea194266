// The caller's own request id (x-client-request-id): taken as sent, refused with a message when it cannot be echoed safely.
import { describe, expect, it } from 'vitest';
import { isCoreError } from '../errors.js';
import { CLIENT_REQUEST_ID_MAX, clientRequestIdOf } from './mount.js';

describe('clientRequestIdOf', () => {
  it('takes the header as sent (trimmed), and nothing when absent', () => {
    expect(clientRequestIdOf({})).toBeUndefined();
    expect(clientRequestIdOf({ 'x-client-request-id': ' job-42/step 3 ' })).toBe('job-42/step 3');
    expect(clientRequestIdOf({ 'x-client-request-id': 'x'.repeat(CLIENT_REQUEST_ID_MAX) })).toHaveLength(CLIENT_REQUEST_ID_MAX);
  });

  it('refuses an empty, too long or non-ASCII id with invalid_request naming the rule', () => {
    for (const bad of ['', '   ', 'x'.repeat(CLIENT_REQUEST_ID_MAX + 1), 'café']) {
      let err: unknown;
      try {
        clientRequestIdOf({ 'x-client-request-id': bad });
      } catch (e) {
        err = e;
      }
      expect(isCoreError(err) && err.type).toBe('invalid_request');
      expect((err as Error).message).toMatch(/x-client-request-id header: it must be 1 to 512 printable ASCII characters/);
    }
  });
});
