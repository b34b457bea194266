// Our neutral chat request: every protocol adapter decodes into this, no vendor's wire format.

/** Who said a message; 'tool' carries a tool's result back to the model. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** One function call the model asked for. */
export interface ToolCall {
  /** The caller echoes this id with the result (`toolCallId`). */
  id: string;
  name: string;
  /** The arguments as JSON text of an object (what OpenAI sends; engines parse it when their wire wants an object). */
  arguments: string;
}

/** One message of a conversation (text, plus tool calls and tool results when tools are in use). */
export interface ChatMessage {
  role: Role;
  content: string;
  /** role 'assistant': the calls the model made in this turn. */
  toolCalls?: ToolCall[];
  /** role 'tool': the call this message answers. */
  toolCallId?: string;
  /** role 'tool': the tool's name, when the protocol gives it (Ollama and Anthropic need it back on some paths). */
  name?: string;
}

/** A function the model may call. */
export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** Whether the model may, must, or must not call a tool, or must call this one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Sampling and length parameters, already validated by the adapter. */
export interface GenerationParams {
  /** Upper bound on generated tokens; engines apply their own default when absent. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
}

/**
 * The answer must be JSON: any JSON object (`json`), or one that validates against `schema` (`json_schema`).
 * Engines honour it for real (a grammar, Ollama's `format`, a forced tool call), never by asking nicely.
 */
export type ResponseFormat = { type: 'json' } | { type: 'json_schema'; name?: string; schema: Record<string, unknown> };

/**
 * How long a local engine keeps the model loaded after a request (Ollama's `keep_alive`): `unload` frees it once the
 * request ends, `forever` keeps it, `for` holds it `ms` milliseconds. A request without one gets the engine's default.
 */
export type ModelKeepAlive = { kind: 'unload' } | { kind: 'forever' } | { kind: 'for'; ms: number };

/** The one request type that flows adapter -> pipeline -> engine. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** 'auto' lets the router choose; anything else is a model id or alias the caller insists on. */
  model: string;
  params: GenerationParams;
  /** Per-request "never leave this machine". */
  localOnly?: boolean;
  /** Response cache for this request: true = use it even when sampling (temperature > 0), false = bypass it. */
  cache?: boolean;
  /** Cascade for this request: true = answer locally first and escalate when weak, false = never (default: settings). */
  cascade?: boolean;
  /** Functions the model may call; the router only picks models that support tool calling when present. */
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  /** Structured output: the router only picks engines that can constrain the answer to it. */
  responseFormat?: ResponseFormat;
  /**
   * Per-token log-probabilities of the answer, with the `top` most likely tokens at each position (OpenAI's `logprobs`
   * and `top_logprobs`): the router only picks engines that return them (availability `logprobs`).
   */
  logprobs?: { top: number };
  /** The caller's keep_alive (Ollama's API only): engines that load models on their own honour it for this request. */
  keepAlive?: ModelKeepAlive;
}

/** Which door a request came in by (ledger + metrics label). */
export type Protocol = 'native' | 'openai' | 'openai-responses' | 'ollama' | 'anthropic' | 'cli';
