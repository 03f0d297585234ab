import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], { cwd: ROOT, timeout: 15_000 });
  return stdout;
}

describe('README receiver examples run with the real frameworks', () => {
  it('examples/receiver-express.ts: createReceiver and express.raw + verifyWebhook', async () => {
    assert.equal(await example('receiver-express'), 'webhook: 1 events\n/webhook answered 204\nhook: 1 events, standard signature\n/hook answered 204\n');
  });

  it('examples/receiver-fastify.ts: raw-body parser + verifyWebhook', async () => {
    assert.equal(await example('receiver-fastify'), 'hook: 1 events, standard signature\n/hook answered 204\nunsigned answered 401\n');
  });
});
