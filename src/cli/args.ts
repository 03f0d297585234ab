import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Argument helpers shared by the commands. Every problem becomes a UsageError,
 * which `main` prints as one line and turns into exit code 2.
 *
 * Messages name the option but never echo a value: a value may be a secret or
 * a header (`--header Authorization: Bearer x` typed without quotes splits the
 * token into stray arguments, so positionals are not echoed either).
 */

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

interface ParseArgsError {
  code?: unknown;
  message?: unknown;
}

/** Runs a `node:util` parseArgs call and rewrites its errors as one-line UsageErrors. */
type CommandOptions = NonNullable<ParseArgsConfig['options']>;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * `parseArgs` as every command uses it: options only, strict, with `-h/--help`;
 * its errors become one-line UsageErrors (exit 2).
 */
export function parseCommandArgs<const O extends CommandOptions>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O & typeof HELP_OPTION }>>['values'] {
  return withUsageErrors(() =>
    parseArgs({ args: argv, strict: true, allowPositionals: false, options: { ...options, ...HELP_OPTION } }),
  ).values;
}

export function withUsageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const { code, message } = (error ?? {}) as ParseArgsError;
    const text = typeof message === 'string' ? message : String(error);
    switch (code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option ${quoted(text) ?? ''}`.trim());
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError('unexpected argument (this command takes options only; quote values that contain spaces)');
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        // parseArgs' own text names the option only; keep its first line.
        throw new UsageError(text.split('\n')[0].replace(/^Option/, 'option'));
      default:
        throw error;
    }
  }
}

function quoted(text: string): string | undefined {
  return /'([^']*)'/.exec(text)?.[1];
}

/** A whole number in [min, max], written in plain decimal digits. */
export function parseInteger(option: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`--${option} must be ${range}`);
  }
  return value;
}

/** Like parseInteger, for an option that may be absent. */
export function optionalInteger(option: string, raw: string | undefined, min: number, max?: number): number | undefined {
  return raw === undefined ? undefined : parseInteger(option, raw, min, max);
}

/** An http(s) URL; anything else is a usage error. */
export function parseEndpoint(raw: string | undefined): URL {
  if (raw === undefined) throw new UsageError('--endpoint URL is required');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError('--endpoint must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('--endpoint must be an http:// or https:// URL');
  }
  return url;
}

/** `--secret`, or FF_WEBHOOK_SECRET when the flag is absent (keeps it out of shell history and `ps`). */
export function parseSecret(raw: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const secret = raw ?? (env.FF_WEBHOOK_SECRET === '' ? undefined : env.FF_WEBHOOK_SECRET);
  if (secret === '') throw new UsageError('--secret must not be empty');
  return secret;
}

/**
 * `--header 'Name: value'` values as exporter headers. A repeated name (matched
 * case-insensitively, as HTTP does) gives several values; spaces after the colon
 * are trimmed. Name and value syntax is checked by the exporter itself.
 */
export function parseHeaders(raw: readonly string[] | undefined): Record<string, string | string[]> {
  const headers: Record<string, string[]> = {};
  const nameFor = new Map<string, string>(); // lower-case name → first spelling seen
  for (const entry of raw ?? []) {
    const colon = entry.indexOf(':');
    const name = colon === -1 ? '' : entry.slice(0, colon).trim();
    if (name === '') throw new UsageError('--header must look like NAME:VALUE');
    const value = entry.slice(colon + 1).replace(/^[ \t]+/, '');
    const key = nameFor.get(name.toLowerCase()) ?? name;
    nameFor.set(name.toLowerCase(), key);
    (headers[key] ??= []).push(value);
  }
  return Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}

/** `--meta key=value` values; a repeated key keeps its last value. */
export function parseMeta(raw: readonly string[] | undefined): Record<string, string> | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  const meta: Record<string, string> = {};
  for (const entry of raw) {
    const equals = entry.indexOf('=');
    const key = equals === -1 ? '' : entry.slice(0, equals).trim();
    if (key === '') throw new UsageError('--meta must look like KEY=VALUE');
    meta[key] = entry.slice(equals + 1);
  }
  return meta;
}

/** A copy of `options` without its undefined entries, so the library applies its own defaults. */
export function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
