import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import sinon from 'sinon';
import type { BatchInfo, WebhookPayload } from '../../src/payload.js';
import { inflateNodeGzip } from '../../src/receiver-body.js';
import { BudgetShare, ByteBudget, ReplayGuard } from '../../src/receiver-limits.js';
import type { ReceiverOptions } from '../../src/receiver-options.js';
import { inflateWebGzip } from '../../src/fetch-body.js';
import { createFetchReceiver } from '../../src/fetch-receiver.js';
import { createReceiver } from '../../src/receiver.js';
import { gzipBomb } from '../support/gzip-bomb.js';
import { TARGETS, type Target } from '../support/receiver-targets.js';
import { BODY, githubHeaders, nowSeconds, standardHeaders } from '../support/webhook-signing.js';

const NEW = 'whsec_' + Buffer.from('the new key').toString('base64');
const OLD = 'whsec_' + Buffer.from('the old key').toString('base64');
const JSON_TYPE = { 'content-type': 'application/json' };

for (const [label, start] of TARGETS) {
  describe(`${label}: SPEC §9 checks and answers`, () => {
    let target: Target | undefined;
    let calls: Array<{ payload: WebhookPayload; info: BatchInfo }>;
    const receiver = async (options: Partial<ReceiverOptions> = {}): Promise<Target> => {
      const all: ReceiverOptions = { secret: [NEW, OLD], onBatch: (payload, info) => void calls.push({ payload, info }), ...options };
      if (all.secret === undefined) delete all.secret; // `secret: undefined` here means unsigned (the receiver itself refuses it)
      target = await start(all);
      return target;
    };
    beforeEach(() => {
      calls = [];
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('answers 405 with Allow: POST before anything else', async () => {
      const reply = await (await receiver()).send({ method: 'GET' });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers.allow, 'POST');
    });

    it('accepts a Standard Webhooks delivery and gives onBatch its signed id and scheme', async () => {
      const reply = await (await receiver()).send({ body: BODY, headers: { ...JSON_TYPE, ...standardHeaders(BODY, [NEW], { id: 'msg_42' }) } });
      assert.equal(reply.status, 204);
      assert.deepEqual(calls.map((c) => c.info), [{ webhookId: 'msg_42', scheme: 'standard' }]);
      assert.deepEqual(calls[0]?.payload, JSON.parse(BODY));
    });

    it('accepts a GitHub-style delivery signed with any of the secrets (rotation)', async () => {
      const t = await receiver();
      assert.equal((await t.send({ body: BODY, headers: githubHeaders(BODY, OLD, 'b1') })).status, 204);
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [OLD]) })).status, 204);
      assert.deepEqual(calls.map((c) => c.info), [{ webhookId: 'b1', scheme: 'github' }, { webhookId: 'msg_1', scheme: 'standard' }]);
    });

    const refusals: Array<[string, () => Record<string, string>, RegExp]> = [
      ['a rotated-out secret', () => standardHeaders(BODY, ['whsec_' + Buffer.from('older still').toString('base64')]), /signature does not match/],
      ['a timestamp past the tolerance', () => standardHeaders(BODY, [NEW], { timestamp: nowSeconds() - 301 }), /too old/],
      ['a timestamp in the future', () => standardHeaders(BODY, [NEW], { timestamp: nowSeconds() + 3600 }), /too far in the future/],
      ['a signature made for another id', () => ({ ...standardHeaders(BODY, [NEW], { id: 'msg_a' }), 'webhook-id': 'msg_b' }), /signature does not match/],
      ['`v1,` alone', () => ({ ...standardHeaders(BODY, [NEW]), 'webhook-signature': 'v1,' }), /malformed v1 signature/],
      ['no signature', () => ({}), /missing signature/],
    ];
    for (const [name, headers, reason] of refusals) {
      it(`answers 401 with the reason to ${name}, without calling onBatch`, async () => {
        const reply = await (await receiver()).send({ body: BODY, headers: headers() });
        assert.equal(reply.status, 401);
        assert.match(reply.body, reason);
        assert.equal(calls.length, 0);
      });
    }

    it("with signatureScheme 'standard', answers 401 to a GitHub-style header alone (a replay with webhook-signature stripped)", async () => {
      const t = await receiver({ signatureScheme: 'standard' });
      const sent = { ...githubHeaders(BODY, NEW, 'msg_cap'), ...standardHeaders(BODY, [NEW], { id: 'msg_cap' }) };
      const replay: Record<string, string> = { ...sent };
      delete replay['webhook-signature'];
      const refused = await t.send({ body: BODY, headers: replay });
      assert.equal(refused.status, 401);
      assert.match(refused.body, /only Standard Webhooks signatures are accepted here/);
      assert.equal(calls.length, 0);
      assert.equal((await t.send({ body: BODY, headers: sent })).status, 204);
      assert.deepEqual(calls.map((c) => c.info), [{ webhookId: 'msg_cap', scheme: 'standard' }]);
    });

    it('takes tolerance in seconds', async () => {
      const t = await receiver({ tolerance: 10 });
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { timestamp: nowSeconds() - 60 }) })).status, 401);
    });

    it('decompresses a gzip body whose signature covers the compressed bytes', async () => {
      const t = await receiver();
      const gz = gzipSync(BODY);
      const reply = await t.send({ body: gz, headers: { 'content-encoding': 'gzip', ...standardHeaders(gz, [NEW], { id: 'gz' }) } });
      assert.equal(reply.status, 204);
      assert.deepEqual(calls[0]?.payload, JSON.parse(BODY));
      // A signature over the decompressed body is not the one on the wire.
      assert.equal((await t.send({ body: gz, headers: { 'content-encoding': 'gzip', ...standardHeaders(BODY, [NEW]) } })).status, 401);
    });

    it('answers 400 to a corrupt gzip body and 415 to an encoding it does not know', async () => {
      const t = await receiver({ secret: undefined });
      const garbage = Buffer.from('not gzip at all');
      assert.equal((await t.send({ body: garbage, headers: { 'content-encoding': 'gzip' } })).status, 400);
      const br = await t.send({ body: BODY, headers: { 'content-encoding': 'br' } });
      assert.equal(br.status, 415);
      assert.match(br.body, /only gzip/);
    });

    it('answers a 1 GiB gzip bomb 413, counting the decompressed bytes against maxBodyBytes', async () => {
      const bomb = gzipBomb();
      const t = await receiver({ maxBodyBytes: 4 * 1024 * 1024 });
      const reply = await t.send({ body: bomb, headers: { 'content-encoding': 'gzip', ...standardHeaders(bomb, [NEW]) } });
      assert.equal(reply.status, 413);
      assert.equal(calls.length, 0);
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW]) })).status, 204, 'still serving');
    });

    it('with dedupe, answers a repeated webhook-id 200 without calling onBatch again', async () => {
      const t = await receiver({ dedupe: true });
      const headers = standardHeaders(BODY, [NEW], { id: 'msg_once' });
      assert.equal((await t.send({ body: BODY, headers })).status, 204);
      const again = await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { id: 'msg_once' }) });
      assert.equal(again.status, 200);
      assert.match(again.body, /duplicate/);
      assert.equal(calls.length, 1);
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { id: 'msg_other' }) })).status, 204);
      assert.equal(calls.length, 2);
    });

    it('with dedupe, a batch whose onBatch failed is processed on its retry', async () => {
      let fail = true;
      const t = await receiver({
        dedupe: { window: 60_000 },
        onBatch: () => {
          if (fail) throw new Error('db down');
          calls.push({ payload: { events: [] }, info: { webhookId: undefined } });
        },
      });
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { id: 'r' }) })).status, 500);
      fail = false;
      assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { id: 'r' }) })).status, 204);
      assert.equal(calls.length, 1);
    });

    it('without dedupe, processes a repeated id again (the option is opt-in)', async () => {
      const t = await receiver();
      for (let i = 0; i < 2; i++) assert.equal((await t.send({ body: BODY, headers: standardHeaders(BODY, [NEW], { id: 'same' }) })).status, 204);
      assert.equal(calls.length, 2);
    });
  });
}

