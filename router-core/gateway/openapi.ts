// GET /openapi.json: the OpenAPI 3.1 document of every route, request bodies generated from the zod schemas that
// validate them (z.toJSONSchema), responses and error shapes from gateway/api-schemas.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { complexityBody } from './admin.js';
import {
  anthropicErrorSchema,
  chatAnswerSchema,
  claudeKeyStatusSchema,
  cloudSettingsSchema,
  cloudSetupSavedSchema,
  compatModelsSchema,
  complexitySchema,
  deletedModelSchema,
  downloadAnswerSchema,
  downloadProgressSchema,
  downloadsSchema,
  errorCatalogue,
  feedbackStatsSchema,
  healthSchema,
  historyExportSchema,
  localModelsSchema,
  modelsSchema,
  nativeErrorSchema,
  ollamaErrorSchema,
  openAiErrorSchema,
  queueSchema,
  readySchema,
  routingStatsAnswerSchema,
  settingsSchema,
  statsSchema,
  systemSchema,
  tuneProposalSchema,
} from './api-schemas.js';
import { cloudPutBody, compatModelsBody } from './cloud-api.js';
import { conversationActiveBody, conversationTitleBody } from './conversations-api.js';
import { experimentAdoptBody, experimentPutBody } from './experiment-api.js';
import { feedbackBody, tuneApplyBody } from './feedback-api.js';
import { keyCreateBody } from './keys-api.js';
import { anthropicCountTokensBody, anthropicMessagesBody } from './protocols/anthropic.js';
import { nativeChatBody } from './protocols/native.js';
import {
  ollamaChatBody,
  ollamaCopyBody,
  ollamaEmbedBody,
  ollamaGenerateBody,
  ollamaLegacyEmbedBody,
  ollamaNamedBody,
  ollamaShowBody,
} from './protocols/ollama.js';
import { openAiChatBody, openAiCompletionsBody, openAiEmbeddingsBody } from './protocols/openai.js';
import { openAiResponsesBody } from './protocols/openai-responses.js';
import { rangeNames } from './ranges.js';
import { routingPutBody } from './routing-settings-api.js';
import { settingsPutBody } from './settings-api.js';
import { compatSetup, vertexSetup } from '../settings-schema.js';

/** Whose error shape a route answers in (and the tag it is listed under). */
type Api = 'native' | 'openai' | 'ollama' | 'anthropic' | 'service';
/**
 * Who may call it: `public` needs no token; `model` takes the master token or an app key (the model APIs);
 * `master` takes the master token only (an app key gets a 403).
 */
