// Conversations API: list/search/create/rename/delete stored chats, their messages and versions, and "delete all history".
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HistoryConversationDto, HistoryExportDto } from '../contracts/api.js';
import { CoreError } from '../errors.js';
import type { Conversation, ConversationStore, StoredMessage } from '../ledger/ledger.js';
import { activePath, newestInSubtree, versionIndex, type VersionInfo } from '../ledger/tree.js';
import { providerOf } from '../routing/cloud.js';
import { parseBody } from './protocols/validate.js';
import { snippetAround } from './snippet.js';

/** What the conversations routes need from the core. */
export interface ConversationsDeps {
  ledger: ConversationStore;
  now(): number;
  /** Whether prompts and answers are kept (Settings → history). */
  history(): boolean;
}

/** Longest title kept: a sidebar shows ~40 characters; 200 leaves room for a sentence without storing a prompt. */
const MAX_TITLE = 200;
/** Default and largest page of conversations: a sidebar rarely needs more; search finds the rest. */
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 1000;
/** Conversations an export reads: all of them (why a bound at all: LIMIT needs a number; no desktop keeps a million). */
const EXPORT_LIMIT = 1_000_000;

const titleBody = z.object({
  title: z.string().trim().min(1, 'must be a non-empty string').max(MAX_TITLE, `must be at most ${MAX_TITLE} characters`),
});

const activeBody = z.object({
  message_id: z.string().min(1, 'must be the id of a message in the conversation').max(200),
});

/** Wire shape of a conversation (snake_case like the rest of the native API). */
export function conversationJson(c: Conversation) {
  return { id: c.id, title: c.title, created_at: c.createdAt, updated_at: c.updatedAt, message_count: c.messageCount };
}

/**
 * Wire shape of a message; assistant messages carry the same `routing` and `summary` objects as the chat stream
 * (`cached` and `escalated` included), the person's `rating`, and `retried_from` when the answer replaced one the
 * person retried with Claude.
 */
export function messageJson(m: StoredMessage, versions?: VersionInfo) {
  const r = m.request;
  // A cached answer's row names no engine (none ran): the badge shows the engine of the answer it reused.
  const engine = r?.engine ?? m.cacheHit?.engine ?? null;
  return {
    id: m.id,
    parent_id: m.parentId,
    // This turn's versions (regenerated answers, edited prompts): 1-based index, count and every version's id.
    versions: versions ?? { index: 1, count: 1, ids: [m.id] },
    role: m.role,
    content: m.content,
    created_at: m.createdAt,
    request_id: m.requestId,
    status: r?.status ?? null,
    error_type: r?.errorType ?? null,
    routing:
      r && r.route && r.model && engine
        ? {
            route: r.route,
            model: r.model,
            engine,
            ...(providerOf(engine) ? { provider: providerOf(engine) } : {}),
            complexity: Number((r.complexity ?? 0).toFixed(3)),
            reasons: r.reasons,
            fallback_from: r.fallbackFrom,
            // Present only when true, as in the chat stream's route frame.
            ...(m.cacheHit ? { cached: true } : {}),
            ...(m.escalated ? { escalated: m.escalated } : {}),
          }
        : null,
    rating: m.rating,
    retried_from: m.retryOf ? { request_id: m.retryOf.requestId, model: m.retryOf.model, rating: m.retryOf.rating } : null,
    summary: r
      ? {
          usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
          cost_micros: r.costMicros,
          all_cloud_cost_micros: r.allCloudMicros,
          savings_micros: Math.max(0, r.allCloudMicros - r.costMicros),
          latency_seconds: r.latencyMs / 1000,
          ttft_ms: r.ttftMs,
        }
      : null,
  };
}

async function find(deps: ConversationsDeps, id: string): Promise<Conversation> {
  const c = await deps.ledger.getConversation(id);
  if (!c) throw new CoreError('not_found', `No conversation "${id}". List them with GET /api/v1/conversations.`);
  return c;
}

