import { fstatSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BatchProcessor } from '../batch-processor.js';
import { validateEvent, type ExportableEvent } from '../events.js';
import { WebhookExporter } from '../webhook/webhook-exporter.js';
import {
  definedOnly,
  optionalInteger,
  parseEndpoint,
  parseHeaders,
  parseMeta,
  parseSecret,
  UsageError,
  withUsageErrors,
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

export async function send(argv: string[], io: CliIo): Promise<number> {
  const { values } = withUsageErrors(() =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        endpoint: { type: 'string' },
        secret: { type: 'string' },
        header: { type: 'string', multiple: true },
        meta: { type: 'string', multiple: true },
        'flush-interval': { type: 'string' },
        'max-event-in-memory': { type: 'string' },
        timeout: { type: 'string' },
        'max-retries': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) {
    io.stdout.write(SEND_HELP);
    return 0;
  }
  const endpoint = parseEndpoint(values.endpoint);
  const maxEventInMemory = optionalInteger('max-event-in-memory', values['max-event-in-memory'], 1) ?? DEFAULT_MAX_EVENT_IN_MEMORY;
  const flushInterval = optionalInteger('flush-interval', values['flush-interval'], 1) ?? DEFAULT_FLUSH_INTERVAL;
  const exporterOptions = definedOnly({
    endpointUrl: endpoint.href,
    secret: parseSecret(values.secret, io.env),
    headers: parseHeaders(values.header),
    meta: parseMeta(values.meta),
    timeout: optionalInteger('timeout', values.timeout, 1),
    maxRetries: optionalInteger('max-retries', values['max-retries'], 0),
  });

  // The library checks the rest (header syntax, reserved headers); its messages
  // name the field, never a secret or header value.
  let exporter: CountingExporter;
  let processor: BatchProcessor;
  try {
    exporter = new CountingExporter(new WebhookExporter(exporterOptions));
    processor = new BatchProcessor(exporter, { flushInterval, maxEventInMemory });
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }

  const totals: LineTotals = { lines: 0, events: 0, blank: 0, bad: 0 };
  const started = performance.now();
  const input = inputSize(io);
  let bytesRead = 0;
  const progress = new ProgressLine(io.stderr, () => {
    const { delivered } = processor.stats();
    const done = input === undefined ? '' : `${bar(bytesRead / input)} ${Math.floor((100 * bytesRead) / input)}%  `;
    return `${done}${count(totals.lines)} lines  ${count(delivered)}/${count(totals.events)} delivered  ${count(totals.bad)} bad  ${count(rate(delivered, performance.now() - started))} events/s`;
  });
  const report = (line: number, problem: string): void => {
    totals.bad++;
    progress.log(`line ${line}: ${problem}`);
  };

  let interrupted = false;
  const dispose = onTerminate(() => {
    interrupted = true;
    dispose(); // a second signal gets Node's default: exit at once
    io.stdin.destroy(); // ends the read loop below
  });
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) println(io.stderr, 'reading events from the terminal; end with Ctrl-D');
  progress.start();

  let stoppedAt: number | undefined;
  try {
    for await (const line of readLines(io.stdin, { onBytes: (n) => (bytesRead += n) })) {
      totals.lines = line.number;
      if (line.kind === 'too-long') {
        report(line.number, `longer than ${DEFAULT_MAX_LINE_LENGTH} characters`);
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
        report(line.number, 'not valid JSON'); // the parser's message quotes the line: not echoed
        continue;
      }
      const reason = validateEvent(event);
      if (reason !== undefined) {
        report(line.number, `invalid event: ${reason}`);
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
          stoppedAt = line.number; // the flush failed even after its retries
          break;
        }
      }
    }
  } catch (error) {
    if (!interrupted) throw error; // destroying stdin on a signal may end the loop with an error
  } finally {
    dispose();
  }

  await processor.shutdown();
  progress.stop();
  const stats = processor.stats();
  const elapsed = performance.now() - started;
  const dropped = stats.dropped.overflow + stats.dropped.invalid + stats.dropped.shutdown;

  println(io.stdout, `read ${plural(totals.lines, 'line')}: ${plural(totals.events, 'event')}, ${totals.bad} bad, ${totals.blank} blank`);
  println(
    io.stdout,
    `delivered ${stats.delivered} of ${plural(stats.accepted, 'event')} in ${plural(exporter.batchesDelivered, 'batch', 'batches')} to ${endpoint.origin} ` +
      `(${(elapsed / 1000).toFixed(1)} s, ${rate(stats.delivered, elapsed)} events/s)`,
  );
  if (dropped > 0) {
    println(io.stdout, `not delivered ${dropped} (overflow ${stats.dropped.overflow}, invalid ${stats.dropped.invalid}, shutdown ${stats.dropped.shutdown})`);
  }
  if (stats.lastError !== undefined && stats.delivered < stats.accepted) {
    println(io.stderr, `ff-webhook send: delivery failed (${plural(stats.failedExports, 'failed export')}); last error: ${describeError(stats.lastError)}`);
  }
  if (stoppedAt !== undefined) println(io.stderr, `ff-webhook send: stopped reading after line ${stoppedAt}: the endpoint kept failing`);
  if (totals.bad > 0) println(io.stderr, `ff-webhook send: ${plural(totals.bad, 'bad line')} skipped`);
  if (interrupted) {
    println(io.stderr, `ff-webhook send: interrupted after line ${totals.lines}`);
    return 130;
  }
  const ok = totals.bad === 0 && stoppedAt === undefined && stats.delivered === stats.accepted;
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
