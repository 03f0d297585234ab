import assert from 'node:assert/strict';
import { ErrorCode } from '@openfeature/server-sdk';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { isFeatureFlagEvaluation, logRecordToFeatureEvent, semconv, type ReadableLogRecordLike } from '../../adapters/otel/index.js';
import { isPlainFeatureEvent } from '../../src/plain-feature-event.js';
import { serializeEvent } from '../../src/serialize.js';

const T = 1_700_000_000;

function record(attributes: Record<string, unknown>, extra: Partial<ReadableLogRecordLike> = {}): ReadableLogRecordLike {
  return { hrTime: [T, 123_456_789], hrTimeObserved: [T + 5, 0], eventName: 'feature_flag.evaluation', attributes, ...extra };
}

describe('semconv constants', () => {
  it('equal the values of the semantic-conventions incubating entry, under the same names', () => {
    const ours = Object.entries(semconv).filter(([name]) => !name.startsWith('ERROR_TYPE_VALUE_'));
    assert.equal(ours.length, 13);
    for (const [name, value] of ours) {
      assert.equal((incubating as Record<string, unknown>)[name], value, name);
    }
  });

  it("give error.type one value per OpenFeature error code, lower-cased as its EventHook writes it", () => {
    const errorTypes = Object.entries(semconv).filter(([name]) => name.startsWith('ERROR_TYPE_VALUE_'));
    assert.deepEqual(
      errorTypes.map(([name, value]) => [name.slice('ERROR_TYPE_VALUE_'.length), value]).sort(),
      Object.values(ErrorCode).map((code) => [code, code.toLowerCase()]).sort(),
    );
  });
});

