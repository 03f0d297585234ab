import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { checkOptions, warnNotRecorded } from '../../adapters/shared/adapter-options.js';
import { MetadataCache } from '../../adapters/shared/metadata-cache.js';
import { captureDiag } from '../reliability/support/diag-capture.js';

describe('the flag-SDK adapters’ shared options and metadata', () => {
  it('copies the metadata option, leaving undefined entries out', () => {
    const metadata: Record<string, unknown> = { env: 'prod', region: undefined, team: 'web' };
    const checked = checkOptions('X', { metadata });
    metadata.env = 'changed';
    assert.deepEqual(checked, { source: 'SERVER', metadataEntries: [['env', 'prod'], ['team', 'web']] });
    assert.deepEqual(checkOptions('X', undefined), { source: 'SERVER', metadataEntries: [] });
    assert.throws(() => checkOptions('X', 'opts' as never), { name: 'TypeError', message: 'X: options must be an object' });
  });

  it('builds one frozen metadata map per pair of values and shares it', () => {
    const cache = new MetadataCache([['env', 'prod']], 'sdk', 'reason', 'errorCode');
    const a = cache.get('ERROR', 'NOT_FOUND');
    assert.deepEqual(a, { env: 'prod', provider: 'sdk', reason: 'ERROR', errorCode: 'NOT_FOUND' });
    assert.ok(Object.isFrozen(a));
    assert.equal(cache.get('ERROR', 'NOT_FOUND'), a, 'the same object for the same pair');
    assert.deepEqual(cache.get(undefined, undefined), { env: 'prod', provider: 'sdk' });
    assert.deepEqual(Object.keys(cache.get('OFF', undefined)), ['env', 'provider', 'reason']);
  });

  it('stays bounded when an SDK sends ever new values', () => {
    const cache = new MetadataCache([], 'sdk', 'reason', 'errorCode');
    const first = cache.get('r0', undefined);
    for (let i = 1; i <= 300; i++) cache.get(`r${i}`, undefined);
    // The level was cleared past 256 values: the first pair is built anew, equal but not the same.
    const again = cache.get('r0', undefined);
    assert.deepEqual(again, first);
    assert.notEqual(again, first);
  });

  it('warns through diag when an event could not be recorded, and survives a throwing logger', () => {
    const { capture, restore } = captureDiag();
    try {
      warnNotRecorded('SomeAdapter', new Error('queue full'));
      assert.equal(capture.matching('warn', /^SomeAdapter: could not record a flag evaluation .*queue full/).length, 1);
      const throwing = () => {
        throw new Error('logger down');
      };
      diag.setLogger({ error: throwing, warn: throwing, info: throwing, debug: throwing, verbose: throwing }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
      assert.doesNotThrow(() => warnNotRecorded('SomeAdapter', new Error('queue full')));
    } finally {
      restore();
    }
  });
});
