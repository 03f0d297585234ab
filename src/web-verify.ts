/**
 * `verifyWebhook` on Web Crypto (`crypto.subtle`) alone, for fetch-style
 * runtimes: no `node:` import here or in anything imported.
 */
import {
  base64Bytes,
  constantTimeEqual,
  readSignatureClaim,
  standardSignedContent,
  verdict,
  type AcceptedScheme,
  type WebhookHeaders,
  type WebhookVerification,
} from './webhook-headers.js';

/** A Web Crypto key, as `crypto.subtle.importKey` gives it (no DOM lib in this build). */
type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** STANDARD_SECRET_PREFIX, restated: standard-webhooks.ts imports node:crypto. */
const WHSEC = 'whsec_';

/** The two HMAC keys of a secret: GitHub's (the string as UTF-8) and Standard Webhooks' (`whsec_` base64). */
interface SecretKeys {
  github: Promise<WebCryptoKey>;
  standard: Promise<WebCryptoKey>;
}

/** The Standard Webhooks key bytes of a secret; throws on a `whsec_` secret that is not base64. */
export function standardKeyBytes(secret: string): Uint8Array {
  return secret.startsWith(WHSEC)
    ? base64Bytes(secret.slice(WHSEC.length))
    : new TextEncoder().encode(secret);
}

function importKey(bytes: Uint8Array): Promise<WebCryptoKey> {
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function mac(key: Promise<WebCryptoKey>, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key, data));
}

/** A verifier for these secrets (keys imported once): resolves, never rejects, to a verification. */
export function createWebVerifier(
  secrets: readonly string[],
  tolerance: number,
  accepted: AcceptedScheme = 'both',
): (body: Uint8Array, headers: WebhookHeaders) => Promise<WebhookVerification> {
  let keys: SecretKeys[] | undefined;
  const keysOf = (): SecretKeys[] =>
    (keys ??= secrets.map((secret) => ({
      github: importKey(new TextEncoder().encode(secret)),
      standard: importKey(standardKeyBytes(secret)),
    })));

  return async (body, headers) => {
    try {
      const claim = readSignatureClaim(headers, Date.now(), tolerance, accepted);
      if (!claim.ok) return claim;
      const content = claim.scheme === 'standard' ? standardSignedContent(claim.webhookId, claim.timestamp, body) : body;
      let matched = false;
      for (const key of keysOf()) {
        const expected = await mac(claim.scheme === 'standard' ? key.standard : key.github, content);
        // Every digest is compared, so the time does not tell which one (if any) matched.
        for (const digest of claim.digests) matched = constantTimeEqual(expected, digest) || matched;
      }
      return verdict(claim, matched);
    } catch {
      return { ok: false, reason: 'the delivery could not be verified' };
    }
  };
}
