import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { FakeExporter, OK, assertAccounting, failure, readBody, startServer } from '../core/support/helpers.js';
import { RecordType } from '../../src/spool/record-format.js';
import { event, recordsOf, removeAll, segmentNames, tempDir } from './support/spool-fixtures.js';

describe('BatchProcessor with a spool (SPEC §10)', () => {
  const made: string[] = [];
  afterEach(() => removeAll(made));

  it('what one process could not deliver, the next delivers first, formed batches under their ids; rule 6 holds in each', async () => {
    const directory = tempDir(made);
    const first = new FakeExporter(() => failure({ status: 503 }));
    const p1 = new BatchProcessor(first, { flushInterval: 3_600_000, maxEventInMemory: 100, maxBatchSize: 3, spool: { directory } });
    for (let i = 0; i < 5; i++) p1.add(event(i));
    await p1.forceFlush(); // [u0 u1 u2] is formed, its id committed, and refused
    const sentId = first.calls[0]!.options?.batchId;
    await p1.shutdown();
    assert.equal(p1.stats().dropped.shutdown, 5);
    assertAccounting(p1);

    const second = new FakeExporter(() => OK);
    const p2 = new BatchProcessor(second, { flushInterval: 3_600_000, maxEventInMemory: 100, maxBatchSize: 3, spool: { directory } });
    assert.deepEqual(p2.stats(), {
      accepted: 5, delivered: 0, pending: 5, inFlight: 0,
      dropped: { overflow: 0, invalid: 0, shutdown: 0, corrupt: 0 }, failedExports: 0,
    });
    p2.add(event(5));
    await p2.forceFlush();
    assert.deepEqual(second.batches(), [['u0', 'u1', 'u2'], ['u3', 'u4'], ['u5']], 'the replayed events first, as batches of their own');
    assert.equal(second.calls[0]!.options?.batchId, sentId, 'the batch formed before the restart keeps its id');
    assert.notEqual(second.calls[1]!.options?.batchId, sentId);
    assert.equal(p2.stats().delivered, 6);
    assertAccounting(p2);
    await p2.shutdown();

    const p3 = new BatchProcessor(new FakeExporter(() => OK), { spool: { directory } });
    assert.equal(p3.stats().accepted, 0, 'everything delivered was released: nothing comes back');
    await p3.shutdown();
  });

  it('a torn last record is cut back and counted in dropped.corrupt; the identity of rule 6 includes it', async () => {
    const directory = tempDir(made);
    const p1 = new BatchProcessor(new FakeExporter(() => failure()), { flushInterval: 3_600_000, spool: { directory } });
    for (let i = 0; i < 4; i++) p1.add(event(i));
    await p1.shutdown();
    const [segment] = segmentNames(directory);
    const file = path.join(directory, segment!);
    const events = recordsOf(file).filter((placed) => placed.record.type === RecordType.Events);
    fs.truncateSync(file, events.at(-1)!.offset + 6); // a torn write inside the last record of events

    const exporter = new FakeExporter(() => OK);
    const p2 = new BatchProcessor(exporter, { flushInterval: 3_600_000, spool: { directory } });
    const stats = p2.stats();
    assert.ok(stats.dropped.corrupt > 0, JSON.stringify(stats));
    assert.equal(stats.pending + stats.dropped.corrupt, 4);
    assertAccounting(p2);
    await p2.forceFlush();
    assert.equal(p2.stats().delivered, 4 - stats.dropped.corrupt);
    assertAccounting(p2);
    await p2.shutdown();
  });

  it('a second processor on the same directory is refused with an error naming it', async () => {
    const directory = tempDir(made);
    const p1 = new BatchProcessor(new FakeExporter(() => OK), { spool: { directory } });
    try {
      assert.throws(() => new BatchProcessor(new FakeExporter(() => OK), { spool: { directory } }), (error: Error) => {
        assert.ok(error.message.includes(directory), error.message);
        return true;
      });
    } finally {
      await p1.shutdown();
    }
  });

  it('end to end: a real receiver gets the replayed batch with the webhook-id of its first attempt', async () => {
    const directory = tempDir(made);
    const ids: string[] = [];
    const received: ExportableEvent[][] = [];
    let fail = true;
    const server = await startServer(async (req, res) => {
      const body = await readBody(req);
      ids.push(String(req.headers['webhook-id']));
      if (fail) return void res.writeHead(503).end();
      received.push((JSON.parse(body.toString()) as { events: ExportableEvent[] }).events);
      res.writeHead(204).end();
    });
    try {
      const options = { flushInterval: 3_600_000, spool: { directory } };
      const p1 = new BatchProcessor(new WebhookExporter({ endpointUrl: server.url, maxRetries: 0 }), options);
      p1.add(event(1));
      p1.add(event(2));
      await p1.forceFlush();
      await p1.shutdown();
      fail = false;
      const p2 = new BatchProcessor(new WebhookExporter({ endpointUrl: server.url, maxRetries: 0 }), options);
      await p2.forceFlush();
      await p2.shutdown();
      assert.deepEqual(received.map((events) => events.map((e) => e.userKey)), [['u1', 'u2']]);
      assert.equal(new Set(ids).size, 1, `every attempt, before and after the restart, under one id: ${ids.join(', ')}`);
    } finally {
      await server.close();
    }
  });
});
