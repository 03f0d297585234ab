import assert from 'node:assert/strict';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MAX_JSON_DEPTH, validateEvent, type FeatureEvent } from '../../src/events.js';
import { serializeEvent } from '../../src/serialize.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { deadPort } from './support/helpers.js';

const base: FeatureEvent = { kind: 'feature', userKey: 'u', creationDate: 1, key: 'k', variation: 'v', value: true, default: false };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('validator and serializer agree at the edges of JSON', () => {
  it('nesting: both accept MAX_JSON_DEPTH levels and both refuse one more, far from any stack limit', () => {
    const deepest = { ...base, value: nested(MAX_JSON_DEPTH) };
    assert.equal(validateEvent(deepest), undefined);
    assert.ok(serializeEvent(deepest)!.startsWith('{"kind":"feature"'));
    const tooDeep = { ...base, value: nested(MAX_JSON_DEPTH + 1) };
    assert.match(validateEvent(tooDeep)!, /nests deeper than 512 levels/);
    assert.equal(serializeEvent(tooDeep), undefined);
    const thousands = { ...base, value: nested(6_000) };
    assert.notEqual(validateEvent(thousands), undefined, 'refused, never counted delivered yet left out of the body');
    assert.equal(serializeEvent(thousands), undefined);
  });

  it('boxed primitives are written as the primitive inside, as JSON.stringify does', () => {
    const event = { ...base, value: [new String('on'), new Number(5), new Boolean(false)], metadata: { n: new Number(2) } };
    assert.equal(validateEvent(event), undefined);
    assert.match(serializeEvent(event)!, /"value":\["on",5,false\],/);
    assert.match(serializeEvent(event)!, /"metadata":\{"n":2\}\}$/);
    assert.match(validateEvent({ ...base, value: new Number(NaN) })!, /NaN/);
  });
});

describe('WebhookExporter used directly', () => {
  it('a result callback that throws becomes a diag error, not an unhandled rejection, and forceFlush still resolves', async () => {
    const exporter = new WebhookExporter({ endpointUrl: `http://127.0.0.1:${await deadPort()}/`, maxRetries: 0 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const called = new Promise<ExportResult>((resolve) =>
        exporter.export([base], (result) => {
          resolve(result);
          throw new Error('callback bug');
        }),
      );
      assert.equal((await called).code, ExportResultCode.FAILED);
      await exporter.forceFlush();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await exporter.shutdown();
    }
  });
});
