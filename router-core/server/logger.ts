// pino logger with redaction: auth headers and anything named like a key or token never reach a log line.
import pino, { type Logger } from 'pino';

/** Paths redacted wherever they appear in a logged object. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.token',
  'apiKey',
  'token',
  'config.anthropicApiKey',
  'config.token',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'hybrid-ai' },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
