import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an example as the README says (`npx tsx examples/…`), returning its stdout. */
async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], { cwd: ROOT, timeout: 15_000 });
  return stdout;
}

/** The JSON after `label` on its line. */
function jsonAfter(stdout: string, label: string): unknown {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `a line starting with ${label}`);
  return JSON.parse(line.slice(label.length));
}

/** The events the embedded receiver printed, one JSON object per line. */
function printedEvents(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((l) => l.startsWith('  {')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `[kind, key, userKey, variation, default]` of each printed event, and the processor's accepted and delivered counts. */
async function flagSdkExample(name: string): Promise<{ events: unknown[][]; counts: unknown }> {
  const stdout = await example(name);
  assert.match(stdout, /^received batch [0-9a-f-]{36} with \d+ events/m);
  const { accepted, delivered } = jsonAfter(stdout, 'stats: ') as { accepted: number; delivered: number };
  return { events: printedEvents(stdout).map((e) => [e.kind, e.key, e.userKey, e.variation, e.default]), counts: { accepted, delivered } };
}

describe('adapter examples run and deliver', () => {
  it('examples/openfeature-hook.ts: four evaluations and a track() call, one signed batch', async () => {
    const stdout = await example('openfeature-hook');
    assert.match(stdout, /^received batch [0-9a-f-]{36} with 5 events/m);
    const received = stdout.split('\n').filter((l) => l.startsWith('  {')).map((l) => JSON.parse(l) as { kind: string; key: string; default?: boolean });
    assert.deepEqual(received.map((e) => [e.kind, e.key, e.default]), [
      ['feature', 'new-checkout', false],
      ['feature', 'banner-color', false],
      ['feature', 'no-such-flag', true],
      ['feature', 'old-feature', true],
      ['tracking', 'checkout', undefined],
    ]);
    assert.deepEqual(jsonAfter(stdout, 'stats: '), {
      accepted: 5,
      delivered: 5,
      pending: 0,
      inFlight: 0,
      dropped: { overflow: 0, invalid: 0, shutdown: 0, corrupt: 0 },
      failedExports: 0,
    });
  });

  it('examples/otel-sink.ts: EventHook records reach the webhook', async () => {
    const stdout = await example('otel-sink');
    assert.match(stdout, /^received batch [0-9a-f-]{36} with 2 events/m);
    assert.deepEqual(jsonAfter(stdout, 'stats: '), { converted: 2, ignored: 1, invalid: 0, delivered: 2, failedExports: 0, dropped: 0 });
  });

  it('examples/otel-source.ts: events become log records', async () => {
    const stdout = await example('otel-source');
    assert.equal(stdout.match(/eventName: 'feature_flag\.evaluation'/g)?.length, 4);
    assert.deepEqual(jsonAfter(stdout, 'stats: '), { emitted: 4, ignored: 0, invalid: 0 });
  });

  it('examples/launchdarkly-hook.ts: four evaluations, one signed batch', async () => {
    assert.deepEqual(await flagSdkExample('launchdarkly-hook'), {
      events: [
        ['feature', 'new-checkout', 'user-1', '0', false],
        ['feature', 'new-checkout', 'visitor-9', '1', false],
        ['feature', 'no-such-flag', 'user-1', 'SdkDefault', true],
        ['feature', 'old-feature', 'user-2', '1', false],
      ],
      counts: { accepted: 4, delivered: 4 },
    });
  });

  it('examples/unleash-impressions.ts: three impressions, one signed batch', async () => {
    assert.deepEqual(await flagSdkExample('unleash-impressions'), {
      events: [
        ['feature', 'new-checkout', 'user-1', 'enabled', false],
        ['feature', 'new-checkout', 'visitor-9', 'disabled', false],
        ['feature', 'old-feature', 'user-2', 'disabled', false],
      ],
      counts: { accepted: 3, delivered: 3 },
    });
  });

  it('examples/growthbook-callbacks.ts: feature usage and an exposure, one signed batch', async () => {
    assert.deepEqual(await flagSdkExample('growthbook-callbacks'), {
      events: [
        ['feature', 'new-checkout', 'user-1', 'fr_vip', false],
        ['tracking', 'banner-test', 'user-2', undefined, undefined],
        ['feature', 'banner-color', 'user-2', '0', false],
        ['feature', 'no-such-flag', 'user-1', 'SdkDefault', true],
      ],
      counts: { accepted: 4, delivered: 4 },
    });
  });

  it('examples/configcat-evaluations.ts: three evaluations, one signed batch', async () => {
    assert.deepEqual(await flagSdkExample('configcat-evaluations'), {
      events: [
        ['feature', 'new-checkout', 'user-1', 'true', false],
        ['feature', 'banner-color', 'undefined-targetingKey', 'blue', false],
        ['feature', 'no-such-flag', 'user-1', 'SdkDefault', true],
      ],
      counts: { accepted: 3, delivered: 3 },
    });
  });

  it('examples/durable-spool.ts: only the tracked flags, through a spool, one signed batch', async () => {
    const stdout = await example('durable-spool');
    assert.match(stdout, /^received batch [0-9a-f-]{36} with 2 events/m);
    assert.doesNotMatch(stdout, /"key":"internal-tuning"/);
    assert.match(stdout, /^stats: \{"accepted":2,"delivered":2,"pending":0,"inFlight":0,"dropped":\{"overflow":0,"invalid":0,"shutdown":0,"corrupt":0\},"failedExports":0\}$/m);
  });
});