/** Register the routes (all need the token). */
export function mountConversationsApi(app: FastifyInstance, deps: ConversationsDeps): void {
  app.get('/api/v1/conversations', async (req) => {
    const q = req.query as { search?: string; limit?: string };
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new CoreError('invalid_request', `Invalid "limit": "${q.limit}" (must be an integer from 1 to ${MAX_LIMIT}).`);
    }
    const search = typeof q.search === 'string' ? q.search.slice(0, MAX_TITLE) : undefined;
    return {
      history_enabled: deps.history(),
      // A search result says why it matched: the words around the hit in a message (null when only the title matched).
      conversations: (await deps.ledger.listConversations({ search, limit })).map((c) =>
        search?.trim() ? { ...conversationJson(c), snippet: (c.match && snippetAround(c.match, search)) || null } : conversationJson(c),
      ),
    };
  });

  app.post('/api/v1/conversations', async (req, reply) => {
    const b = parseBody(titleBody, req.body);
    if (!deps.history()) {
      throw new CoreError(
        'forbidden',
        'History is off, so conversations are not stored. Turn it on in Settings (PUT /api/v1/settings {"history_enabled": true}).',
      );
    }
    return reply.code(201).send({ conversation: conversationJson(await deps.ledger.createConversation(b.title, deps.now())) });
  });

  /** The conversation with the messages on screen (the active path through its versions), first turn first. */
  async function withPath(c: Conversation) {
    const all = await deps.ledger.listMessages(c.id);
    const versions = versionIndex(all);
    return { conversation: conversationJson(c), messages: activePath(all, c.leafId).map((m) => messageJson(m, versions.get(m.id))) };
  }

  app.get('/api/v1/conversations/:id', async (req) => withPath(await find(deps, (req.params as { id: string }).id)));

  // Switch versions: show `message_id` and what was said after it (the newest message in its subtree becomes the leaf).
  app.put('/api/v1/conversations/:id/active', async (req) => {
    const c = await find(deps, (req.params as { id: string }).id);
    const b = parseBody(activeBody, req.body);
    const all = await deps.ledger.listMessages(c.id);
    if (!all.some((m) => m.id === b.message_id)) {
      throw new CoreError('invalid_request', `Invalid "message_id": no message "${b.message_id}" in conversation "${c.id}".`);
    }
    await deps.ledger.setLeaf(c.id, newestInSubtree(all, b.message_id));
    return withPath((await deps.ledger.getConversation(c.id)) ?? c);
  });

  app.patch('/api/v1/conversations/:id', async (req) => {
    const { id } = req.params as { id: string };
    const b = parseBody(titleBody, req.body);
    const c = await deps.ledger.renameConversation(id, b.title, deps.now());
    if (!c) throw new CoreError('not_found', `No conversation "${id}". List them with GET /api/v1/conversations.`);
    return { conversation: conversationJson(c) };
  });

  app.delete('/api/v1/conversations/:id', async (req) => {
    const { id } = req.params as { id: string };
    if (!(await deps.ledger.deleteConversation(id))) {
      throw new CoreError('not_found', `No conversation "${id}". List them with GET /api/v1/conversations.`);
    }
    return { deleted: true, id };
  });

  // Delete one message (the app asks first); the messages after it stay, following its parent. Answers the path.
  app.delete('/api/v1/conversations/:id/messages/:messageId', async (req) => {
    const { id, messageId } = req.params as { id: string; messageId: string };
    const c = await find(deps, id);
    const deleted = await deps.ledger.deleteMessage(c.id, messageId);
    if (deleted === 0) throw new CoreError('not_found', `No message "${messageId}" in conversation "${id}".`);
    return { deleted, ...(await withPath((await deps.ledger.getConversation(c.id)) ?? c)) };
  });

  // Every saved conversation with every message (all versions, each with its parent and the shown path's leaf), the
  // badge data and cost of each answer: one JSON document to keep or move before "delete all history".
  app.get('/api/v1/history/export', async (_req, reply) => {
    const all = await deps.ledger.listConversations({ limit: EXPORT_LIMIT });
    const conversations: HistoryConversationDto[] = [];
    for (const c of all) {
      const messages = await deps.ledger.listMessages(c.id);
      const versions = versionIndex(messages);
      conversations.push({
        ...conversationJson(c),
        leaf_id: activePath(messages, c.leafId).at(-1)?.id ?? null,
        messages: messages.map((m) => messageJson(m, versions.get(m.id))),
      });
    }
    const stamp = new Date(deps.now()).toISOString();
    void reply.header('content-disposition', `attachment; filename="hybrid-ai-history-${stamp.slice(0, 10)}.json"`);
    return {
      format: 'hybrid-ai-history',
      version: 1,
      exported_at: stamp,
      history_enabled: deps.history(),
      conversations,
    } satisfies HistoryExportDto;
  });

  app.delete('/api/v1/history', async () => {
    const d = await deps.ledger.deleteAllHistory();
    return { deleted: { conversations: d.conversations, messages: d.messages, request_texts: d.requestTexts } };
  });
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { titleBody as conversationTitleBody, activeBody as conversationActiveBody };
