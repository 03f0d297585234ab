import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import sinon from 'sinon';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../src/verify-webhook.js';
import { signStandard } from '../../src/standard-webhooks.js';
import { createWebVerifier } from '../../src/web-verify.js';
import type { AcceptedScheme } from '../../src/webhook-headers.js';
import { BODY, githubHeaders, nowSeconds, standardHeaders } from '../support/webhook-signing.js';

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD = 'whsec_' + Buffer.from('the old key, rotated out soon').toString('base64');
const PLAIN = 'plain-secret';

/** Both verifiers (node crypto and Web Crypto) give the same answer for every case here. */
async function both(body: string, headers: Record<string, string>, secret: string | string[], tolerance?: number, signatureScheme?: AcceptedScheme) {
  const node = verifyWebhook(body, headers, { secret, ...(tolerance === undefined ? {} : { tolerance }), ...(signatureScheme === undefined ? {} : { signatureScheme }) });
  const web = await createWebVerifier(typeof secret === 'string' ? [secret] : secret, tolerance ?? 300, signatureScheme)(new TextEncoder().encode(body), new Headers(headers));
  assert.deepEqual(web, node, 'the Web Crypto verifier agrees with verifyWebhook');
  return node;
}

describe('verifyWebhook (SPEC §9)', () => {
  describe('interop with the reference packages', () => {
    it('reproduces the Standard Webhooks test vector', () => {
      assert.equal(signStandard('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', WHSEC), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
      const clock = sinon.useFakeTimers({ now: 1614265330 * 1000, toFake: ['Date'] });
      try {
        const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
        assert.deepEqual(verifyWebhook('{"test": 2432232314}', headers, { secret: WHSEC }), { ok: true, scheme: 'standard', webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 });
      } finally {
        clock.restore();
      }
    });

    it("standardwebhooks' Webhook.verify() accepts what we sign, with one secret and with several", () => {
      for (const secrets of [[WHSEC], [WHSEC, OLD], [OLD, WHSEC]]) {
        const headers = standardHeaders(BODY, secrets);
        for (const secret of secrets) assert.deepEqual(new Webhook(secret).verify(BODY, headers), JSON.parse(BODY));
      }
      // A secret without the prefix is its UTF-8 bytes, as the reference library's raw format takes it.
      assert.deepEqual(new Webhook(new TextEncoder().encode(PLAIN), { format: 'raw' }).verify(BODY, standardHeaders(BODY, [PLAIN])), JSON.parse(BODY));
      assert.throws(() => new Webhook(WHSEC).verify(BODY, standardHeaders(BODY, [OLD])), /No matching signature/);
    });

    it("verifyWebhook accepts what Webhook.sign() makes, for any of several secrets", async () => {
      const timestamp = nowSeconds();
      const signature = new Webhook(WHSEC).sign('msg_ref', new Date(timestamp * 1000), BODY);
      const headers = { 'webhook-id': 'msg_ref', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
      assert.deepEqual(await both(BODY, headers, WHSEC), { ok: true, scheme: 'standard', webhookId: 'msg_ref', timestamp });
      assert.equal((await both(BODY, headers, [OLD, WHSEC])).ok, true);
      assert.deepEqual(await both(BODY, headers, [OLD]), { ok: false, reason: 'signature does not match (wrong secret, or another body, id or timestamp)' });
    });

    it("@octokit/webhooks-methods verify() accepts our GitHub header, and we accept its sign()", async () => {
      // ESM only: imported dynamically from these CommonJS-compiled tests.
      const { sign: octokitSign, verify: octokitVerify } = await import('@octokit/webhooks-methods');
      const ours = githubHeaders(BODY, WHSEC)['x-hub-signature-256']!;
      assert.equal(await octokitVerify(WHSEC, BODY, ours), true);
      const theirs = await octokitSign(PLAIN, BODY);
      assert.deepEqual(await both(BODY, { 'x-hub-signature-256': theirs, 'webhook-id': 'b1' }, [WHSEC, PLAIN]), { ok: true, scheme: 'github', webhookId: 'b1' });
    });
  });

  describe('schemes and rotation', () => {
    it("prefers Standard Webhooks when a 'both' sender sends both headers", async () => {
      const headers = { ...githubHeaders(BODY, WHSEC), ...standardHeaders(BODY, [WHSEC], { id: 'm' }) };
      assert.deepEqual(await both(BODY, headers, WHSEC), { ok: true, scheme: 'standard', webhookId: 'm', timestamp: Number(headers['webhook-timestamp']) });
    });

    it('accepts a body given as bytes, and headers as a Fetch Headers', () => {
      const headers = new Headers(standardHeaders(BODY, [WHSEC]));
      assert.equal(verifyWebhook(new TextEncoder().encode(BODY), headers, { secret: WHSEC }).ok, true);
    });

    it('refuses a rotated-out secret, and accepts the new one during and after the rotation', async () => {
      const during = standardHeaders(BODY, [WHSEC, OLD]);
      const after = standardHeaders(BODY, [WHSEC]);
      assert.equal((await both(BODY, during, [WHSEC])).ok, true);
      assert.equal((await both(BODY, during, [OLD])).ok, true);
      assert.deepEqual(await both(BODY, after, [OLD]), { ok: false, reason: 'signature does not match (wrong secret, or another body, id or timestamp)' });
      assert.equal((await both(BODY, githubHeaders(BODY, OLD), [WHSEC])).ok, false);
    });

    it('refuses a signature made for another id or another body', async () => {
      const headers = standardHeaders(BODY, [WHSEC], { id: 'msg_a' });
      assert.equal((await both(BODY, { ...headers, 'webhook-id': 'msg_b' }, WHSEC)).ok, false);
      assert.equal((await both(BODY + ' ', headers, WHSEC)).ok, false);
    });
  });

  describe('signatureScheme: which signatures are accepted (default both)', () => {
    const sentBoth = (): Record<string, string> => ({ ...githubHeaders(BODY, WHSEC, 'm'), ...standardHeaders(BODY, [WHSEC], { id: 'm' }) });
    const stripped = (): Record<string, string> => {
      const h = sentBoth();
      delete h['webhook-signature'];
      return h;
    };

    it("'standard' refuses a GitHub-style header alone: a request captured under 'both' cannot be replayed without its timestamp", async () => {
      assert.equal((await both(BODY, stripped(), WHSEC)).ok, true, "the default still accepts it (receivers not yet migrated)");
      assert.deepEqual(await both(BODY, stripped(), WHSEC, undefined, 'standard'), {
        ok: false,
        reason: 'only Standard Webhooks signatures are accepted here (signatureScheme: standard); X-Hub-Signature-256 alone is refused',
      });
      assert.deepEqual(await both(BODY, sentBoth(), WHSEC, undefined, 'standard'), { ok: true, scheme: 'standard', webhookId: 'm', timestamp: Number(sentBoth()['webhook-timestamp']) });
      assert.deepEqual(await both(BODY, {}, WHSEC, undefined, 'standard'), { ok: false, reason: 'missing webhook-signature header' });
    });

    it("'github' checks X-Hub-Signature-256 only, whatever else is sent", async () => {
      assert.deepEqual(await both(BODY, sentBoth(), WHSEC, undefined, 'github'), { ok: true, scheme: 'github', webhookId: 'm' });
      const standardOnly = standardHeaders(BODY, [WHSEC]);
      assert.deepEqual(await both(BODY, standardOnly, WHSEC, undefined, 'github'), { ok: false, reason: 'only X-Hub-Signature-256 is accepted here (signatureScheme: github)' });
      // A valid Standard signature does not rescue a wrong GitHub one.
      assert.equal((await both(BODY, { ...sentBoth(), 'x-hub-signature-256': githubHeaders(BODY, OLD)['x-hub-signature-256']! }, WHSEC, undefined, 'github')).ok, false);
    });

    it('an unknown value is a reason, never a throw', () => {
      assert.deepEqual(verifyWebhook(BODY, sentBoth(), { secret: WHSEC, signatureScheme: 'v2' as AcceptedScheme }), {
        ok: false,
        reason: "signatureScheme must be 'github', 'standard' or 'both'",
      });
    });
  });

  describe('timestamps (tolerance, default 300 s)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['Date'] });
    });
    afterEach(() => clock.restore());

    for (const [label, offset, ok] of [
      ['exactly 300 s old', -300, true],
      ['301 s old', -301, false],
      ['exactly 300 s ahead', 300, true],
      ['301 s ahead', 301, false],
      ['a day old (a captured request replayed)', -86_400, false],
    ] as const) {
      it(`${ok ? 'accepts' : 'refuses'} a timestamp ${label}`, async () => {
        const result = await both(BODY, standardHeaders(BODY, [WHSEC], { timestamp: nowSeconds() + offset }), WHSEC);
        assert.equal(result.ok, ok);
        if (!result.ok) assert.match(result.reason, offset < 0 ? /too old \(more than 300 s ago\)/ : /too far in the future/);
      });
    }

    it('takes another tolerance, and refuses a timestamp past it even with a right signature', async () => {
      const headers = standardHeaders(BODY, [WHSEC], { timestamp: nowSeconds() - 61 });
      assert.deepEqual(await both(BODY, headers, WHSEC, 60), { ok: false, reason: 'webhook-timestamp is too old (more than 60 s ago)' });
      assert.equal((await both(BODY, headers, WHSEC, 61)).ok, true);
    });
  });

  describe('malformed headers give a reason and never throw', () => {
    const good = (): Record<string, string> => standardHeaders(BODY, [WHSEC], { id: 'msg_x' });
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
      ['no signature header at all', () => ({}), /missing signature/],
      ['webhook-signature without webhook-id', () => ({ ...good(), 'webhook-id': '' }), /malformed webhook-id/],
      ['no webhook-timestamp', () => { const h = good(); delete h['webhook-timestamp']; return h; }, /missing webhook-timestamp/],
      ['a timestamp in milliseconds', () => ({ ...good(), 'webhook-timestamp': String(Date.now()) }), /too far in the future/],
      ['a timestamp that is not a number', () => ({ ...good(), 'webhook-timestamp': '12e3' }), /malformed webhook-timestamp/],
      ['`v1,` alone', () => ({ ...good(), 'webhook-signature': 'v1,' }), /malformed v1 signature/],
      ['a truncated signature', () => ({ ...good(), 'webhook-signature': good()['webhook-signature']!.slice(0, 30) }), /malformed v1 signature/],
      ['a signature that is not base64', () => ({ ...good(), 'webhook-signature': 'v1,' + '!'.repeat(43) + '=' }), /malformed v1 signature/],
      ['only an unknown version (v1a)', () => ({ ...good(), 'webhook-signature': good()['webhook-signature']!.replace('v1,', 'v1a,') }), /no v1 signature/],
      ['an empty webhook-signature', () => ({ ...good(), 'webhook-signature': '' }), /no v1 signature/],
      ['two joined header values', () => ({ ...good(), 'webhook-signature': `${good()['webhook-signature']}, ${good()['webhook-signature']}` }), /several webhook-signature headers/],
      ['a GitHub header in uppercase hex', () => ({ 'x-hub-signature-256': githubHeaders(BODY, WHSEC)['x-hub-signature-256']!.toUpperCase() }), /malformed X-Hub-Signature-256/],
      ['a truncated GitHub header', () => ({ 'x-hub-signature-256': 'sha256=abc' }), /malformed X-Hub-Signature-256/],
    ];
    for (const [label, headers, reason] of cases) {
      it(`refuses ${label}`, async () => {
        const result = await both(BODY, headers(), WHSEC);
        assert.equal(result.ok, false);
        assert.match((result as { reason: string }).reason, reason);
      });
    }

    it('refuses several header values given as arrays (node:http headersDistinct)', () => {
      const h = good();
      const distinct = { 'webhook-id': [h['webhook-id']!], 'webhook-timestamp': [h['webhook-timestamp']!], 'webhook-signature': [h['webhook-signature']!, h['webhook-signature']!] };
      assert.deepEqual(verifyWebhook(BODY, distinct, { secret: WHSEC }), { ok: false, reason: 'several webhook-signature headers' });
      assert.deepEqual(verifyWebhook(BODY, { 'x-hub-signature-256': ['a', 'b'] }, { secret: WHSEC }), { ok: false, reason: 'several X-Hub-Signature-256 headers' });
      assert.equal(verifyWebhook(BODY, { ...distinct, 'webhook-signature': [h['webhook-signature']!] }, { secret: WHSEC }).ok, true);
    });

    it('accepts a header record with names in any case', () => {
      const h = good();
      assert.equal(verifyWebhook(BODY, { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] }, { secret: WHSEC }).ok, true);
    });

    it('compares in constant time: every secret against every signature, with crypto.timingSafeEqual on equal lengths', () => {
      const spy = sinon.spy(crypto, 'timingSafeEqual');
      try {
        const cases: Array<[Record<string, string>, boolean, number]> = [
          [standardHeaders(BODY, [WHSEC, OLD]), true, 4], // the first secret matches the first signature: still 2 × 2
          [standardHeaders(BODY, ['whsec_' + Buffer.from('x').toString('base64'), 'y']), false, 4],
          [githubHeaders(BODY, WHSEC), true, 2],
          [githubHeaders(BODY, 'neither'), false, 2],
        ];
        for (const [headers, ok, comparisons] of cases) {
          spy.resetHistory();
          assert.equal(verifyWebhook(BODY, headers, { secret: [WHSEC, OLD] }).ok, ok);
          assert.equal(spy.callCount, comparisons);
          for (const call of spy.getCalls()) assert.equal((call.args[0] as Uint8Array).length, (call.args[1] as Uint8Array).length);
        }
      } finally {
        spy.restore();
      }
    });

    it('never throws on hostile arguments, and leaks no secret in a reason', () => {
      const hostile: unknown[] = [undefined, null, 42, {}, [], { get: () => { throw new Error('x'); } }, { 'webhook-signature': 5 }];
      for (const headers of hostile) {
        for (const secret of [WHSEC, '', [], [''], undefined, 7]) {
          for (const body of [BODY, undefined, { parsed: true }, 5]) {
            const result = verifyWebhook(body as string, headers as Record<string, string>, { secret: secret as string });
            assert.equal(result.ok, false);
            assert.ok(!(result as { reason: string }).reason.includes('MfKQ9r8'));
          }
        }
      }
      assert.equal(verifyWebhook(BODY, standardHeaders(BODY, [WHSEC]), undefined as unknown as { secret: string }).ok, false);
      assert.match((verifyWebhook(BODY, githubHeaders(BODY, WHSEC), { secret: WHSEC, tolerance: -1 }) as { reason: string }).reason, /tolerance/);
    });
  });
});
