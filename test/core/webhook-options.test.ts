import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { resolveWebhookOptions, type WebhookExporterOptions } from '../../src/webhook/webhook-options.js';

const SECRET = 'sup3r-s3cret-signing-key';
const TOKEN = 'Bearer tok-9f8e7d6c5b4a';

/** The constructor must throw `type`, naming `field`, never quoting the secret or a header value. */
function rejects(options: unknown, type: typeof TypeError | typeof RangeError, field: RegExp): void {
  assert.throws(
    () => new WebhookExporter(options as WebhookExporterOptions),
    (error: unknown) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
      assert.match(error.message, field);
      for (const text of [error.message, String(error.stack)]) {
        assert.ok(!text.includes(SECRET), 'the message quotes the secret');
        assert.ok(!text.includes('tok-9f8e7d6c5b4a'), 'the message quotes a header value');
      }
      return true;
    },
  );
}

const base = { endpointUrl: 'https://hooks.example.com/ff', secret: SECRET, headers: { Authorization: TOKEN } };

describe('WebhookExporter options (SPEC §5)', () => {
  it('accepts the spec example and fills in defaults (timeout 10 000, maxRetries 2, meta.hostname)', () => {
    const resolved = resolveWebhookOptions({
      endpointUrl: 'https://webhook.url/',
      secret: 'secret-for-signing',
      meta: { extraInfo: 'info' },
      headers: { Authorization: ['Bearer auth_token'] },
    });
    assert.equal(resolved.timeout, 10_000);
    assert.equal(resolved.maxRetries, 2);
    assert.deepEqual(resolved.meta, { extraInfo: 'info', hostname: hostname() });
    assert.equal(resolved.origin, 'https://webhook.url');
    new WebhookExporter({ endpointUrl: 'http://127.0.0.1:1/x', timeout: 1, maxRetries: 0 });
  });

  it('meta.hostname is kept when meta sets it', () => {
    assert.deepEqual(resolveWebhookOptions({ endpointUrl: 'http://x.test/', meta: { hostname: 'mine' } }).meta, { hostname: 'mine' });
  });

  it('endpointUrl: missing, empty, not a URL or not http(s) is a TypeError naming endpointUrl', () => {
    rejects({ ...base, endpointUrl: undefined }, TypeError, /endpointUrl/);
    rejects({ ...base, endpointUrl: '' }, TypeError, /endpointUrl/);
    rejects({ ...base, endpointUrl: 42 }, TypeError, /endpointUrl/);
    rejects({ ...base, endpointUrl: 'not a url' }, TypeError, /endpointUrl/);
    rejects({ ...base, endpointUrl: `ftp://u:${SECRET}@files.example.com/` }, TypeError, /endpointUrl.*http/);
    rejects({ ...base, endpointUrl: 'file:///etc/passwd' }, TypeError, /endpointUrl/);
    rejects({ ...base, endpointUrl: 'ws://example.com/' }, TypeError, /endpointUrl/);
    rejects(undefined, TypeError, /options/);
  });

  it('meta: a non-object or a non-string value is a TypeError naming the field', () => {
    rejects({ ...base, meta: 'x' }, TypeError, /meta/);
    rejects({ ...base, meta: { env: 'prod', build: 42 } }, TypeError, /meta\.build/);
    rejects({ ...base, meta: { nested: { a: 'b' } } }, TypeError, /meta\.nested/);
  });

  it('secret: a non-string is a TypeError naming secret', () => {
    rejects({ ...base, secret: 12345 }, TypeError, /secret/);
  });

  // SPEC §9: present but empty or undefined used to mean unsigned; now only a left-out key does.
  it('secret: present but empty or undefined (an unset environment variable) is a TypeError naming secret', () => {
    rejects({ ...base, secret: '' }, TypeError, /option secret is empty or undefined/);
    rejects({ ...base, secret: undefined }, TypeError, /option secret is empty or undefined/);
    const { secret: _left, ...unsigned } = base;
    assert.equal(resolveWebhookOptions(unsigned).secrets, undefined);
  });

  it('secret: an array (newest first) is copied; empty, or holding an empty or non-string item, is a TypeError naming the index', () => {
    const secrets = [SECRET, 'older-key'];
    const resolved = resolveWebhookOptions({ ...base, secret: secrets });
    secrets.push('later');
    assert.deepEqual(resolved.secrets, [SECRET, 'older-key']);
    assert.deepEqual(resolveWebhookOptions({ ...base, secret: SECRET }).secrets, [SECRET]);
    rejects({ ...base, secret: [] }, TypeError, /secret must not be an empty array/);
    rejects({ ...base, secret: [SECRET, ''] }, TypeError, /secret\[1\] is empty/);
    rejects({ ...base, secret: [SECRET, 7] }, TypeError, /secret\[1\] must be a string/);
    rejects({ ...base, secret: { key: SECRET } }, TypeError, /secret must be a string or an array/);
  });

  it("signatureScheme: 'github' by default, 'standard' or 'both'; anything else is a TypeError naming it", () => {
    assert.equal(resolveWebhookOptions(base).signatureScheme, 'github');
    for (const scheme of ['github', 'standard', 'both'] as const) {
      assert.equal(resolveWebhookOptions({ ...base, signatureScheme: scheme }).signatureScheme, scheme);
    }
    rejects({ ...base, signatureScheme: 'svix' }, TypeError, /signatureScheme/);
    rejects({ ...base, signatureScheme: 'GitHub' }, TypeError, /signatureScheme/);
  });

  it("compression: none by default, 'gzip'; anything else is a TypeError naming it", () => {
    assert.equal(resolveWebhookOptions(base).compression, undefined);
    assert.equal(resolveWebhookOptions({ ...base, compression: 'gzip' }).compression, 'gzip');
    rejects({ ...base, compression: 'br' }, TypeError, /compression/);
    rejects({ ...base, compression: true }, TypeError, /compression/);
  });

  it('timeout: at most 2^31−1 ms, the longest timer Node.js holds (RangeError naming timeout)', () => {
    assert.equal(resolveWebhookOptions({ ...base, timeout: 2 ** 31 - 1 }).timeout, 2 ** 31 - 1);
    for (const bad of [2 ** 31, Number.MAX_SAFE_INTEGER]) rejects({ ...base, timeout: bad }, RangeError, /timeout must be at most 2147483647/);
  });

  for (const reserved of ['Content-Type', 'content-length', 'Content-Encoding', 'Webhook-Id', 'webhook-timestamp', 'Webhook-Signature', 'x-hub-signature-256', 'X-HUB-SIGNATURE-256']) {
    it(`headers: ${reserved} is reserved (TypeError naming it)`, () => {
      rejects({ ...base, headers: { [reserved]: 'x' } }, TypeError, new RegExp(reserved, 'i'));
    });
  }

  it('headers: a CR/LF (or other control character) in a value is a TypeError naming the header, never quoting the value', () => {
    rejects({ ...base, headers: { Authorization: `${TOKEN}\r\nX-Injected: 1` } }, TypeError, /headers\.Authorization/);
    rejects({ ...base, headers: { Authorization: `${TOKEN}\n` } }, TypeError, /headers\.Authorization/);
    rejects({ ...base, headers: { Authorization: [TOKEN, `tok-9f8e7d6c5b4a\r`] } }, TypeError, /headers\.Authorization/);
    rejects({ ...base, headers: { 'X-Key': `tok-9f8e7d6c5b4a\u0000` } }, TypeError, /headers\.X-Key/);
  });

  it('headers: an invalid header name or a non-string value is a TypeError', () => {
    rejects({ ...base, headers: { 'Bad Header': 'x' } }, TypeError, /header name/);
    rejects({ ...base, headers: { 'a:b': 'x' } }, TypeError, /header name/);
    rejects({ ...base, headers: { 'X-Count': 3 } }, TypeError, /headers\.X-Count/);
    rejects({ ...base, headers: { 'X-List': ['a', 3] } }, TypeError, /headers\.X-List/);
    rejects({ ...base, headers: 'Authorization: x' }, TypeError, /headers/);
  });

  it('headers: string and string[] values are accepted and copied', () => {
    const headers = { Authorization: TOKEN, 'X-Tenant': ['a', 'b'] };
    const resolved = resolveWebhookOptions({ endpointUrl: 'http://x.test/', headers });
    headers['X-Tenant'].push('c');
    assert.deepEqual(resolved.headers, { Authorization: TOKEN, 'X-Tenant': ['a', 'b'] });
  });

  it('timeout: must be an integer > 0 (RangeError), a number (TypeError)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) rejects({ ...base, timeout: bad }, RangeError, /timeout/);
    rejects({ ...base, timeout: '1000' }, TypeError, /timeout/);
  });

  it('maxRetries: must be an integer ≥ 0 (RangeError), a number (TypeError)', () => {
    for (const bad of [-1, 0.5, Number.NaN]) rejects({ ...base, maxRetries: bad }, RangeError, /maxRetries/);
    rejects({ ...base, maxRetries: '2' }, TypeError, /maxRetries/);
    assert.equal(resolveWebhookOptions({ ...base, maxRetries: 0 }).maxRetries, 0);
  });
});
