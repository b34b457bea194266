// Verdicts on answers (thumbs up/down, "retry with Claude" = a miss) for the threshold tuner: POST /api/v1/feedback.
import { api } from './client';
import { invalidate } from './queries';
import type { FeedbackDto, FeedbackRating } from './types';

/**
 * Record the verdict on the answer of `requestId`; a later verdict replaces an earlier one (the API keeps one per
 * answer and has no "clear"). Rejects with an ApiError the caller shows (unknown request id, server gone).
 */
export async function sendFeedback(requestId: string, rating: FeedbackRating): Promise<FeedbackDto> {
  const r = await api<FeedbackDto>('POST', '/api/v1/feedback', { request_id: requestId, rating });
  invalidate('/api/v1/stats');
  return r;
}
