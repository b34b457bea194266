// Protocol registry: adding a protocol is one file in this folder and one line here.
import type { ProtocolAdapter } from '../protocol.js';
import { anthropicProtocol } from './anthropic.js';
import { nativeProtocol } from './native.js';
import { ollamaProtocol } from './ollama.js';
import { openaiProtocol } from './openai.js';
import { responsesProtocol } from './openai-responses.js';

export const protocols: readonly ProtocolAdapter[] = [nativeProtocol, openaiProtocol, responsesProtocol, ollamaProtocol, anthropicProtocol];
