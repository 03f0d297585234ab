import { fstatSync } from 'node:fs';
import { BatchProcessor } from '../batch-processor.js';
import { validateEvent, type ExportableEvent } from '../events.js';
import { WebhookExporter } from '../webhook/webhook-exporter.js';
import { MAX_TIMER_MS } from '../webhook/webhook-options.js';
import {
  definedOnly,
  optionalInteger,
  parseEndpoint,
  parseHeaders,
  parseMeta,
  parseSecret,
  UsageError,
  parseCommandArgs,
} from './args.js';
import { CountingExporter } from './counting-exporter.js';
import { count, describeError, plural, rate } from './format.js';
import { println, type CliIo } from './io.js';
import { DEFAULT_MAX_LINE_LENGTH, readLines } from './ndjson.js';
import { bar, ProgressLine } from './progress.js';
import { onTerminate } from './signals.js';

/** GO Feature Flag's defaults, which are the library's too; stated here so the help can show them. */
const DEFAULT_FLUSH_INTERVAL = 60_000;
const DEFAULT_MAX_EVENT_IN_MEMORY = 100_000;

export const SEND_HELP = `Usage: ff-webhook send --endpoint URL [options] < events.ndjson

Reads events from stdin, one JSON event per line (NDJSON), and delivers them
through a BatchProcessor to the webhook, signed when a secret is given.
Blank lines are skipped; each bad line is reported with its number and skipped.

Options:
  --endpoint URL             webhook URL, http:// or https:// (required)
  --secret S                 sign each body (X-Hub-Signature-256);
                             default: $FF_WEBHOOK_SECRET
  --header 'Name: value'     extra request header; repeat a name to send
                             several values
  --meta key=value           extra entry of the body's "meta" (hostname is
                             added unless given)
  --flush-interval MS        ms between timed flushes (default ${DEFAULT_FLUSH_INTERVAL})
  --max-event-in-memory N    events per batch, and pending events that trigger
                             a flush (default ${DEFAULT_MAX_EVENT_IN_MEMORY})
  --timeout MS               deadline of one HTTP attempt (library default)
  --max-retries N            in-call retries of transient failures (library
                             default: 2)
  --spool DIR                keep accepted events in DIR until delivered: what
                             a run could not deliver (interrupted, endpoint
                             down), the next run with the same DIR sends first
  -h, --help                 show this help

Reading pauses while a second full batch waits behind the one being sent,
so memory stays bounded and no event is dropped for space. If a flush still
fails after its retries, reading stops at that line and the command says so.
Progress is shown on stderr when stderr is a terminal.

Exit status: 0 when every line was a valid event and every event was
delivered; 1 otherwise; 2 on bad arguments. Ctrl-C stops reading, delivers
what was read, and exits 130.
`;

interface LineTotals {
  lines: number;
  events: number;
  blank: number;
  bad: number;
}

/** How reading ended, besides reaching the end of stdin. */
interface ReadOutcome {
  /** The line after which reading stopped because a flush failed. */
  stoppedAt?: number;
  /** An error from stdin other than the one a stop signal causes. */
  readError?: unknown;
  interrupted: boolean;
}

interface Sender {
  endpoint: URL;
  exporter: CountingExporter;
  processor: BatchProcessor;
  maxEventInMemory: number;
}

export async function send(argv: string[], io: CliIo): Promise<number> {
  const sender = createSender(argv, io);
  if (sender === undefined) {
    io.stdout.write(SEND_HELP);
    return 0;
  }
  const { processor } = sender;
  const totals: LineTotals = { lines: 0, events: 0, blank: 0, bad: 0 };
  const started = performance.now();
  const input = inputSize(io);
  let bytesRead = 0;
  const progress = new ProgressLine(io.stderr, () => {
    const { delivered } = processor.stats();
    const done = input === undefined ? '' : `${bar(bytesRead / input)} ${Math.floor((100 * bytesRead) / input)}%  `;
    return `${done}${count(totals.lines)} lines  ${count(delivered)}/${count(totals.events)} delivered  ${count(totals.bad)} bad  ${count(rate(delivered, performance.now() - started))} events/s`;
  });

  if ((io.stdin as { isTTY?: boolean }).isTTY === true) println(io.stderr, 'reading events from the terminal; end with Ctrl-D');
  progress.start();
  const outcome = await readEvents(io, sender, totals, {
    onBytes: (n) => (bytesRead += n),
    onBadLine: (line, problem) => progress.log(`line ${line}: ${problem}`),
  });
  await processor.shutdown();
  progress.stop();
  return summarize(io, sender, totals, outcome, performance.now() - started);
}

