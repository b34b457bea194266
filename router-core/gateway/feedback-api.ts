// Feedback on answers (thumbs up/down, "retry with Claude") and the threshold tuner built on it: /api/v1/feedback*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import type { ComplexityThresholds } from '../routing/complexity.js';
import { isCloudEngine } from '../routing/cloud.js';
import { proposeThresholds, type RatedAnswer, type TuningProposal } from '../routing/tuner.js';
import { parseBody } from './protocols/validate.js';
import { tuneProposalDto } from './models-dto.js';
import { feedbackStatsDto } from './stats-dto.js';
import { settingKeys } from './settings-api.js';

/** What the routes need. */
export interface FeedbackDeps {
  ledger: Pick<RoutingStore, 'recordFeedback' | 'feedbackSamples' | 'requestScores' | 'routingStats'>;
  /** Where applied thresholds are saved (written through to the ledger). */
  settings: Pick<SettingsView, 'setSetting'>;
  now(): number;
  /** Thresholds in effect now (settings over defaults). */
  thresholds(): ComplexityThresholds;
}

const DAY = 86_400_000;
/** why: a month of feedback is enough to see a pattern and recent enough to reflect the current models. */
const DEFAULT_TUNE_DAYS = 30;

const feedbackBody = z
  .object({
    request_id: z.string().min(1, 'must be the id of an answer (the "id" of a chat response or its x-request-id header)').max(200),
    rating: z.enum(['up', 'down', 'retry'], { message: 'must be "up", "down" or "retry" (retry = asked Claude again: a miss)' }),
    comment: z.string().max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict();

const applyBody = z
  .object({
    medium: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
    cloud: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  })
  .strict()
  .refine((t) => t.medium <= t.cloud, { message: 'medium must be ≤ cloud', path: ['medium'] });

/** Build the tuner's proposal from the ledger (also used by `hybrid-ai tune`). */
export async function tuningProposal(
  ledger: Pick<RoutingStore, 'feedbackSamples' | 'requestScores'>,
  current: ComplexityThresholds,
  from: number,
): Promise<TuningProposal> {
  const [samples, requestScores] = await Promise.all([ledger.feedbackSamples(from), ledger.requestScores(from)]);
  const rated: RatedAnswer[] = samples
    .filter((s) => s.complexity !== null && s.engine !== null)
    .map((s) => ({ complexity: s.complexity!, route: s.route ?? '', cloud: isCloudEngine(s.engine), rating: s.rating }));
  const scores = requestScores.map((r) => r.complexity);
  return proposeThresholds(rated, scores, current);
}

/** Register the routes (all need the token). */
export function mountFeedbackApi(app: FastifyInstance, deps: FeedbackDeps): void {
  app.post('/api/v1/feedback', async (req, reply) => {
    const b = parseBody(feedbackBody, req.body);
    const ok = await deps.ledger.recordFeedback({ requestId: b.request_id, ts: deps.now(), rating: b.rating, comment: b.comment ?? null });
    if (!ok) throw new CoreError('not_found', `Unknown request_id "${b.request_id}": give the id of an answer from this server.`);
    return reply.code(201).send({ request_id: b.request_id, rating: b.rating, stored: true });
  });

  app.get('/api/v1/feedback/stats', async () => feedbackStatsDto((await deps.ledger.routingStats(0, deps.now() + 1)).feedback));

  app.get('/api/v1/feedback/tune', async (req) => {
    const q = req.query as { days?: string };
    const days = q.days === undefined ? DEFAULT_TUNE_DAYS : Number(q.days);
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw new CoreError('invalid_request', 'Invalid "days": give a whole number of days from 1 to 3650.');
    return tuneProposalDto(await tuningProposal(deps.ledger, deps.thresholds(), deps.now() - days * DAY));
  });

  // Applied only when the person accepts a proposal (the UI and `hybrid-ai tune` ask first).
  app.post('/api/v1/feedback/tune/apply', async (req) => {
    const b = parseBody(applyBody, req.body);
    await deps.settings.setSetting(settingKeys.thresholds, { medium: b.medium, cloud: b.cloud });
    return { thresholds: { medium: b.medium, cloud: b.cloud } };
  });
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { feedbackBody, applyBody as tuneApplyBody };