describe('receiver options (SPEC §9: a present but empty or undefined secret)', () => {
  const onBatch = (): void => undefined;
  for (const [name, create] of [['createReceiver', createReceiver], ['createFetchReceiver', createFetchReceiver]] as const) {
    it(`${name}: secret from an unset environment variable is a TypeError naming the option`, () => {
      assert.throws(() => create({ secret: process.env.FF_WEBHOOK_TEST_SECRET_THAT_IS_NOT_SET, onBatch }), {
        name: 'TypeError',
        message: `${name} option secret is undefined (an unset environment variable?); leave the key out to receive unsigned requests`,
      });
      assert.throws(() => create({ secret: '', onBatch }), { name: 'TypeError', message: new RegExp(`^${name} option secret must be a non-empty string`) });
      assert.throws(() => create({ secret: [], onBatch }), TypeError);
      assert.throws(() => create({ secret: ['ok', ''], onBatch }), { message: new RegExp(`${name} option secret\\[1\\] must be a non-empty string`) });
      assert.throws(() => create({ secret: 'whsec_***', onBatch }), { message: /whsec_ prefix but is not base64/ });
    });

    it(`${name}: validates the new limits, naming them`, () => {
      for (const option of ['bodyTimeout', 'maxBufferedBytes', 'maxBodyBytes'] as const) {
        assert.throws(() => create({ onBatch, [option]: 0 }), { name: 'RangeError', message: new RegExp(`option ${option} must be a positive integer`) });
      }
      assert.throws(() => create({ onBatch, bodyTimeout: 2 ** 31 }), { message: /bodyTimeout must be at most 2147483647/ });
      assert.throws(() => create({ onBatch, tolerance: -1 }), RangeError);
      assert.throws(() => create({ onBatch, signatureScheme: 'v1' as 'standard' }), {
        name: 'TypeError',
        message: `${name} option signatureScheme must be 'github', 'standard' or 'both'`,
      });
      assert.throws(() => create({ onBatch, dedupe: { maxIds: 0 } }), { message: /dedupe\.maxIds/ });
      assert.doesNotThrow(() => create({ onBatch, bodyTimeout: 1000, maxBufferedBytes: 1, dedupe: { window: 1, maxIds: 1 } }));
    });
  }
});

