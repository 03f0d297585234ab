import { inspect } from 'node:util';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

export interface DiagLine {
  level: 'error' | 'warn' | 'info' | 'debug' | 'verbose';
  text: string;
}

/** A diag logger that keeps every line (arguments included, rendered with util.inspect). */
export class DiagCapture implements DiagLogger {
  readonly lines: DiagLine[] = [];

  error(message: string, ...args: unknown[]): void {
    this.keep('error', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.keep('warn', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.keep('info', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.keep('debug', message, args);
  }
  verbose(message: string, ...args: unknown[]): void {
    this.keep('verbose', message, args);
  }

  /** Lines of `level` whose text matches `pattern`. */
  matching(level: DiagLine['level'], pattern: RegExp): DiagLine[] {
    return this.lines.filter((line) => line.level === level && pattern.test(line.text));
  }

  private keep(level: DiagLine['level'], message: string, args: unknown[]): void {
    const rendered = args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10, showHidden: true })));
    this.lines.push({ level, text: [message, ...rendered].join(' ') });
  }
}

/** Installs a capturing diag logger; call the returned function to remove it. */
export function captureDiag(logLevel: DiagLogLevel = DiagLogLevel.VERBOSE): { capture: DiagCapture; restore: () => void } {
  const capture = new DiagCapture();
  diag.setLogger(capture, { logLevel, suppressOverrideMessage: true });
  return { capture, restore: () => diag.disable() };
}
