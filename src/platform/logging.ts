// Structured JSON logs (pino). Secrets never reach a log line: credentials, cookies, tokens and
// passwords are redacted wherever they appear in logged objects.
import type { LoggerOptions } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.api_token',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.secret',
  'body.password',
  'body.api_token',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'tradewise' },
    messageKey: 'message',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}
