import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReceiver } from '../receiver.js';
import { NdjsonAppender } from './appender.js';
import { parseCommandArgs, parseInteger, parseSecret, UsageError } from './args.js';
import { describeError, hostUrl, plural } from './format.js';
import { println, type CliIo } from './io.js';
import { RecentIds } from './recent-ids.js';
import { onTerminate } from './signals.js';

export const LISTEN_HELP = `Usage: ff-webhook listen [options]

A webhook receiver for development: prints one line per batch received
(webhook id, event count, signature valid or not) and can append the events
to a file as NDJSON, one event per line.

Options:
  --port N        port to listen on (default 8080; 0 picks a free port,
                  shown on the ready line)
  --host HOST     address to bind (default 127.0.0.1)
  --secret S      verify X-Hub-Signature-256 with this secret; a batch with a
                  missing or wrong signature is answered 401 (so the sender
                  sees the failure), logged as "signature=invalid" and not
                  saved. Default: $FF_WEBHOOK_SECRET; without either,
                  signatures are not checked ("signature=unchecked").
  --out FILE      append each received event to FILE as one JSON line
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

export async function listen(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    secret: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(LISTEN_HELP);
    return 0;
  }
  const port = parseInteger('port', values.port ?? '8080', 0, 65_535);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  if (values.out === '') throw new UsageError('--out must not be empty');
  const secret = parseSecret(values.secret, io.env);

  let out: NdjsonAppender | undefined;
  try {
    out = values.out === undefined ? undefined : await NdjsonAppender.open(values.out);
  } catch (error) {
    println(io.stderr, `ff-webhook listen: cannot open --out file: ${describeError(error)}`);
    return 1;
  }

  const seen = new RecentIds(REMEMBERED_IDS);
  const totals = { batches: 0, events: 0, rejected: 0 };
  const signature = secret === undefined ? 'unchecked' : 'valid'; // the receiver only calls onBatch past a good signature
  const receive = createReceiver({
    ...(secret === undefined ? {} : { secret }), // a present but undefined secret is a TypeError (SPEC §9)
    onBatch: async (payload, { webhookId }) => {
      const id = printableId(webhookId);
      const count = payload.events.length;
      if (webhookId !== undefined && seen.has(webhookId)) {
        println(io.stdout, `batch id=${id} events=${count} signature=${signature} duplicate (already received, not appended)`);
        return;
      }
      // Written before the 204, so a batch the sender saw succeed is on disk; a failed
      // write throws, the receiver answers 500 and the sender retries.
      try {
        await out?.append(payload.events);
      } catch (error) {
        println(io.stderr, `ff-webhook listen: cannot append batch id=${id}: ${describeError(error)}`);
        throw error;
      }
      if (webhookId !== undefined) seen.add(webhookId);
      totals.batches++;
      totals.events += count;
      println(io.stdout, `batch id=${id} events=${count} signature=${signature}`);
    },
  });

  const server = createServer((req, res) => {
    res.once('finish', () => logRejection(req, res));
    receive(req, res);
  });
  const logRejection = (req: IncomingMessage, res: ServerResponse): void => {
    if (res.statusCode < 400) return;
    totals.rejected++;
    const id = printableId(headerValue(req.headers['webhook-id']));
    println(io.stdout, `rejected id=${id} status=${res.statusCode} ${REJECTIONS[res.statusCode] ?? ''}`.trimEnd());
  };

  try {
    await startListening(server, port, host);
  } catch (error) {
    await out?.close();
    println(io.stderr, `ff-webhook listen: cannot listen on ${hostUrl(host, port)}: ${describeError(error)}`);
    return 1;
  }
  server.on('error', (error) => println(io.stderr, `ff-webhook listen: ${describeError(error)}`));
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const checks = secret === undefined ? 'signatures not checked' : 'signatures verified';
  const saving = values.out === undefined ? '' : `; appending events to ${values.out}`;
  println(io.stdout, `listening on ${hostUrl(host, actualPort)} (${checks}${saving}); Ctrl-C to stop`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    // Removed at the first signal, so a second Ctrl-C gets Node's default: exit at once.
    const dispose = onTerminate((received) => {
      dispose();
      resolve(received);
    });
  });
  println(io.stdout, `${signal}: closing`);
  await closeServer(server);
  await out?.close();
  println(io.stdout, `closed: ${plural(totals.batches, 'batch', 'batches')}, ${plural(totals.events, 'event')} received, ${plural(totals.rejected, 'request')} rejected`);
  return 0;
}

const REJECTIONS: Record<number, string> = {
  400: 'bad payload',
  401: 'signature=invalid',
  405: 'method not allowed',
  413: 'body too large',
  500: 'could not save the batch',
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