describe('bounded memory', () => {
  const limit = 4 * 1024 * 1024;
  const bomb = gzipBomb();
  // Each decoder hands out at most 64 KiB at a time (zlib's default chunk is 16 KiB).
  const ONE_CHUNK = 64 * 1024;

  it('node: a 1 GiB zip bomb inflates no further than the limit and one chunk', async () => {
    const budget = new ByteBudget(64 * 1024 * 1024);
    const result = await inflateNodeGzip(bomb, limit, new BudgetShare(budget));
    assert.equal(result.ok, false);
    assert.ok(result.inflatedBytes > limit && result.inflatedBytes <= limit + ONE_CHUNK, `inflated ${result.inflatedBytes}`);
  });

  it('fetch (DecompressionStream): a 1 GiB zip bomb inflates no further than the limit and one chunk', async () => {
    const result = await inflateWebGzip(bomb, limit, new BudgetShare(new ByteBudget(64 * 1024 * 1024)));
    assert.equal(result.ok, false);
    assert.ok(result.inflatedBytes > limit && result.inflatedBytes <= limit + ONE_CHUNK, `inflated ${result.inflatedBytes}`);
  });

  it('inflating counts against the shared budget too (503 past it)', async () => {
    const share = new BudgetShare(new ByteBudget(1024 * 1024));
    const result = await inflateNodeGzip(bomb, limit, share);
    assert.equal(result.ok ? 0 : result.answer.status, 503);
  });

  it('a share gives back all it took, once', () => {
    const budget = new ByteBudget(100);
    const a = new BudgetShare(budget);
    assert.equal(a.take(60), true);
    assert.equal(new BudgetShare(budget).take(41), false);
    a.release();
    a.release();
    assert.equal(budget.held, 0);
  });

  it('ReplayGuard remembers ids for the window only, and at most maxIds of them', () => {
    const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    try {
      const guard = new ReplayGuard(60_000, 3);
      guard.begin('a');
      assert.equal(guard.state('a'), 'in-flight');
      guard.end('a', true);
      assert.equal(guard.state('a'), 'seen');
      clock.tick(60_000);
      assert.equal(guard.state('a'), 'new', 'forgotten after the window');
      for (const id of ['1', '2', '3', '4']) guard.end(id, true);
      assert.equal(guard.size, 3);
      assert.equal(guard.state('1'), 'new', 'the oldest forgotten first');
      assert.equal(guard.state('4'), 'seen');
      guard.end('x', false);
      assert.equal(guard.state('x'), 'new', 'a failed delivery is not remembered');
    } finally {
      clock.restore();
    }
  });
});