describe('logRecordToFeatureEvent', () => {
  it('maps what OpenFeature’s EventHook emits for a successful evaluation', () => {
    const event = logRecordToFeatureEvent(
      record({
        'feature_flag.key': 'limits',
        'feature_flag.provider.name': 'in-memory',
        'feature_flag.result.reason': 'targeting_match',
        'feature_flag.result.variant': 'small',
        'feature_flag.result.value': '{"max":5,"tiers":["a"]}',
        'feature_flag.context.id': 'user-1',
        'feature_flag.set.id': 'shop',
        'feature_flag.version': 7,
      }),
      'SERVER',
    );
    assert.deepEqual(event, {
      kind: 'feature',
      contextKind: 'user',
      userKey: 'user-1',
      creationDate: T,
      key: 'limits',
      variation: 'small',
      value: { max: 5, tiers: ['a'] },
      default: false,
      source: 'SERVER',
      version: '7',
      // OpenFeature's spelling, as the OpenFeature hook sends it.
      metadata: { provider: 'in-memory', flagSetId: 'shop', reason: 'TARGETING_MATCH' },
    });
  });

  it('maps a failed evaluation (error.type) to default: true and SdkDefault, even with a variant', () => {
    const event = logRecordToFeatureEvent(
      record({
        'feature_flag.key': 'k',
        'feature_flag.provider.name': 'p',
        'feature_flag.result.reason': 'error',
        'feature_flag.result.variant': 'on',
        'feature_flag.result.value': false,
        'error.type': 'flag_not_found',
        'error.message': 'no flag found with key k',
      }),
      'PROXY',
    );
    assert.deepEqual(event, {
      kind: 'feature',
      contextKind: 'anonymousUser',
      userKey: 'undefined-targetingKey',
      creationDate: T,
      key: 'k',
      variation: 'SdkDefault',
      value: false,
      default: true,
      version: '',
      source: 'PROXY',
      metadata: { provider: 'p', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
    });
  });

  it('keeps every error.type as the errorCode, and GENERAL for an empty one', () => {
    const errorCodeOf = (errorType: unknown) =>
      logRecordToFeatureEvent(record({ 'feature_flag.key': 'k', 'error.type': errorType }), 'S')?.metadata?.errorCode;
    for (const code of Object.values(ErrorCode)) assert.equal(errorCodeOf(code.toLowerCase()), code);
    assert.equal(errorCodeOf('_OTHER'), '_OTHER');
    assert.equal(errorCodeOf(''), 'GENERAL');
  });

  it('treats a disabled flag as the default, as the OpenFeature hook does, but not as an error', () => {
    const event = logRecordToFeatureEvent(record({ 'feature_flag.key': 'k', 'feature_flag.result.reason': 'disabled', 'feature_flag.result.value': 1 }), 'SERVER');
    assert.equal(event?.default, true);
    assert.equal(event?.variation, 'SdkDefault');
    assert.equal(event?.value, 1);
    assert.deepEqual(event?.metadata, { reason: 'DISABLED' });
  });

  it('gives SdkDefault without default when there is no variant, and null when there is no value', () => {
    const event = logRecordToFeatureEvent(record({ 'feature_flag.key': 'k' }), 'SERVER');
    assert.deepEqual(event, {
      kind: 'feature',
      contextKind: 'anonymousUser',
      userKey: 'undefined-targetingKey',
      creationDate: T,
      key: 'k',
      variation: 'SdkDefault',
      value: null,
      default: false,
      version: '',
      source: 'SERVER',
    });
  });

  it('inserts the keys in Go order, the metadata keys sorted, so JSON.stringify writes the wire bytes', () => {
    const event = logRecordToFeatureEvent(
      record({
        'feature_flag.key': 'k',
        'feature_flag.provider.name': 'p',
        'feature_flag.set.id': 'shop',
        'feature_flag.result.reason': 'error',
        'feature_flag.result.value': 'x',
        'error.type': 'general',
      }),
      'S',
    )!;
    assert.deepEqual(Object.keys(event), ['kind', 'contextKind', 'userKey', 'creationDate', 'key', 'variation', 'value', 'default', 'version', 'source', 'metadata']);
    assert.deepEqual(Object.keys(event.metadata!), ['errorCode', 'flagSetId', 'provider', 'reason']);
    assert.equal(isPlainFeatureEvent(event), true);
    assert.equal(JSON.stringify(event), serializeEvent(event));
  });

  it('parses JSON text of objects and arrays back, and leaves other strings alone', () => {
    const valueOf = (value: unknown) => logRecordToFeatureEvent(record({ 'feature_flag.key': 'k', 'feature_flag.result.value': value }), 'S')?.value;
    assert.deepEqual(valueOf('{"a":{"b":[1,null]}}'), { a: { b: [1, null] } });
    assert.deepEqual(valueOf('[1,"x"]'), [1, 'x']);
    assert.equal(valueOf('{not json'), '{not json');
    assert.equal(valueOf('[1,'), '[1,');
    assert.equal(valueOf('"quoted"'), '"quoted"');
    assert.equal(valueOf('null'), 'null');
    assert.equal(valueOf('42'), '42');
    assert.equal(valueOf(''), '');
    assert.equal(valueOf(42), 42);
    assert.deepEqual(valueOf([1, 2]), [1, 2]);
  });

  it('writes a numeric context id and version as text', () => {
    const event = logRecordToFeatureEvent(record({ 'feature_flag.key': 'k', 'feature_flag.context.id': 42, 'feature_flag.version': 3 }), 'S');
    assert.equal(event?.userKey, '42');
    assert.equal(event?.contextKind, 'user');
    assert.equal(event?.version, '3');
  });

  it('takes whole seconds of the record time, then of the observed time', () => {
    assert.equal(logRecordToFeatureEvent(record({ 'feature_flag.key': 'k' }, { hrTime: [T, 999_999_999] }), 'S')?.creationDate, T);
    assert.equal(logRecordToFeatureEvent(record({ 'feature_flag.key': 'k' }, { hrTime: [0, 0] }), 'S')?.creationDate, T + 5);
  });

  it('makes no event of a record without a flag key', () => {
    assert.equal(logRecordToFeatureEvent(record({}), 'S'), undefined);
    assert.equal(logRecordToFeatureEvent(record({ 'feature_flag.key': 7 }), 'S'), undefined);
    assert.equal(logRecordToFeatureEvent(record({ 'feature_flag.key': '' }), 'S'), undefined);
  });
});

describe('isFeatureFlagEvaluation', () => {
  it('reads eventName, or else the older event.name attribute', () => {
    assert.equal(isFeatureFlagEvaluation(record({})), true);
    assert.equal(isFeatureFlagEvaluation(record({ 'event.name': 'feature_flag.evaluation' }, { eventName: undefined })), true);
    assert.equal(isFeatureFlagEvaluation(record({ 'event.name': 'feature_flag.evaluation' }, { eventName: 'exception' })), false);
    assert.equal(isFeatureFlagEvaluation(record({ 'feature_flag.key': 'k' }, { eventName: 'exception' })), false);
    assert.equal(isFeatureFlagEvaluation(record({ 'feature_flag.key': 'k' }, { eventName: undefined })), false);
  });
});
