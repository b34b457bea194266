// Our neutral chat request: every protocol adapter decodes into this, no vendor's wire format.

/** Who said a message. */
export type Role = 'system' | 'user' | 'assistant';

/** One message of a conversation (text only for now). */
export interface ChatMessage {
  role: Role;
  content: string;
}

/** Sampling and length parameters, already validated by the adapter. */
export interface GenerationParams {
  /** Upper bound on generated tokens; engines apply their own default when absent. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
}

/** The one request type that flows adapter -> pipeline -> engine. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** 'auto' lets the router choose; anything else is a model id or alias the caller insists on. */
  model: string;
  params: GenerationParams;
  /** Per-request "never leave this machine". */
  localOnly?: boolean;
}

/** Which door a request came in by (ledger + metrics label). */
export type Protocol = 'native' | 'openai' | 'ollama' | 'anthropic' | 'cli';
