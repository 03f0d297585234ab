import assert from 'node:assert/strict';
import { BatchProcessor, WebhookExporter } from '../../../src/index.js';
import { watchNetwork, type NetworkWatch } from './network-watch.js';
import { startReceiver, type TestReceiver } from './receiver.js';

const SECRET = 'adapter-secret';

/**
 * The whole way of an adapter's events, as a user has it: the real
 * BatchProcessor and WebhookExporter (signed) to the core's receiver on a
 * real node:http server on 127.0.0.1, with the network watched.
 */
export interface Pipeline {
  processor: BatchProcessor;
  receiver: TestReceiver;
  network: NetworkWatch;
  /**
   * Flushes, checks that exactly one signed batch arrived and that every
   * `creationDate` is whole seconds within the test's time, and returns the
   * events without it.
   */
  delivered(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  const network = watchNetwork();
  const receiver = await startReceiver(SECRET);
  const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.url, secret: SECRET }));
  const start = Math.floor(Date.now() / 1000);
  return {
    processor,
    receiver,
    network,
    async delivered() {
      await processor.forceFlush();
      const end = Math.floor(Date.now() / 1000);
      assert.equal(receiver.deliveries.length, 1, 'one batch');
      const events = receiver.deliveries[0]!.payload.events as unknown as Array<Record<string, unknown>>;
      return events.map(({ creationDate, ...rest }) => {
        assert.ok(Number.isInteger(creationDate) && (creationDate as number) >= start && (creationDate as number) <= end, `creationDate ${String(creationDate)}`);
        return rest;
      });
    },
    async close() {
      await processor.shutdown();
      await receiver.close();
      network.stop();
    },
  };
}
