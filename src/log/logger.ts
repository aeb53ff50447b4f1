import winston from 'winston';
import { printable } from '../errors.js';

/**
 * The only module that touches winston. Everything else takes a Logger, so
 * library-like code (the cloud client, the simulator) can be given a silent one.
 *
 * Secrets never reach a line: values registered with addSecret() (the access
 * key, passwords, tokens as they are issued) are masked wherever they appear,
 * and metadata keys that name a secret are masked whatever their value.
 */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** A logger whose lines are tagged with a subsystem name, e.g. "cloud". */
  child(namespace: string): Logger;
  /** Masks this value in every later line of this logger and its children. */
  addSecret(value: string | undefined): void;
}

export type LogFormat = 'auto' | 'pretty' | 'json';

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  stream?: NodeJS.WritableStream;
}

const MASK = '***';
const SECRET_KEY = /pass(word)?|secret|token|sign(ature)?|access_?key|local_?key|authorization/i;
// Shorter values would mask ordinary words; real keys and tokens are far longer.
const MIN_SECRET_LENGTH = 6;

class SecretMasker {
  private readonly secrets = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  maskText(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  maskValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.maskText(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.maskValue(item, depth + 1));
    if (value instanceof Error) return this.maskText(value.stack ?? value.message);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && item !== undefined && item !== '' ? MASK : this.maskValue(item, depth + 1);
    }
    return out;
  }
}

function pickFormat(format: LogFormat, stream: NodeJS.WritableStream): winston.Logform.Format {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  if (format === 'json' || (format === 'auto' && !tty)) {
    return winston.format.combine(winston.format.timestamp(), winston.format.json());
  }
  return winston.format.combine(
    winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
    winston.format.colorize({ level: tty }),
    winston.format.printf(({ timestamp, level, message, namespace, ...meta }) => {
      const tag = namespace ? `[${String(namespace)}] ` : '';
      const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
      return `${String(timestamp)} ${level} ${tag}${String(message)}${rest}`;
    }),
  );
}

class WinstonLogger implements Logger {
  constructor(
    private readonly base: winston.Logger,
    private readonly masker: SecretMasker,
    private readonly namespace?: string,
  ) {}

  error(message: string, meta?: Record<string, unknown>): void {
    this.write('error', message, meta);
  }
  warn(message: string, meta?: Record<string, unknown>): void {
    this.write('warn', message, meta);
  }
  info(message: string, meta?: Record<string, unknown>): void {
    this.write('info', message, meta);
  }
  debug(message: string, meta?: Record<string, unknown>): void {
    // Checked first so that a debug line costs nothing on a busy path at info level.
    if (this.base.isDebugEnabled()) this.write('debug', message, meta);
  }

  child(namespace: string): Logger {
    const full = this.namespace ? `${this.namespace}:${namespace}` : namespace;
    return new WinstonLogger(this.base, this.masker, full);
  }

  addSecret(value: string | undefined): void {
    this.masker.add(value);
  }

  private write(level: string, message: string, meta?: Record<string, unknown>): void {
    const masked = meta ? (this.masker.maskValue(meta) as Record<string, unknown>) : {};
    const line: Record<string, unknown> = { ...masked };
    if (this.namespace) line['namespace'] = this.namespace;
    // Control characters from sender text must not forge extra lines on a terminal.
    this.base.log(level, printable(this.masker.maskText(message)), line);
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const base = winston.createLogger({
    level: options.level,
    format: pickFormat(options.format, stream),
    transports: [new winston.transports.Stream({ stream })],
  });
  return new WinstonLogger(base, new SecretMasker());
}

/** A logger that drops everything: for library use and tests that do not read logs. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
  addSecret: () => undefined,
};
