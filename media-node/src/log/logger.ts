/**
 * Structured JSON logs, one object per line. Child loggers carry ids (node_id,
 * voice_id) so every line about a call can be found by its voice_id.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export class Logger {
  constructor(
    private readonly fields: Record<string, unknown> = {},
    private readonly min: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  child(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.fields, ...fields }, this.min, this.write);
  }

  debug(msg: string, extra?: Record<string, unknown>): void {
    this.#log('debug', msg, extra);
  }
  info(msg: string, extra?: Record<string, unknown>): void {
    this.#log('info', msg, extra);
  }
  warn(msg: string, extra?: Record<string, unknown>): void {
    this.#log('warn', msg, extra);
  }
  error(msg: string, extra?: Record<string, unknown>): void {
    this.#log('error', msg, extra);
  }

  #log(level: LogLevel, msg: string, extra?: Record<string, unknown>): void {
    if (LEVELS[level] < LEVELS[this.min]) return;
    this.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...extra }));
  }
}
