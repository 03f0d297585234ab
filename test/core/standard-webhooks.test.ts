import assert from 'node:assert/strict';
import { signStandard, signStandardHeader, standardSecretKey } from '../../src/standard-webhooks.js';

describe('Standard Webhooks signing primitives (SPEC §9)', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('reproduces the Standard Webhooks test vector', () => {
    assert.equal(signStandard(id, timestamp, body, secret), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs the same bytes given as a string or a Uint8Array', () => {
    assert.equal(signStandard(id, timestamp, Buffer.from(body), secret), signStandard(id, timestamp, body, secret));
  });

  it('takes a whsec_ secret as base64 and any other secret as UTF-8', () => {
    assert.deepEqual(standardSecretKey('whsec_aGVsbG8='), Buffer.from('hello'));
    assert.deepEqual(standardSecretKey('hello'), Buffer.from('hello'));
  });

  it('sends one space-separated signature per secret, newest first', () => {
    const header = signStandardHeader(id, timestamp, body, [secret, 'older']);
    assert.deepEqual(header.split(' '), [signStandard(id, timestamp, body, secret), signStandard(id, timestamp, body, 'older')]);
  });
});
