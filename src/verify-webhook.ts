import { createHmac, timingSafeEqual } from 'node:crypto';
import { standardSecretKey } from './standard-webhooks.js';
import {
  DEFAULT_TOLERANCE_SECONDS,
  readSignatureClaim,
  schemeProblem,
  secretsProblem,
  toleranceProblem,
  verdict,
  type WebhookVerification,
  type WebhookHeaders,
  type WebhookSecret,
  type AcceptedScheme,
} from './webhook-headers.js';

export type { WebhookVerification, WebhookVerified, WebhookRefused } from './webhook-headers.js';

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The secret, or several (newest first, during a rotation): any may match. */
  secret: WebhookSecret;
  /** How far a Standard Webhooks timestamp may be from now, in seconds. Default 300. */
  tolerance?: number;
  /**
   * The signatures accepted: `'both'` (default) either scheme; `'standard'` only Standard Webhooks,
   * the last step of a migration, so a request captured under GitHub-style signing cannot be replayed.
   */
  signatureScheme?: AcceptedScheme;
}

function anyEqual(expected: Buffer, digests: readonly Uint8Array[]): boolean {
  let matched = false;
  // Every digest is compared, so the time does not tell which one (if any) matched.
  for (const digest of digests) matched = timingSafeEqual(expected, digest) || matched;
  return matched;
}

/**
 * Verifies a webhook delivery signed with either scheme (SPEC §9): Standard
 * Webhooks when `webhook-signature` is present, else `X-Hub-Signature-256`.
 * `body` must be the raw bytes received (for a gzip body, the compressed bytes).
 * Constant-time; never throws: a bad header, option or body gives a reason.
 */
export function verifyWebhook(body: string | Uint8Array, headers: WebhookHeaders, options: VerifyWebhookOptions): WebhookVerification {
  try {
    const secretProblem = secretsProblem(options?.secret);
    if (secretProblem !== undefined) return { ok: false, reason: secretProblem };
    const tolerance = options.tolerance ?? DEFAULT_TOLERANCE_SECONDS;
    const problem = toleranceProblem(tolerance);
    if (problem !== undefined) return { ok: false, reason: problem };
    const accepted = options.signatureScheme ?? 'both';
    const badScheme = schemeProblem(accepted);
    if (badScheme !== undefined) return { ok: false, reason: badScheme };
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return { ok: false, reason: 'the body must be the raw string or bytes received, not a parsed object' };
    }
    const claim = readSignatureClaim(headers, Date.now(), tolerance, accepted);
    if (!claim.ok) return claim;
    const secrets: readonly string[] = typeof options.secret === 'string' ? [options.secret] : options.secret;
    let matched = false;
    for (const secret of secrets) {
      const expected =
        claim.scheme === 'standard'
          ? createHmac('sha256', standardSecretKey(secret)).update(`${claim.webhookId}.${claim.timestamp}.`).update(body).digest()
          : createHmac('sha256', secret).update(body).digest();
      matched = anyEqual(expected, claim.digests) || matched;
    }
    return verdict(claim, matched);
  } catch {
    return { ok: false, reason: 'the delivery could not be verified' };
  }
}
