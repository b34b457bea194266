// A failed download says what went wrong in words, not the system's error code.
import { describe, expect, it } from 'vitest';
import { downloadFailure } from './ModelsView';

describe('downloadFailure', () => {
  it.each([
    ['getaddrinfo ENOTFOUND huggingface.co', 'the download server could not be reached (is this computer online?)'],
    ['connect ECONNREFUSED 127.0.0.1:9', 'the connection to the download server broke off'],
    ['ENOSPC: no space left on device, write', 'the disk is full'],
    ['sha256 mismatch: expected ab, got cd', 'the file did not match its checksum, so it was not kept'],
    ['HTTP 404 from the mirror', 'HTTP 404 from the mirror'],
    [undefined, 'unknown error'],
  ])('%s → %s', (raw, words) => {
    expect(downloadFailure(raw)).toBe(words);
  });
});