/** Parses the arguments into a ready exporter and processor; undefined when --help was asked for. */
function createSender(argv: string[], io: CliIo): Sender | undefined {
  const values = parseCommandArgs(argv, {
    endpoint: { type: 'string' },
    secret: { type: 'string' },
    header: { type: 'string', multiple: true },
    meta: { type: 'string', multiple: true },
    'flush-interval': { type: 'string' },
    'max-event-in-memory': { type: 'string' },
    timeout: { type: 'string' },
    'max-retries': { type: 'string' },
    spool: { type: 'string' },
  });
  if (values.help === true) return undefined;
  const endpoint = parseEndpoint(values.endpoint);
  const maxEventInMemory = optionalInteger('max-event-in-memory', values['max-event-in-memory'], 1) ?? DEFAULT_MAX_EVENT_IN_MEMORY;
  const flushInterval = optionalInteger('flush-interval', values['flush-interval'], 1, MAX_TIMER_MS) ?? DEFAULT_FLUSH_INTERVAL;
  const exporterOptions = definedOnly({
    endpointUrl: endpoint.href,
    secret: parseSecret(values.secret, io.env),
    headers: parseHeaders(values.header),
    meta: parseMeta(values.meta),
    timeout: optionalInteger('timeout', values.timeout, 1, MAX_TIMER_MS),
    maxRetries: optionalInteger('max-retries', values['max-retries'], 0),
  });
  // The library checks the rest (header syntax, reserved headers); its messages
  // name the field, never a secret or header value.
  try {
    const exporter = new CountingExporter(new WebhookExporter(exporterOptions));
    const spool = values.spool === undefined ? {} : { spool: { directory: values.spool } };
    const processor = new BatchProcessor(exporter, { flushInterval, maxEventInMemory, ...spool });
    return { endpoint, exporter, processor, maxEventInMemory };
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Feeds stdin's valid events to the processor, counting lines, until EOF, a failed flush or a stop signal. */
async function readEvents(
  io: CliIo,
  { processor, maxEventInMemory }: Sender,
  totals: LineTotals,
  hooks: { onBytes: (bytes: number) => void; onBadLine: (line: number, problem: string) => void },
): Promise<ReadOutcome> {
  const outcome: ReadOutcome = { interrupted: false };
  const bad = (line: number, problem: string): void => {
    totals.bad++;
    hooks.onBadLine(line, problem);
  };
  const dispose = onTerminate(() => {
    outcome.interrupted = true;
    dispose(); // a second signal gets Node's default: exit at once
    io.stdin.destroy(); // ends the read loop below
  });
  try {
    for await (const line of readLines(io.stdin, { onBytes: hooks.onBytes })) {
      totals.lines = line.number;
      if (line.kind === 'too-long') {
        bad(line.number, `longer than ${DEFAULT_MAX_LINE_LENGTH} characters`);
        continue;
      }
      if (line.text.trim() === '') {
        totals.blank++;
        continue;
      }
      let event: unknown;
      try {
        event = JSON.parse(line.text);
      } catch {
        bad(line.number, 'not valid JSON'); // the parser's message quotes the line: not echoed
        continue;
      }
      const reason = validateEvent(event);
      if (reason !== undefined) {
        bad(line.number, `invalid event: ${reason}`);
        continue;
      }
      processor.add(event as ExportableEvent);
      totals.events++;
      // Backpressure: the processor sends a batch by itself at maxEventInMemory; once a
      // second full batch waits behind it, the endpoint is slower than the input, so
      // wait for it rather than let the buffer fill and drop the oldest events.
      const { pending, inFlight } = processor.stats();
      if (pending + inFlight >= 2 * maxEventInMemory) {
        await processor.forceFlush();
        if (processor.stats().pending > 0) {
          outcome.stoppedAt = line.number; // the flush failed even after its retries
          break;
        }
      }
    }
  } catch (error) {
    // Destroying stdin on a signal may end the loop with an error; any other is reported
    // once what was read has been delivered.
    if (!outcome.interrupted) outcome.readError = error;
  } finally {
    dispose();
  }
  return outcome;
}

/** Prints the result (stdout) and what went wrong (stderr); returns the exit code. */
function summarize(io: CliIo, { endpoint, exporter, processor }: Sender, totals: LineTotals, outcome: ReadOutcome, elapsed: number): number {
  const stats = processor.stats();
  const { overflow, invalid, shutdown } = stats.dropped;
  const dropped = overflow + invalid + shutdown;
  println(io.stdout, `read ${plural(totals.lines, 'line')}: ${plural(totals.events, 'event')}, ${totals.bad} bad, ${totals.blank} blank`);
  println(
    io.stdout,
    `delivered ${stats.delivered} of ${plural(stats.accepted, 'event')} in ${plural(exporter.batchesDelivered, 'batch', 'batches')} to ${endpoint.origin} ` +
      `(${(elapsed / 1000).toFixed(1)} s, ${rate(stats.delivered, elapsed)} events/s)`,
  );
  if (dropped > 0) println(io.stdout, `not delivered ${dropped} (overflow ${overflow}, invalid ${invalid}, shutdown ${shutdown})`);

  const problem = (text: string): void => println(io.stderr, `ff-webhook send: ${text}`);
  if (stats.lastError !== undefined && stats.delivered < stats.accepted) {
    problem(`delivery failed (${plural(stats.failedExports, 'failed export')}); last error: ${describeError(stats.lastError)}`);
  }
  if (outcome.stoppedAt !== undefined) problem(`stopped reading after line ${outcome.stoppedAt}: the endpoint kept failing`);
  if (outcome.readError !== undefined) problem(`reading stdin failed after line ${totals.lines}: ${describeError(outcome.readError)}`);
  if (totals.bad > 0) problem(`${plural(totals.bad, 'bad line')} skipped`);
  if (outcome.interrupted) {
    problem(`interrupted after line ${totals.lines}`);
    return 130;
  }
  const ok = totals.bad === 0 && outcome.stoppedAt === undefined && outcome.readError === undefined && stats.delivered === stats.accepted;
  return ok ? 0 : 1;
}

/** The size of stdin when it is a regular file (`< file`), for a percentage; undefined for pipes and terminals. */
function inputSize(io: CliIo): number | undefined {
  const fd = (io.stdin as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    const stat = fstatSync(fd);
    return stat.isFile() && stat.size > 0 ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