type Access = 'public' | 'model' | 'master';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A query parameter (the handlers read these by hand, so they are described here). */
interface Query {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** One documented operation. */
export interface Operation {
  method: Method;
  /** OpenAPI path template (`{id}`), one per Fastify route (`:id`, `*`). */
  path: string;
  api: Api;
  access: Access;
  summary: string;
  /** The zod schema the handler validates the body with (named: it becomes components.schemas[name]). */
  body?: { name: string; schema: z.ZodType };
  query?: Query[];
  /** The success answer: status (default 200), its schema (absent: a JSON object described in words). */
  ok?: {
    status?: number;
    schema?: { name: string; schema: z.ZodType };
    description?: string;
    media?: string;
    /** For an SSE answer: the JSON each event's `data` holds (a component the stream's schema points to). */
    events?: { name: string; schema: z.ZodType };
  };
  /** A streamed form of the answer (`stream: true`, or Ollama's default). */
  stream?: 'text/event-stream' | 'application/x-ndjson';
}

const range = (dflt: string): Query => ({
  name: 'range',
  description: `The period: ${rangeNames.join(', ')} (default ${dflt}).`,
  schema: { type: 'string', enum: [...rangeNames], default: dflt },
});

/** Every route the gateway serves. tests/integration/openapi.test.ts holds this list and the server to each other. */
export const operations: readonly Operation[] = [
  // Service
  {
    method: 'get',
    path: '/health',
    api: 'service',
    access: 'public',
    summary: 'Liveness',
    ok: { schema: { name: 'Health', schema: healthSchema } },
  },
  {
    method: 'get',
    path: '/ready',
    api: 'service',
    access: 'public',
    summary: 'Readiness: the ledger takes a write and at least one engine has a model (503 with `reasons` otherwise)',
    ok: { schema: { name: 'Ready', schema: readySchema } },
  },
  { method: 'get', path: '/metrics', api: 'service', access: 'master', summary: 'Prometheus metrics', ok: { media: 'text/plain' } },
  { method: 'get', path: '/openapi.json', api: 'service', access: 'public', summary: 'This document' },
  { method: 'get', path: '/', api: 'service', access: 'public', summary: 'The app (no data in it)', ok: { media: 'text/html' } },
  { method: 'get', path: '/index.html', api: 'service', access: 'public', summary: 'The app', ok: { media: 'text/html' } },
  {
    method: 'get',
    path: '/assets/{path}',
    api: 'service',
    access: 'public',
    summary: "The app's scripts, styles and fonts",
    ok: { media: '*/*' },
  },

  // Native API
  {
    method: 'post',
    path: '/api/v1/chat',
    api: 'native',
    access: 'model',
    summary: 'Chat, routed: the answer with its route, model, reasons, tokens, cost and savings (SSE with `stream: true`)',
    body: { name: 'NativeChatRequest', schema: nativeChatBody },
    ok: { schema: { name: 'NativeChatAnswer', schema: chatAnswerSchema } },
    stream: 'text/event-stream',
  },
  {
    method: 'post',
    path: '/api/v1/complexity',
    api: 'native',
    access: 'master',
    summary: 'The routing decision for a prompt or conversation, without answering',
    body: { name: 'ComplexityRequest', schema: complexityBody },
    ok: { schema: { name: 'Complexity', schema: complexitySchema } },
  },
  {
    method: 'get',
    path: '/api/v1/stats',
    api: 'native',
    access: 'master',
    summary: 'Spend, savings, local share, by model, route and day (StatsDto)',
    query: [
      range('today'),
      { name: 'from', description: 'Start, epoch ms (with `to`, instead of `range`).', schema: { type: 'integer' } },
      { name: 'to', description: 'End, epoch ms.', schema: { type: 'integer' } },
    ],
    ok: { schema: { name: 'Stats', schema: statsSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/models',
    api: 'native',
    access: 'model',
    summary: 'Tier, ladder, catalog and the engine serving each model (ModelsDto)',
    ok: { schema: { name: 'Models', schema: modelsSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/system',
    api: 'native',
    access: 'master',
    summary: 'Hardware, tier and why, engines, models present, warnings',
    ok: { schema: { name: 'System', schema: systemSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/queue',
    api: 'native',
    access: 'model',
    summary:
      "The local queue as the caller may see it: an app key gets its own waiting requests (request_id, client_request_id, model, position) and running ones, and only per-model counts of everyone else's; the API token gets every request",
    ok: { schema: { name: 'Queue', schema: queueSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/models/local',
    api: 'native',
    access: 'master',
    summary: 'The local catalog on disk (LocalModelsDto)',
    ok: { schema: { name: 'LocalModels', schema: localModelsSchema } },
  },
  {
    method: 'post',
    path: '/api/v1/models/{id}/pull',
    api: 'native',
    access: 'master',
    summary: 'Start a download (202)',
    query: [
      {
        name: 'via',
        description: 'http (the GGUF file, default) or ollama (through Ollama).',
        schema: { type: 'string', enum: ['http', 'ollama'] },
      },
    ],
    ok: { status: 202, schema: { name: 'DownloadAnswer', schema: downloadAnswerSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/models/{id}',
    api: 'native',
    access: 'master',
    summary: "Delete a model's file",
    ok: { schema: { name: 'DeletedModel', schema: deletedModelSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/downloads',
    api: 'native',
    access: 'master',
    summary: 'Downloads with bytes, rate and ETA',
    ok: { schema: { name: 'Downloads', schema: downloadsSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/downloads/{id}',
    api: 'native',
    access: 'master',
    summary: 'Cancel a download (the part is kept)',
    ok: { schema: { name: 'DownloadAnswer', schema: downloadAnswerSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/downloads/events',
    api: 'native',
    access: 'master',
    summary: 'SSE stream of `download` events',
    ok: {
      media: 'text/event-stream',
      events: { name: 'DownloadProgress', schema: downloadProgressSchema },
      description: "Server-sent events: the current downloads first, then each change; every `download` event's data is a DownloadProgress",
    },
  },
  {
    method: 'get',
    path: '/api/v1/conversations',
    api: 'native',
    access: 'master',
    summary: 'Stored conversations (history on)',
    query: [
      { name: 'search', description: 'Words in a title or message.', schema: { type: 'string' } },
      { name: 'limit', description: 'Most conversations to list.', schema: { type: 'integer', minimum: 1 } },
    ],
  },
  {
    method: 'post',
    path: '/api/v1/conversations',
    api: 'native',
    access: 'master',
    summary: 'Create a conversation',
    body: { name: 'ConversationTitle', schema: conversationTitleBody },
    ok: { status: 201 },
  },
  {
    method: 'get',
    path: '/api/v1/conversations/{id}',
    api: 'native',
    access: 'master',
    summary: 'A conversation and the messages on screen',
  },
  {
    method: 'patch',
    path: '/api/v1/conversations/{id}',
    api: 'native',
    access: 'master',
    summary: 'Rename a conversation',
    body: { name: 'ConversationTitle', schema: conversationTitleBody },
  },
  { method: 'delete', path: '/api/v1/conversations/{id}', api: 'native', access: 'master', summary: 'Delete a conversation' },
  {
    method: 'put',
    path: '/api/v1/conversations/{id}/active',
    api: 'native',
    access: 'master',
    summary: 'Show another version of a turn',
    body: { name: 'ConversationActive', schema: conversationActiveBody },
  },
  {
    method: 'delete',
    path: '/api/v1/conversations/{id}/messages/{messageId}',
    api: 'native',
    access: 'master',
    summary: 'Delete one message',
  },
  {
    method: 'get',
    path: '/api/v1/history/export',
    api: 'native',
    access: 'master',
    summary: 'Every stored conversation as JSON',
    ok: { schema: { name: 'HistoryExport', schema: historyExportSchema } },
  },
  { method: 'delete', path: '/api/v1/history', api: 'native', access: 'master', summary: 'Delete all history (costs stay)' },
  {
    method: 'post',
    path: '/api/v1/feedback',
    api: 'native',
    access: 'master',
    summary: 'Rate an answer (up, down, retry)',
    body: { name: 'Feedback', schema: feedbackBody },
    ok: { status: 201 },
  },
  {
    method: 'get',
    path: '/api/v1/feedback/stats',
    api: 'native',
    access: 'master',
    summary: 'Ratings, by route',
    ok: { schema: { name: 'FeedbackStats', schema: feedbackStatsSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/feedback/tune',
    api: 'native',
    access: 'master',
    summary: 'A threshold proposal from the ratings',
    query: [{ name: 'days', description: 'Days of ratings to read (1 to 3650).', schema: { type: 'integer', minimum: 1, maximum: 3650 } }],
    ok: { schema: { name: 'TuneProposal', schema: tuneProposalSchema } },
  },
  {
    method: 'post',
    path: '/api/v1/feedback/tune/apply',
    api: 'native',
    access: 'master',
    summary: 'Apply a proposal',
    body: { name: 'TuneApply', schema: tuneApplyBody },
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    api: 'native',
    access: 'master',
    summary: 'Create an app key (shown once)',
    body: { name: 'KeyCreate', schema: keyCreateBody },
    ok: { status: 201 },
  },
  { method: 'get', path: '/api/v1/keys', api: 'native', access: 'master', summary: 'App keys (never the keys themselves)' },
  { method: 'delete', path: '/api/v1/keys/{id}', api: 'native', access: 'master', summary: 'Revoke an app key' },
  {
    method: 'get',
    path: '/api/v1/settings',
    api: 'native',
    access: 'master',
    summary: 'Settings',
    ok: { schema: { name: 'Settings', schema: settingsSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/settings',
    api: 'native',
    access: 'master',
    summary: 'Change settings',
    body: { name: 'SettingsUpdate', schema: settingsPutBody },
    ok: { schema: { name: 'Settings', schema: settingsSchema } },
  },
  { method: 'post', path: '/api/v1/settings/token/regenerate', api: 'native', access: 'master', summary: 'Replace the API token now' },
  {
    method: 'get',
    path: '/api/v1/settings/claude-key',
    api: 'native',
    access: 'master',
    summary: 'Whether a Claude key is saved (never the key)',
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/settings/claude-key',
    api: 'native',
    access: 'master',
    summary:
      'Save the Claude key (`{"key": "sk-ant-..."}`), tried first: a key Claude refuses (401/403) is a 400 and not saved; one that cannot be tried now is saved with a `warning`',
    query: [{ name: 'store', description: 'keychain (default) or file.', schema: { type: 'string', enum: ['keychain', 'file'] } }],
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/settings/claude-key',
    api: 'native',
    access: 'master',
    summary: 'Forget the saved Claude key (a key from ANTHROPIC_API_KEY is a 409: unset it there)',
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/cloud',
    api: 'native',
    access: 'master',
    summary: 'Cloud providers (never a key), the first choice, the fallback order, and whether the cloud can answer now and why not',
    ok: { schema: { name: 'CloudSettings', schema: cloudSettingsSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/cloud',
    api: 'native',
    access: 'master',
    summary: "Choose the cloud route's first choice (null = the default) and the fallback order across providers",
    body: { name: 'CloudSettingsUpdate', schema: cloudPutBody },
    ok: { schema: { name: 'CloudSettings', schema: cloudSettingsSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/cloud/keys/{provider}',
    api: 'native',
    access: 'master',
    summary: "Whether a provider's key is saved (anthropic, openai, gemini, compat; never the key)",
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/cloud/keys/{provider}',
    api: 'native',
    access: 'master',
    summary:
      'Save a provider\'s key (`{"key": "..."}`), tried first with a one-token call: a key the provider refuses (401/403) is a 400 and not saved; one that cannot be tried now is saved with a `warning`',
    query: [{ name: 'store', description: 'keychain (default) or file.', schema: { type: 'string', enum: ['keychain', 'file'] } }],
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/cloud/keys/{provider}',
    api: 'native',
    access: 'master',
    summary: "Forget a provider's saved key (a key from the environment is a 409 naming the variable to unset)",
    ok: { schema: { name: 'ClaudeKeyStatus', schema: claudeKeyStatusSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/cloud/compat',
    api: 'native',
    access: 'master',
    summary:
      'Set up an OpenAI-compatible cloud (base URL, model, optional prices in USD per million tokens) and try it with a one-token call; the key is saved through /api/v1/cloud/keys/compat. 409 while HYBRID_AI_CLOUD_COMPAT_* is set.',
    body: { name: 'CompatSetupUpdate', schema: compatSetup },
    ok: { schema: { name: 'CloudSetupSaved', schema: cloudSetupSavedSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/cloud/compat',
    api: 'native',
    access: 'master',
    summary: 'Remove the OpenAI-compatible cloud saved in Settings (its key stays until deleted)',
    ok: { schema: { name: 'CloudSetupSaved', schema: cloudSetupSavedSchema } },
  },
  {
    method: 'post',
    path: '/api/v1/cloud/compat/models',
    api: 'native',
    access: 'master',
    summary: 'The models an OpenAI-compatible cloud lists at its /v1/models (url and key default to the ones in force)',
    body: { name: 'CompatModelsRequest', schema: compatModelsBody },
    ok: { schema: { name: 'CompatModels', schema: compatModelsSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/cloud/vertex',
    api: 'native',
    access: 'master',
    summary:
      'Run Gemini on Vertex AI: project, location, and a service-account JSON key file path (null = application-default credentials); tried with a one-token call. 409 while GOOGLE_GENAI_USE_VERTEXAI is set.',
    body: { name: 'VertexSetupUpdate', schema: vertexSetup },
    ok: { schema: { name: 'CloudSetupSaved', schema: cloudSetupSavedSchema } },
  },
  {
    method: 'delete',
    path: '/api/v1/cloud/vertex',
    api: 'native',
    access: 'master',
    summary: 'Stop running Gemini on Vertex AI (back to AI Studio with its key)',
    ok: { schema: { name: 'CloudSetupSaved', schema: cloudSetupSavedSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/routing/settings',
    api: 'native',
    access: 'master',
    summary: 'Routing features: estimator, privacy, cache, cascade, schedule',
  },
  {
    method: 'put',
    path: '/api/v1/routing/settings',
    api: 'native',
    access: 'master',
    summary: 'Change routing features',
    body: { name: 'RoutingSettingsUpdate', schema: routingPutBody },
  },
  { method: 'delete', path: '/api/v1/routing/cache', api: 'native', access: 'master', summary: 'Empty the response cache' },
  {
    method: 'get',
    path: '/api/v1/routing/stats',
    api: 'native',
    access: 'master',
    summary: 'Cache, cascade, privacy and feedback counters',
    query: [range('30d')],
    ok: { schema: { name: 'RoutingStats', schema: routingStatsAnswerSchema } },
  },
  { method: 'get', path: '/api/v1/routing/experiment', api: 'native', access: 'master', summary: 'The running routing experiment, if any' },
  {
    method: 'put',
    path: '/api/v1/routing/experiment',
    api: 'native',
    access: 'master',
    summary: 'Start a routing experiment (A/B)',
    body: { name: 'ExperimentStart', schema: experimentPutBody },
  },
  { method: 'delete', path: '/api/v1/routing/experiment', api: 'native', access: 'master', summary: 'Stop the experiment' },
  {
    method: 'get',
    path: '/api/v1/routing/experiment/stats',
    api: 'native',
    access: 'master',
    summary: 'Both arms compared, with 95% intervals',
  },
  {
    method: 'post',
    path: '/api/v1/routing/experiment/adopt',
    api: 'native',
    access: 'master',
    summary: "Adopt an arm's settings and stop the experiment",
    body: { name: 'ExperimentAdopt', schema: experimentAdoptBody },
  },

  // OpenAI-compatible
  {
    method: 'post',
    path: '/v1/chat/completions',
    api: 'openai',
    access: 'model',
    summary: 'Chat completions (`model: "auto"` routes)',
    body: { name: 'OpenAIChatCompletionRequest', schema: openAiChatBody },
    ok: { description: 'A chat.completion object' },
    stream: 'text/event-stream',
  },
  {
    method: 'post',
    path: '/v1/completions',
    api: 'openai',
    access: 'model',
    summary: 'Legacy text completions',
    body: { name: 'OpenAICompletionRequest', schema: openAiCompletionsBody },
    ok: { description: 'A text_completion object' },
    stream: 'text/event-stream',
  },
  {
    method: 'post',
    path: '/v1/responses',
    api: 'openai',
    access: 'model',
    summary: 'The Responses API',
    body: { name: 'OpenAIResponseRequest', schema: openAiResponsesBody },
    ok: { description: 'A response object' },
    stream: 'text/event-stream',
  },
  {
    method: 'get',
    path: '/v1/responses/{id}',
    api: 'openai',
    access: 'model',
    summary: 'A stored response (readable with history on, sealed with history off)',
  },
  { method: 'delete', path: '/v1/responses/{id}', api: 'openai', access: 'model', summary: 'Delete a stored response' },
  {
    method: 'get',
    path: '/v1/responses/{id}/input_items',
    api: 'openai',
    access: 'model',
    summary: "A stored response's input items (a list with first_id, last_id, has_more)",
    query: [
      { name: 'limit', description: 'Items per page (1 to 100, default 20).', schema: { type: 'integer', minimum: 1, maximum: 100 } },
      { name: 'order', description: 'asc, or desc (default: newest first).', schema: { type: 'string', enum: ['asc', 'desc'] } },
      { name: 'after', description: 'The id of the item to list after (the last id of the previous page).', schema: { type: 'string' } },
    ],
  },
  {
    method: 'post',
    path: '/v1/embeddings',
    api: 'openai',
    access: 'model',
    summary: 'Embeddings from a local model',
    body: { name: 'OpenAIEmbeddingRequest', schema: openAiEmbeddingsBody },
  },
  { method: 'get', path: '/v1/models', api: 'openai', access: 'model', summary: 'The models a caller may name now (`auto` first)' },
  { method: 'get', path: '/v1/models/{model}', api: 'openai', access: 'model', summary: 'One model (404 `model_not_found` lists the ids)' },

  // Ollama-compatible
  {
    method: 'post',
    path: '/api/chat',
    api: 'ollama',
    access: 'model',
    summary: 'Chat (NDJSON by default, `stream: false` for one object)',
    body: { name: 'OllamaChatRequest', schema: ollamaChatBody },
    stream: 'application/x-ndjson',
  },
  {
    method: 'post',
    path: '/api/generate',
    api: 'ollama',
    access: 'model',
    summary: 'Generate from a prompt',
    body: { name: 'OllamaGenerateRequest', schema: ollamaGenerateBody },
    stream: 'application/x-ndjson',
  },
  { method: 'get', path: '/api/tags', api: 'ollama', access: 'model', summary: 'Models (`name:latest`), `auto` included' },
  {
    method: 'post',
    path: '/api/show',
    api: 'ollama',
    access: 'model',
    summary: 'Model details',
    body: { name: 'OllamaShowRequest', schema: ollamaShowBody },
  },
  { method: 'get', path: '/api/version', api: 'ollama', access: 'model', summary: 'Version' },
  { method: 'get', path: '/api/ps', api: 'ollama', access: 'model', summary: 'Models held in memory' },
  {
    method: 'post',
    path: '/api/embed',
    api: 'ollama',
    access: 'model',
    summary: 'Embeddings',
    body: { name: 'OllamaEmbedRequest', schema: ollamaEmbedBody },
  },
  {
    method: 'post',
    path: '/api/embeddings',
    api: 'ollama',
    access: 'model',
    summary: 'Embeddings (legacy)',
    body: { name: 'OllamaLegacyEmbedRequest', schema: ollamaLegacyEmbedBody },
  },
  {
    method: 'post',
    path: '/api/pull',
    api: 'ollama',
    access: 'master',
    summary: "Download a model, with Ollama's NDJSON progress",
    body: { name: 'OllamaModelName', schema: ollamaNamedBody },
    stream: 'application/x-ndjson',
  },
  {
    method: 'delete',
    path: '/api/delete',
    api: 'ollama',
    access: 'master',
    summary: "Delete a model's file (an empty 200)",
    body: { name: 'OllamaModelName', schema: ollamaNamedBody },
    ok: { media: 'none' },
  },
  {
    method: 'post',
    path: '/api/copy',
    api: 'ollama',
    access: 'master',
    summary: 'Copy (200 only to its own name)',
    body: { name: 'OllamaCopyRequest', schema: ollamaCopyBody },
    ok: { media: 'none' },
  },

  // Anthropic-compatible
  {
    method: 'post',
    path: '/v1/messages',
    api: 'anthropic',
    access: 'model',
    summary: 'Messages (SSE in the official event order with `stream: true`)',
    body: { name: 'AnthropicMessagesRequest', schema: anthropicMessagesBody },
    ok: { description: 'A message object' },
    stream: 'text/event-stream',
  },
  {
    method: 'post',
    path: '/v1/messages/count_tokens',
    api: 'anthropic',
    access: 'model',
    summary: 'Token count (an estimate, ~4 characters a token)',
    body: { name: 'AnthropicCountTokensRequest', schema: anthropicCountTokensBody },
  },
];

const errorSchemas: Record<Api, { name: string; schema: z.ZodType }> = {
  native: { name: 'NativeError', schema: nativeErrorSchema },
  service: { name: 'NativeError', schema: nativeErrorSchema },
  openai: { name: 'OpenAIError', schema: openAiErrorSchema },
  ollama: { name: 'OllamaError', schema: ollamaErrorSchema },
  anthropic: { name: 'AnthropicError', schema: anthropicErrorSchema },
};

const tags: Record<Api, { name: string; description: string }> = {
  native: { name: 'Native API', description: 'The router\'s own API under /api/v1: errors as `{"error": {"type", "message"}}`.' },
  openai: { name: 'OpenAI-compatible', description: "For the official `openai` client (base URL `…/v1`): errors in OpenAI's shape." },
  ollama: {
    name: 'Ollama-compatible',
    description:
      'For the official `ollama` client (host = this server; add the Authorization header): errors as `{"error": "..."}`. With the `ollama_without_token` setting on, loopback clients need no token here.',
  },
  anthropic: {
    name: 'Anthropic-compatible',
    description: "For the official `@anthropic-ai/sdk` (base URL = this server): errors in Anthropic's shape.",
  },
  service: { name: 'Service', description: 'Health, readiness, metrics, the app and this document.' },
};

const accessText: Record<Access, string> = {
  public: 'No token needed.',
  model: 'The master token or an app key.',
  master: 'The master token only (an app key gets a 403).',
};

/** A zod schema as an OpenAPI 3.1 schema (JSON Schema 2020-12), as its caller sends it (`io: "input"`: defaults optional). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Adds a named schema to the document's components (once) and returns its `$ref`. */
type PutSchema = (name: string, schema: z.ZodType, io: 'input' | 'output') => { $ref: string };

/** One operation's OpenAPI object: parameters, body, responses; its schemas go to the components through `put`. */
function describeOperation(op: Operation, put: PutSchema): Record<string, unknown> {
  const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = (op.query ?? []).map((q) => ({
    name: q.name,
    in: 'query',
    required: false,
    description: q.description,
    schema: q.schema,
  }));
  const err = errorSchemas[op.api];
  const errRef = put(err.name, err.schema, 'output');
  const okMedia = op.ok?.media ?? 'application/json';
  const okContent: Record<string, unknown> = {};
  if (okMedia !== 'none') {
    okContent[okMedia] = {
      schema: op.ok?.schema
        ? put(op.ok.schema.name, op.ok.schema.schema, 'output')
        : op.ok?.events
          ? {
              type: 'string',
              description: `Each event's data: ${put(op.ok.events.name, op.ok.events.schema, 'output').$ref}`,
            }
          : okMedia === 'application/json'
            ? { type: 'object' }
            : {},
    };
  }
  if (op.stream) okContent[op.stream] = { schema: { type: 'string', description: `The streamed answer (${op.stream}).` } };
  return {
    operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    tags: [tags[op.api].name],
    summary: op.summary,
    description: accessText[op.access],
    security: op.access === 'public' ? [] : [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    'x-app-keys': op.access === 'model',
    ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: put(op.body.name, op.body.schema, 'input') } } } }
      : {}),
    responses: {
      [String(op.ok?.status ?? 200)]: {
        description: op.ok?.description ?? 'OK',
        ...(Object.keys(okContent).length > 0 ? { content: okContent } : {}),
      },
      '4XX': {
        description: "The caller's mistake (the message names the field and what is valid)",
        content: { 'application/json': { schema: errRef } },
      },
      '5XX': {
        description: 'No model could answer, upstream failed, or an internal error',
        content: { 'application/json': { schema: errRef } },
      },
    },
  };
}

/** The whole document (built once per server: the schemas do not change while it runs). */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  const put: PutSchema = (name, schema, io) => {
    schemas[name] ??= jsonSchema(schema, io);
    return ref(name);
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = describeOperation(op, put);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hybrid AI Stack',
      version,
      description: [
        'Answers every chat request with the cheapest model that will do it well (local llama.cpp or Ollama, or Claude) and says why, with what it cost and saved.',
        "Every error is a 4xx for the caller's mistakes or a 5xx for ours, in the shape of the API called. Error types and statuses: " +
          errorCatalogue.map(([t, s]) => `${t} ${s}`).join(', ') +
          '.',
        'Chat answers carry x-hybrid-route, x-hybrid-model, x-hybrid-engine, x-hybrid-complexity, x-hybrid-reasons and x-request-id headers.',
        "A chat request may send its own id as x-client-request-id (1 to 512 printable ASCII characters): it is echoed on the answer, and GET /api/v1/system lists a request waiting for a busy local model under it (parallel.queue). x-request-id is always the gateway's own.",
      ].join('\n\n'),
    },
    servers: [{ url: 'http://127.0.0.1:8787', description: 'The default local address' }],
    tags: (['native', 'openai', 'ollama', 'anthropic', 'service'] as const).map((a) => tags[a]),
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            "`Authorization: Bearer <token>`: the master token (printed by `npm run serve`; the data dir's `api-token` file, or HYBRID_AI_TOKEN) opens every route; an app key (POST /api/v1/keys) opens the model APIs only, under its own rate limit and monthly budget.",
        },
        apiKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'The same token or app key, as Anthropic clients send it.',
        },
      },
      schemas,
    },
    paths,
  };
}

/**
 * Serve the document at GET /openapi.json without a token. why: it is the same for every installation and holds no
 * data, settings or secret (only the version), the server answers only to its own Host (DNS rebinding) and pages of
 * other origins are refused; a documentation generator or client generator can read it without being handed the
 * token, and every route it describes still needs one.
 */
export function mountOpenApi(app: FastifyInstance, version: string): void {
  let doc: string | undefined;
  app.get('/openapi.json', { config: { public: true } }, (_req, reply) => {
    doc ??= JSON.stringify(buildOpenApiDocument(version));
    return reply.type('application/json; charset=utf-8').send(doc);
  });
}
