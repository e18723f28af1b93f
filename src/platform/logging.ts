// Structured JSON logs (pino). Secrets never reach a log line: credentials, cookies, tokens and
// passwords are redacted wherever they appear in logged objects.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LoggerOptions } from 'pino';

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

/**
 * Fastify's `childLoggerFactory`: a request's logger that becomes a pino child only when something
 * is logged at an enabled level. Building a child serialises (and redacts) its bindings, which
 * costs more than the rest of a typical request's logging; most requests log nothing through it.
 */
export function lazyChildLoggerFactory(
  this: unknown,
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyChildLogger {
  #parent: FastifyBaseLogger;
  #bindings: Bindings;
  #options: ChildLoggerOptions;
  #real: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    if (this.#real === undefined) {
      const parent = this.#parent instanceof LazyChildLogger ? this.#parent.#logger() : this.#parent;
      this.#real = parent.child(this.#bindings, this.#options);
    }
    return this.#real;
  }

  #log(method: LogMethod, args: unknown[]): void {
    if (!this.isLevelEnabled(method)) return;
    const logger = this.#logger();
    (logger[method] as (...a: unknown[]) => void).apply(logger, args);
  }

  get level(): string {
    return this.#real?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    const source = this.#real ?? this.#parent;
    return (source as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#log('error', args);
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }
  info(...args: unknown[]): void {
    this.#log('info', args);
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options: ChildLoggerOptions = {}): FastifyBaseLogger {
    return new LazyChildLogger(this as unknown as FastifyBaseLogger, bindings, options);
  }
}
