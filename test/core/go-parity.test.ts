import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExportableEvent } from '../../src/events.js';
import { serializeBatch } from '../../src/serialize.js';
import { sign } from '../../src/signature.js';

/**
 * SPEC §2: for the same events, meta and secret, our body and signature equal
 * those of Go's encoding/json with GO Feature Flag's struct shapes. Runs where
 * a Go toolchain is installed (.ci/run installs Debian's golang-go).
 */
const goAvailable = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;

const events: ExportableEvent[] = [
  { kind: 'feature', contextKind: 'user', userKey: 'user-1', creationDate: 1764432000, key: 'new-checkout', variation: 'on', value: true, default: false, version: '12', source: 'SERVER', metadata: { reason: 'TARGETING_MATCH', provider: 'in-memory', env: 'prod' } },
  { kind: 'feature', userKey: 'anon', creationDate: 0, key: 'k', variation: 'SdkDefault', value: false, default: true },
  { kind: 'feature', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', creationDate: 1, key: 'numbers', variation: 'v', value: [0, -1, 1.5, 0.1, 1e21, 1e-7, 0.000001, 123456789012, 2 ** 53, 3.14159, 1e300], default: false, metadata: {} },
  { kind: 'feature', userKey: 'strings', creationDate: 2, key: 'é-ключ-😀', variation: 'ü', value: 'quote " backslash \\ slash / tab \t newline \n cr \r ctrl \u0001 \u001f del \u007f é 中文 😀', default: false, version: '', source: '' },
  { kind: 'feature', userKey: 'objects', creationDate: 3, key: 'json', variation: 'v', value: { z: 1, a: { y: [1, { b: null, a: 'x' }], x: {} }, B: true, _: 'u', é: 1, '😀': 2, '\uffff': 3, '10': 4, '9': 5 }, default: false, metadata: { nested: { z: 1, a: 2 }, list: [3, 2, 1] } },
  { kind: 'feature', userKey: 'null-value', creationDate: 4, key: 'n', variation: 'v', value: null, default: false },
  { kind: 'tracking', contextKind: 'user', userKey: 'buyer', creationDate: 5, key: 'checkout', evaluationContext: { targetingKey: 'buyer', plan: 'pro', attrs: { b: 2, a: 1 } }, trackingEventDetails: { value: 99.5, currency: 'EUR', items: ['x', 'y'] } },
  { kind: 'tracking', userKey: 'u', creationDate: 6, key: 'empty', evaluationContext: {}, trackingEventDetails: {} },
];

describe('SPEC §2: the body and signature equal Go encoding/json with GO Feature Flag struct shapes', function () {
  this.timeout(120_000);
  let dir: string;
  let program: string;

  before(function () {
    if (!goAvailable) {
      console.log('      (no Go toolchain on this machine: Go parity skipped; .ci/run installs golang-go)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'go-parity-'));
    program = join(dir, 'reference');
    execFileSync('go', ['build', '-o', program, resolve(__dirname, '../go-parity/main.go')], {
      // No module download, no toolchain switch: the local compiler and the standard library only.
      env: { ...process.env, GOCACHE: join(dir, 'cache'), GOPATH: join(dir, 'gopath'), GOTOOLCHAIN: 'local', GOPROXY: 'off', GO111MODULE: 'off' },
      stdio: 'pipe',
    });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function goReference(meta: Record<string, string>, batch: ExportableEvent[], secret: string): { signature: string; body: Buffer } {
    const out = execFileSync(program, { input: JSON.stringify({ secret, meta, events: batch }) });
    const newline = out.indexOf(0x0a);
    return { signature: out.subarray(0, newline).toString(), body: out.subarray(newline + 1) };
  }

  it('gives the same bytes and signature for a mixed batch (numbers, unicode, nested maps, tracking events)', () => {
    const meta = { hostname: 'web-1', extraInfo: 'info', 'a-key': 'é' };
    const secret = 'secret-for-signing';
    const ours = serializeBatch(meta, events).body;
    const go = goReference(meta, events, secret);
    assert.equal(ours.toString('utf8'), go.body.toString('utf8'));
    assert.ok(ours.equals(go.body));
    assert.equal(sign(ours, secret), go.signature);
  });

  it('gives the same bytes event by event, so any mismatch names its event', () => {
    for (const event of events) {
      const ours = serializeBatch({ hostname: 'h' }, [event]).body.toString('utf8');
      assert.equal(ours, goReference({ hostname: 'h' }, [event], 's').body.toString('utf8'), `event ${event.userKey}`);
    }
  });
});
