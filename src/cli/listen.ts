import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReceiver, type WebhookPayload } from '../receiver.js';
import { NdjsonAppender } from './appender.js';
import { batchDetailLines, countByFlag, countsToJson, shownHeaders } from './batch-summary.js';
import { parseCommandArgs, parseInteger, parseSecret, UsageError } from './args.js';
import { describeError, hostUrl, plural } from './format.js';
import { println, type CliIo } from './io.js';
import { RecentIds } from './recent-ids.js';
import { onTerminate } from './signals.js';
import { LiveView } from './ui/live-view.js';

export const LISTEN_HELP = `Usage: ff-webhook listen [options]

A webhook receiver for development: prints one line per batch received
(webhook id, event count, signature valid or not), then the batch's meta and
its evaluations counted per flag and variation; can append the events to a
file as NDJSON, one event per line, and serve a live page of what arrives.

Options:
  --port N        port to listen on (default 8080; 0 picks a free port,
                  shown on the ready line)
  --host HOST     address to bind (default 127.0.0.1); the page, with --ui,
                  is served on this address only
  --secret S      verify signatures with this secret: Standard Webhooks
                  (webhook-signature, its timestamp within 5 minutes) or
                  GitHub-style X-Hub-Signature-256; a batch with a missing,
                  wrong or stale signature is answered 401 (so the sender
                  sees the failure), logged as "signature=invalid" and not
                  saved. May be given several times while a secret is
                  rotated: any of them may match. Default:
                  $FF_WEBHOOK_SECRET; without either, signatures are not
                  checked ("signature=unchecked").
  --out FILE      append each received event to FILE as one JSON line, with
                  its batch's meta in a "meta" field of the line
  --json          print one JSON object per line on stdout, one per batch
                  ("type":"batch") or refused request ("type":"rejected");
                  the ready and closing lines go to stderr
  --ui            serve a live page at http://HOST:PORT/ (charts of the
                  evaluations per flag and variation, batches, signature
                  failures, the latest events); POSTs still go to the receiver
  -h, --help      show this help

A batch whose webhook-id was already received is answered 204 again but not
appended twice (the sender retried after a lost reply).
Ctrl-C (SIGINT) or SIGTERM stops accepting connections, lets requests in
progress finish, closes FILE and exits 0.
`;

/** How many webhook ids are remembered to spot re-sent batches. */
const REMEMBERED_IDS = 10_000;
/** How long requests in progress may take to finish after a stop signal. */
const CLOSE_GRACE_MS = 2_000;

/** Every `--secret` (rotation: a batch signed with any of them is accepted), else FF_WEBHOOK_SECRET. */
export function parseSecrets(raw: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (raw === undefined || raw.length === 0) {
    const secret = parseSecret(undefined, env);
    return secret === undefined ? undefined : [secret];
  }
  return raw.map((value) => parseSecret(value, env) ?? '');
}

