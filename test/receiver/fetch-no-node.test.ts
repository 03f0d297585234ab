import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHECK = fileURLToPath(new URL('../support/builtin-check.cjs', import.meta.url));

async function builtinsOf(module: string): Promise<{ builtins: string[]; files: string[]; status: number }> {
  const { stdout } = await run(process.execPath, [CHECK, module], { timeout: 15_000 });
  return JSON.parse(stdout) as { builtins: string[]; files: string[]; status: number };
}

describe('createFetchReceiver loads no node: built-in (child process, module check)', () => {
  it('src/fetch-receiver.ts and everything it imports require no built-in, and it answers a real Request', async () => {
    const result = await builtinsOf('fetch-receiver.ts');
    assert.deepEqual(result.builtins, []);
    assert.ok(result.files.includes('fetch-receiver.ts') && result.files.includes('web-verify.ts'), result.files.join(', '));
    assert.equal(result.status, 204);
  });

  it('the same check sees the built-ins of the node receiver (so it can fail)', async () => {
    const result = await builtinsOf('receiver.ts');
    assert.ok(result.builtins.includes('verify-webhook.ts -> node:crypto'), result.builtins.join(', '));
    assert.ok(result.builtins.includes('receiver-body.ts -> node:zlib'), result.builtins.join(', '));
  });
});
