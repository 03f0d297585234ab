import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { WebhookLogRecordExporter } from '../../adapters/otel/index.js';
import { BatchProcessor, WebhookExporter, createReceiver } from '../../src/index.js';

const SECRET = 'inspect-secret-5f1c';
const HEADER_VALUE = 'Bearer inspect-token-93ab';
const options = { endpointUrl: 'http://127.0.0.1:9/hook', secret: SECRET, headers: { Authorization: [HEADER_VALUE] } };

describe('secrets stay out of what a user prints', () => {
  it('console.log / util.inspect (even showHidden, deep) and JSON.stringify of the exporters show neither secret nor header value', async () => {
    const exporter = new WebhookExporter(options);
    const processor = new BatchProcessor(exporter);
    const otelExporter = new WebhookLogRecordExporter(options);
    try {
      const printed = [
        inspect(processor, { depth: Infinity, showHidden: true }),
        inspect(exporter, { depth: Infinity, showHidden: true }),
        inspect(otelExporter, { depth: Infinity, showHidden: true }),
        JSON.stringify(exporter),
      ].join('\n');
      assert.ok(!printed.includes(SECRET), 'secret printed');
      assert.ok(!printed.includes('inspect-token-93ab'), 'header value printed');
      assert.match(inspect(exporter), /WebhookExporter \{ endpoint: 'http:\/\/127\.0\.0\.1:9', signed: true \}/);
      assert.deepEqual(JSON.parse(JSON.stringify(exporter)), { endpoint: 'http://127.0.0.1:9', signed: true });
    } finally {
      await Promise.all([processor.shutdown(), otelExporter.shutdown()]);
    }
  });

  it('createReceiver refuses an empty secret instead of silently checking nothing', () => {
    assert.throws(() => createReceiver({ secret: '', onBatch: () => undefined }), {
      name: 'TypeError',
      message: /secret must be a non-empty string/,
    });
  });
});