export async function listen(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    secret: { type: 'string', multiple: true },
    out: { type: 'string' },
    json: { type: 'boolean' },
    ui: { type: 'boolean' },
  });
  if (values.help === true) {
    io.stdout.write(LISTEN_HELP);
    return 0;
  }
  const port = parseInteger('port', values.port ?? '8080', 0, 65_535);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  if (values.out === '') throw new UsageError('--out must not be empty');
  const secrets = parseSecrets(values.secret, io.env);
  const json = values.json === true;
  // Human lines (ready, closing, closed) go to stderr with --json, so stdout is JSON only.
  const say = json ? io.stderr : io.stdout;

  let out: NdjsonAppender | undefined;
  try {
    out = values.out === undefined ? undefined : await NdjsonAppender.open(values.out);
  } catch (error) {
    println(io.stderr, `ff-webhook listen: cannot open --out file: ${describeError(error)}`);
    return 1;
  }

  const view = values.ui === true ? new LiveView({ host }) : undefined;
  const seen = new RecentIds(REMEMBERED_IDS);
  const totals = { batches: 0, events: 0, rejected: 0 };
  const signature = secrets === undefined ? 'unchecked' : 'valid'; // the receiver only calls onBatch past a good signature
  const report = (line: Record<string, unknown>, text: string[]): void => {
    if (json) println(io.stdout, JSON.stringify({ ...line, receivedAt: new Date().toISOString() }));
    else for (const part of text) println(io.stdout, part);
  };

  const onBatch = async (payload: WebhookPayload, webhookId: string | undefined, req: IncomingMessage): Promise<void> => {
    const id = printableId(webhookId);
    const count = payload.events.length;
    const head = { type: 'batch', id: webhookId ?? null, events: count, signature };
    if (webhookId !== undefined && seen.has(webhookId)) {
      view?.stats.recordBatch(payload.events, payload.meta, webhookId, true);
      report({ ...head, duplicate: true }, [`batch id=${id} events=${count} signature=${signature} duplicate (already received, not appended)`]);
      return;
    }
    // Written before the 204, so a batch the sender saw succeed is on disk; a failed
    // write throws, the receiver answers 500 and the sender retries.
    try {
      await out?.append(withMeta(payload));
    } catch (error) {
      println(io.stderr, `ff-webhook listen: cannot append batch id=${id}: ${describeError(error)}`);
      throw error;
    }
    if (webhookId !== undefined) seen.add(webhookId);
    totals.batches++;
    totals.events += count;
    view?.stats.recordBatch(payload.events, payload.meta, webhookId);
    const counts = countByFlag(payload.events);
    report(
      { ...head, duplicate: false, meta: payload.meta ?? null, counts: countsToJson(counts), headers: shownHeaders(req.headers) },
      [`batch id=${id} events=${count} signature=${signature}`, ...batchDetailLines(payload.meta, counts)],
    );
  };

  // One receiver for every request, so its cap on the bytes buffered at once holds across them;
  // onBatch finds the request it came with (for its headers) in the request's async context.
  const requests = new AsyncLocalStorage<IncomingMessage>();
  const receive = createReceiver({
    ...(secrets === undefined ? {} : { secret: secrets }), // a present but undefined secret is a TypeError (SPEC §9)
    onBatch: (payload, info) => onBatch(payload, info.webhookId, requests.getStore() as IncomingMessage),
  });
  const server = createServer((req, res) => {
    if (view?.handle(req, res) === true) return;
    res.once('finish', () => logRejection(req, res));
    requests.run(req, () => receive(req, res));
  });
  const logRejection = (req: IncomingMessage, res: ServerResponse): void => {
    if (res.statusCode < 400) return;
    totals.rejected++;
    view?.stats.recordRejection(res.statusCode);
    const webhookId = headerValue(req.headers['webhook-id']);
    const reason = REJECTIONS[res.statusCode] ?? '';
    report({ type: 'rejected', id: webhookId ?? null, status: res.statusCode, reason }, [
      `rejected id=${printableId(webhookId)} status=${res.statusCode} ${reason}`.trimEnd(),
    ]);
  };

  try {
    await startListening(server, port, host);
  } catch (error) {
    view?.close();
    await out?.close();
    println(io.stderr, `ff-webhook listen: cannot listen on ${hostUrl(host, port)}: ${describeError(error)}`);
    return 1;
  }
  server.on('error', (error) => println(io.stderr, `ff-webhook listen: ${describeError(error)}`));
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const checks = secrets === undefined ? 'signatures not checked' : 'signatures verified';
  const saving = values.out === undefined ? '' : `; appending events to ${values.out}`;
  println(say, `listening on ${hostUrl(host, actualPort)} (${checks}${saving}); Ctrl-C to stop`);
  if (view !== undefined) println(say, `live page: ${hostUrl(host, actualPort)}/`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    // Removed at the first signal, so a second Ctrl-C gets Node's default: exit at once.
    const dispose = onTerminate((received) => {
      dispose();
      resolve(received);
    });
  });
  println(say, `${signal}: closing`);
  view?.close(); // its event streams would otherwise hold the server open
  await closeServer(server);
  await out?.close();
  println(say, `closed: ${plural(totals.batches, 'batch', 'batches')}, ${plural(totals.events, 'event')} received, ${plural(totals.rejected, 'request')} rejected`);
  return 0;
}

/** The batch's events as --out lines: each with the batch's meta in a `meta` field. */
function withMeta(payload: WebhookPayload): readonly unknown[] {
  const { meta, events } = payload;
  return meta === undefined ? events : events.map((event) => ({ ...event, meta }));
}

const REJECTIONS: Record<number, string> = {
  400: 'bad payload',
  401: 'signature=invalid',
  405: 'method not allowed',
  408: 'body timed out',
  413: 'body too large',
  415: 'unsupported Content-Encoding',
  500: 'could not save the batch',
  503: 'busy: too many bodies buffered at once',
};

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The id as sent when it is plain printable ASCII; anything else is not echoed to the terminal. */
function printableId(id: string | undefined): string {
  if (id === undefined) return '-';
  return /^[\x21-\x7e]{1,200}$/.test(id) ? id : '(unprintable)';
}

function startListening(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, lets requests in progress finish (briefly), then closes every connection. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections(); // the sender's keep-alive sockets
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  await closed;
  clearTimeout(force);
}
