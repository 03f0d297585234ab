import assert from 'node:assert/strict';
import { definedOnly, parseEndpoint, parseHeaders, parseInteger, parseMeta, parseSecret, UsageError } from '../../src/cli/args.js';

describe('CLI argument helpers', () => {
  it('parseHeaders: repeated names (any case) give several values; spaces after the colon are trimmed', () => {
    assert.deepEqual(parseHeaders(['X-Tenant:  a', 'x-tenant:b', 'Authorization: Bearer t:k', 'X-Empty:']), {
      'X-Tenant': ['a', 'b'],
      Authorization: 'Bearer t:k',
      'X-Empty': '',
    });
    assert.deepEqual(parseHeaders(undefined), {});
  });

  it('parseHeaders rejects an entry without a name, and does not echo it', () => {
    for (const entry of ['Bearer secret-token', ': secret-token']) {
      assert.throws(() => parseHeaders([entry]), (error: Error) => error instanceof UsageError && !error.message.includes('secret-token'));
    }
  });

  it('parseMeta: KEY=VALUE, last value wins, = allowed in the value', () => {
    assert.deepEqual(parseMeta(['env=dev', 'q=a=b', 'env=prod']), { env: 'prod', q: 'a=b' });
    assert.equal(parseMeta([]), undefined);
    assert.throws(() => parseMeta(['=x']), UsageError);
  });

  it('parseInteger accepts plain decimal digits in range only', () => {
    assert.equal(parseInteger('port', '0', 0, 65_535), 0);
    for (const raw of ['', '-1', '1.5', '1e3', '0x10', ' 1', '65536']) assert.throws(() => parseInteger('port', raw, 0, 65_535), UsageError, raw);
  });

  it('parseEndpoint accepts http and https only', () => {
    assert.equal(parseEndpoint('https://example.com/hook').protocol, 'https:');
    for (const raw of [undefined, 'ftp://x/', 'example.com', 'file:///etc/passwd']) assert.throws(() => parseEndpoint(raw), UsageError);
  });

  it('parseSecret falls back to FF_WEBHOOK_SECRET and refuses an empty secret', () => {
    assert.equal(parseSecret('flag', { FF_WEBHOOK_SECRET: 'env' }), 'flag');
    assert.equal(parseSecret(undefined, { FF_WEBHOOK_SECRET: 'env' }), 'env');
    assert.equal(parseSecret(undefined, { FF_WEBHOOK_SECRET: '' }), undefined);
    assert.throws(() => parseSecret('', {}), UsageError);
  });

  it('definedOnly drops undefined entries so library defaults apply', () => {
    assert.deepEqual(definedOnly({ a: 1, b: undefined }), { a: 1 });
  });
});
