// shutdown() with a dead endpoint: ms from the call to its resolution.
//   'hanging' – the endpoint accepts connections and never answers;
//   'refused' – nothing listens, and a failed flush has already armed a backoff,
//               which shutdown must not sit out.
import { createServer } from 'node:net';
import { config, deadPort, loadCore, runScenario } from '../child.mjs';
import { makeEvents } from '../events.mjs';

/** A TCP server that accepts and then says nothing; returns its port and a closer. */
async function silentServer() {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  return { port: server.address().port, close };
}

runScenario(async () => {
  const { BatchProcessor, WebhookExporter } = await loadCore();
  const silent = config.mode === 'hanging' ? await silentServer() : undefined;
  const port = silent?.port ?? (await deadPort());
  // The exporter's own timeout is longer than exportTimeout: the processor's deadline must end it.
  const exporter = new WebhookExporter({ endpointUrl: `http://127.0.0.1:${port}/`, secret: config.secret, timeout: 10_000, maxRetries: 2 });
  const processor = new BatchProcessor(exporter, { flushInterval: 60_000, maxEventInMemory: 1_000, maxBatchSize: 1_000, exportTimeout: config.exportTimeout });
  const events = makeEvents(2_000);
  if (config.mode === 'refused') {
    for (const e of events.slice(0, 1_000)) processor.add(e);
    await processor.forceFlush(); // fails: backoff armed, batch back at the front
  }
  for (const e of events.slice(1_000)) processor.add(e);
  const t0 = process.hrtime.bigint();
  await processor.shutdown();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await silent?.close();
  const stats = processor.stats();
  return { ms, exportTimeout: config.exportTimeout, stats };
});
