/**
 * Structured JSON logs (pino) that never carry a credential: keys named like a
 * token or an authorization header are replaced, and so is a token inside any
 * logged text (`?token=…` in a URL, the `sandbox.token.…` and `sandbox.resume.…`
 * subprotocols, a Bearer header value). The ops integration test greps the
 * captured log for the token.
 */
import {pino, type DestinationStream, type Level, type Logger} from 'pino';

export type LogLevel = 'info' | 'warn' | 'error';

/** pino-compatible: `logger.info({details}, 'message')`. */
export interface SandboxLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** How every part of the server logs: one level, one message, structured details. */
export type LogFunction = (level: LogLevel, message: string, details?: Record<string, unknown>) => void;

export const REDACTED = '[redacted]';

/** Key names whose values are never logged (compared in lower case, without - and _). */
const SECRET_KEYS = new Set(['token', 'resumetoken', 'authorization', 'accesstoken', 'admintoken', 'tokensecret', 'secret', 'password', 'cookie']);

// Query parameters and header-like forms that carry a credential inside text.
const SECRET_IN_TEXT: Array<[RegExp, string]> = [
  [/(\b(?:token|access_token|admin_token)=)[^&\s"'#]*/gi, `$1${REDACTED}`],
  [/("(?:token|authorization|access_token)"\s*:\s*")[^"]*/gi, `$1${REDACTED}`],
  [/(sandbox\.(?:token|resume)\.)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`],
  [/(\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
];

const MAX_DEPTH = 6;

export function scrubText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) result = result.replace(pattern, replacement);
  return result;
}

const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));

/**
 * A copy of `value` with secrets replaced. Plain objects and arrays are walked
 * (to a bounded depth); errors become their message and stack, scrubbed.
 */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (value instanceof Error) return {type: value.name, message: scrubText(value.message), ...(value.stack ? {stack: scrubText(value.stack)} : {})};
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return scrubText(String(value));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = isSecretKey(key) ? REDACTED : scrub(item, depth + 1);
  return copy;
}

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Default: standard output. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
  name?: string;
}

export type SandboxPinoLogger = Logger & SandboxLogger;

export function createLogger(options: LoggerOptions = {}): SandboxPinoLogger {
  return pino(
    {
      name: options.name ?? 'docusaurus-sandbox',
      level: options.level ?? 'info',
      // Known paths are censored by pino itself (fast path) …
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization'],
        censor: REDACTED,
      },
      hooks: {
        // … and everything else logged goes through `scrub`, so a token in a
        // URL or under any key at any depth never reaches the output.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => scrub(arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
