import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SIGNATURE_HEADER, SIGNATURE_PREFIX, sign, verifySignature } from '../../src/signature.js';
import { VERSION } from '../../src/version.js';
import * as core from '../../src/index.js';

function hmac(body: string | Uint8Array, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

describe('§5/§6 signing: sign() and verifySignature()', () => {
  it("matches GitHub's test vector", () => {
    assert.equal(
      sign('Hello, World!', "It's a Secret to Everybody"),
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('equals an HMAC-SHA256 computed with node:crypto, for strings and bytes', () => {
    const body = '{"meta":{"hostname":"h"},"events":[{"kind":"feature","userKey":"é☃"}]}';
    assert.equal(sign(body, 'k3y'), hmac(Buffer.from(body, 'utf8'), 'k3y'));
    assert.equal(sign(Buffer.from(body, 'utf8'), 'k3y'), hmac(body, 'k3y'));
    fc.assert(
      fc.property(fc.uint8Array(), fc.string({ minLength: 1 }), (bytes, secret) => {
        const signature = sign(bytes, secret);
        assert.equal(signature, hmac(bytes, secret));
        assert.match(signature, /^sha256=[0-9a-f]{64}$/);
      }),
      { numRuns: 100 },
    );
  });

  it('signs only the bytes of a Uint8Array view, not its whole backing buffer', () => {
    const backing = Buffer.from('xxxxHello, World!yyyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 13);
    assert.equal(sign(view, "It's a Secret to Everybody"), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('exports the header name and prefix', () => {
    assert.equal(SIGNATURE_HEADER, 'X-Hub-Signature-256');
    assert.equal(SIGNATURE_PREFIX, 'sha256=');
  });

  it('verifySignature accepts exactly the right signature', () => {
    const body = Buffer.from('{"events":[]}');
    assert.equal(verifySignature(body, 's', sign(body, 's')), true);
    assert.equal(verifySignature(body.toString(), 's', sign(body, 's')), true);
  });

  const wrong: Array<[string, (good: string) => unknown]> = [
    ['a missing header', () => undefined],
    ['an empty header', () => ''],
    ['the hex without its prefix', (good) => good.slice('sha256='.length)],
    ['uppercase hex', (good) => 'sha256=' + good.slice(7).toUpperCase()],
    ['a sha1= prefix', (good) => 'sha1=' + good.slice(7)],
    ['a truncated digest', (good) => good.slice(0, -1)],
    ['an extra character', (good) => good + '0'],
    ['a digest with one digit changed', (good) => good.slice(0, -1) + (good.endsWith('0') ? '1' : '0')],
    ['surrounding whitespace', (good) => ` ${good}`],
    ['a non-string header', () => 42],
    ['a header array', (good) => [good]],
    ['non-ASCII junk of the right length', () => 'sha256=' + 'é'.repeat(64)],
  ];
  for (const [name, make] of wrong) {
    it(`verifySignature returns false (never throws) on ${name}`, () => {
      const body = 'payload';
      const good = sign(body, 'secret');
      assert.equal(verifySignature(body, 'secret', make(good) as string | undefined), false);
    });
  }

  it('verifySignature returns false for another secret or another body', () => {
    const good = sign('payload', 'secret');
    assert.equal(verifySignature('payload', 'other', good), false);
    assert.equal(verifySignature('payload ', 'secret', good), false);
  });
});

describe('§1 packaging: version', () => {
  it('src/version.ts VERSION equals package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: unknown };
    assert.equal(VERSION, pkg.version);
  });

  it('the core entry point exports the public API', () => {
    for (const name of ['BatchProcessor', 'WebhookExporter', 'WebhookError', 'createReceiver', 'sign', 'verifySignature', 'serializeEvent', 'serializeBatch', 'validateEvent', 'unixSeconds']) {
      assert.equal(typeof (core as Record<string, unknown>)[name], 'function', name);
    }
    assert.equal(core.WEBHOOK_ID_HEADER, 'webhook-id');
    assert.equal(core.VERSION, VERSION);
  });
});
