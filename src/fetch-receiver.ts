/**
 * `createFetchReceiver`: the webhook receiver for fetch-style runtimes
 * (Next.js route handlers, Hono, Bun, Deno, Workers), on Web Crypto only.
 * Neither this module nor anything it imports uses a `node:` built-in.
 */
import { inflateWebGzip, readFetchBody } from './fetch-body.js';
import { CONSUMED, answerDelivery, contentEncoding, type Answer, type DeliveryContext } from './receiver-checks.js';
import { BudgetShare, ByteBudget, ReplayGuard } from './receiver-limits.js';
import { resolveReceiverOptions, type ReceiverOptions } from './receiver-options.js';
import { createWebVerifier } from './web-verify.js';

function toResponse(answer: Answer): Response {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.message === undefined) return new Response(null, { status: answer.status, headers });
  headers['Content-Type'] = 'text/plain; charset=utf-8';
  return new Response(answer.message + '\n', { status: answer.status, headers });
}

/**
 * A fetch handler `(request) => Promise<Response>` with the same checks,
 * order and answers as `createReceiver` (SPEC §9). It never rejects.
 */
export function createFetchReceiver(options: ReceiverOptions): (request: Request) => Promise<Response> {
  const resolved = resolveReceiverOptions('createFetchReceiver', options);
  const budget = new ByteBudget(resolved.maxBufferedBytes);
  const verify = createWebVerifier(resolved.secrets ?? [], resolved.tolerance, resolved.signatureScheme);
  const context: DeliveryContext = {
    options: resolved,
    guard: resolved.dedupe === undefined ? undefined : new ReplayGuard(resolved.dedupe.window, resolved.dedupe.maxIds),
    verify,
    inflate: (raw, share) => inflateWebGzip(raw, resolved.maxBodyBytes, share),
  };

  const handle = async (request: Request, share: BudgetShare): Promise<Answer> => {
    if (request.method !== 'POST') return { status: 405, message: 'only POST is accepted', headers: { Allow: 'POST' } };
    if (request.bodyUsed) return CONSUMED;
    const encoding = contentEncoding(request.headers);
    if (typeof encoding !== 'string') return encoding;
    const body = await readFetchBody(request, resolved, share);
    if (!body.ok) return body.answer ?? { status: 400, message: 'the body could not be read' };
    return answerDelivery(body.raw, request.headers, encoding, share, context);
  };

  return async (request) => {
    const share = new BudgetShare(budget);
    try {
      return toResponse(await handle(request, share));
    } catch {
      return toResponse({ status: 500, message: 'the delivery could not be processed' });
    } finally {
      share.release();
    }
  };
}
