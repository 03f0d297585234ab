import assert from 'node:assert/strict';
import { OpenFeature, type EvaluationDetails, type FlagValue, type Hook, type Logger } from '@openfeature/server-sdk';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { FeatureEventHook } from '../../adapters/openfeature/index.js';
import type { FeatureEvent } from '../../src/events.js';
import { validateEvent } from '../../src/events.js';
import { FLAGS, MetadataInMemoryProvider, resetOpenFeature } from './support/flags.js';

const SILENT_LOGGER = { error() {}, warn() {}, info() {}, debug() {} };

/** An OpenFeature logger that keeps each call as [level, first argument, second argument]. */
function recordingLogger(): Logger & { calls: Array<[string, unknown, unknown]> } {
  const calls: Array<[string, unknown, unknown]> = [];
  const at = (level: string) => (...args: unknown[]) => void calls.push([level, args[0], args[1]]);
  return { calls, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** Runs `body` with a diag logger set, and returns what reached it. */
async function diagCalls(body: () => Promise<void>): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  // The API's own notes about registering the logger are not ours.
  const record = (...args: unknown[]) => void (String(args[0]).startsWith('@opentelemetry/api:') || calls.push(args));
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  try {
    await body();
  } finally {
    diag.disable();
  }
  return calls;
}

/** A sink that keeps what it gets. */
class ArraySink {
  readonly events: FeatureEvent[] = [];
  add(event: FeatureEvent): void {
    this.events.push(event);
  }
}

describe('FeatureEventHook (real OpenFeature SDK, InMemoryProvider)', () => {
  let sink: ArraySink;
  let before: number;

  beforeEach(async () => {
    await resetOpenFeature();
    sink = new ArraySink();
    OpenFeature.addHooks(new FeatureEventHook(sink));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    before = Math.floor(Date.now() / 1000);
  });

  afterEach(resetOpenFeature);

  /** The single event of the evaluations so far, with its time checked and removed. */
  function onlyEvent(): Omit<FeatureEvent, 'creationDate'> {
    assert.equal(sink.events.length, 1, 'exactly one event per evaluation');
    const { creationDate, ...rest } = sink.events[0]!;
    assert.ok(Number.isInteger(creationDate), 'creationDate is whole seconds');
    assert.ok(creationDate >= before && creationDate <= Math.floor(Date.now() / 1000), `creationDate ${creationDate} is now`);
    assert.equal(validateEvent(sink.events[0]), undefined);
    return rest;
  }

  it('records an evaluation for a user', async () => {
    const value = await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: 'user-1', email: 'a@b.c' });
    assert.equal(value, true);
    assert.deepEqual(onlyEvent(), {
      kind: 'feature',
      contextKind: 'user',
      userKey: 'user-1',
      key: 'new-checkout',
      variation: 'on',
      value: true,
      default: false,
      version: '7',
      source: 'SERVER',
      metadata: { provider: 'in-memory', reason: 'STATIC' },
    });
  });

  it('records an object value as the caller got it', async () => {
    const value = await OpenFeature.getClient().getObjectValue('limits', {}, { targetingKey: 'user-2' });
    assert.deepEqual(onlyEvent(), {
      kind: 'feature',
      contextKind: 'user',
      userKey: 'user-2',
      key: 'limits',
      variation: 'small',
      value: { max: 5, tiers: ['a', 'b'] },
      default: false,
      version: '7',
      source: 'SERVER',
      metadata: { provider: 'in-memory', reason: 'STATIC' },
    });
    assert.equal(sink.events[0]!.value, value);
  });

  it('marks a context with anonymous: true as anonymousUser and keeps its key', async () => {
    await OpenFeature.getClient().getStringValue('banner-color', 'grey', { targetingKey: 'visitor-9', anonymous: true });
    const event = onlyEvent();
    assert.equal(event.contextKind, 'anonymousUser');
    assert.equal(event.userKey, 'visitor-9');
    assert.equal(event.variation, 'blue');
    assert.equal(event.value, '#0000ff');
    assert.equal(event.default, false);
  });

  it("uses 'undefined-targetingKey' and anonymousUser when there is no targeting key", async () => {
    await OpenFeature.getClient().getStringValue('banner-color', 'grey', { country: 'NL' });
    const event = onlyEvent();
    assert.equal(event.contextKind, 'anonymousUser');
    assert.equal(event.userKey, 'undefined-targetingKey');
    assert.equal(event.variation, 'blue');
  });

  it("records a missing flag as default: true with variation 'SdkDefault'", async () => {
    const details = await OpenFeature.getClient().getBooleanDetails('no-such-flag', false, { targetingKey: 'user-1' });
    assert.equal(details.errorCode, 'FLAG_NOT_FOUND');
    assert.deepEqual(onlyEvent(), {
      kind: 'feature',
      contextKind: 'user',
      userKey: 'user-1',
      key: 'no-such-flag',
      variation: 'SdkDefault',
      value: false,
      default: true,
      version: '',
      source: 'SERVER',
      metadata: { provider: 'in-memory', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
    });
  });

  it('records a type mismatch as default: true with the caller’s default value', async () => {
    const details = await OpenFeature.getClient().getNumberDetails('banner-color', 42, { targetingKey: 'user-1' });
    assert.equal(details.errorCode, 'TYPE_MISMATCH');
    const event = onlyEvent();
    assert.equal(event.default, true);
    assert.equal(event.variation, 'SdkDefault');
    assert.equal(event.value, 42);
    assert.deepEqual(event.metadata, { provider: 'in-memory', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('records a disabled flag as default: true with reason DISABLED', async () => {
    const details = await OpenFeature.getClient().getBooleanDetails('old-feature', false, { targetingKey: 'user-1' });
    assert.equal(details.reason, 'DISABLED');
    assert.equal(details.errorCode, undefined);
    const event = onlyEvent();
    assert.equal(event.default, true);
    assert.equal(event.variation, 'SdkDefault');
    assert.equal(event.value, false);
    assert.equal(event.version, '7');
    assert.deepEqual(event.metadata, { provider: 'in-memory', reason: 'DISABLED' });
  });

  for (const stage of ['before', 'after', 'error'] as const) {
    it(`still records exactly one event when another hook throws in '${stage}'`, async () => {
      const thrower: Hook = {
        [stage]: () => {
          throw new Error(`${stage} hook failed`);
        },
      };
      // 'error' only runs on a failed evaluation, so evaluate a missing flag there.
      const flag = stage === 'error' ? 'no-such-flag' : 'new-checkout';
      // The SDK logs a throwing hook; keep test output clean.
      const client = OpenFeature.getClient().setLogger(SILENT_LOGGER);
      await client.getBooleanValue(flag, false, { targetingKey: 'user-1' }, { hooks: [thrower] });
      const event = onlyEvent();
      assert.equal(event.key, flag);
      assert.equal(event.default, true, 'the failure reached the caller as its default');
      assert.equal(event.variation, 'SdkDefault');
      assert.equal(event.value, false);
    });
  }

  it('records one event per evaluation across many evaluations', async () => {
    const client = OpenFeature.getClient();
    for (let i = 0; i < 50; i++) await client.getBooleanValue('new-checkout', false, { targetingKey: `u${i}` });
    assert.equal(sink.events.length, 50);
    assert.deepEqual(
      sink.events.map((e) => e.userKey),
      Array.from({ length: 50 }, (_, i) => `u${i}`),
    );
  });
});

describe('FeatureEventHook options and safety', () => {
  beforeEach(resetOpenFeature);
  afterEach(resetOpenFeature);

  it('puts the metadata option with provider, reason and errorCode (which win), keys in Go order, and uses the source option', async () => {
    const sink = new ArraySink();
    const metadata: Record<string, unknown> = { env: 'prod', provider: 'overridden', unset: undefined, region: 'eu' };
    OpenFeature.addHooks(new FeatureEventHook(sink, { source: 'PROXY', metadata }));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    metadata.env = 'changed later'; // the hook keeps its own copy
    await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: 'user-1' });
    assert.equal(sink.events.length, 1);
    const event = sink.events[0]!;
    assert.equal(event.source, 'PROXY');
    // Inserted sorted, as Go writes them: JSON.stringify of the event is then its wire bytes.
    assert.deepEqual(Object.keys(event.metadata!), ['env', 'provider', 'reason', 'region']);
    assert.deepEqual(event.metadata, { env: 'prod', provider: 'in-memory', region: 'eu', reason: 'STATIC' });
  });

  it('gives each event its own metadata object', async () => {
    const sink = new ArraySink();
    OpenFeature.addHooks(new FeatureEventHook(sink, { metadata: { env: 'prod' } }));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    const client = OpenFeature.getClient();
    await client.getBooleanValue('new-checkout', false, { targetingKey: 'a' });
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'b' });
    assert.notEqual(sink.events[0]!.metadata, sink.events[1]!.metadata);
    assert.equal(sink.events[0]!.metadata!.reason, 'STATIC');
    assert.equal(sink.events[1]!.metadata!.reason, 'ERROR');
    assert.equal('errorCode' in sink.events[0]!.metadata!, false, 'no error code on a success');
    assert.equal(sink.events[1]!.metadata!.errorCode, 'FLAG_NOT_FOUND');
  });

  it("writes version '' (as Go does) when the provider sends no flag metadata", async () => {
    const { InMemoryProvider } = await import('@openfeature/server-sdk');
    const sink = new ArraySink();
    OpenFeature.addHooks(new FeatureEventHook(sink));
    await OpenFeature.setProviderAndWait(new InMemoryProvider(FLAGS));
    await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: 'u' });
    assert.equal(sink.events.length, 1);
    assert.equal(sink.events[0]!.version, '');
    assert.deepEqual(Object.keys(sink.events[0]!), ['kind', 'contextKind', 'userKey', 'creationDate', 'key', 'variation', 'value', 'default', 'version', 'source', 'metadata']);
  });

  it('returns nothing from finally (nothing for the SDK to await)', () => {
    const hook = new FeatureEventHook(new ArraySink());
    const result: unknown = hook.finally(
      {
        flagKey: 'f',
        defaultValue: false,
        flagValueType: 'boolean',
        context: { targetingKey: 'u' },
        clientMetadata: { providerMetadata: { name: 'p' } },
        providerMetadata: { name: 'p' },
        logger: console,
        hookData: new Map(),
      } as unknown as Parameters<FeatureEventHook['finally']>[0],
      { flagKey: 'f', value: true, variant: 'on', flagMetadata: {} },
    );
    assert.equal(result, undefined);
  });

  it('never throws into the evaluation when the sink throws, and warns through the hook logger, not diag', async () => {
    let calls = 0;
    const broken = new Error('sink is broken');
    const sink = {
      add(): void {
        calls++;
        throw broken;
      },
    };
    OpenFeature.addHooks(new FeatureEventHook(sink));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    const logger = recordingLogger();
    let details: EvaluationDetails<boolean> | undefined;
    const fromDiag = await diagCalls(async () => {
      details = await OpenFeature.getClient().setLogger(logger).getBooleanDetails('new-checkout', false, { targetingKey: 'u' });
    });
    assert.equal(calls, 1);
    assert.equal(details!.value, true);
    assert.equal(details!.errorCode, undefined);
    assert.deepEqual(logger.calls, [['warn', 'FeatureEventHook: could not record a flag evaluation', broken]]);
    assert.deepEqual(fromDiag, []);
  });

  it('never throws on a malformed hook context', () => {
    const sink = new ArraySink();
    const hook = new FeatureEventHook(sink);
    assert.doesNotThrow(() =>
      hook.finally({} as unknown as Parameters<FeatureEventHook['finally']>[0], {} as unknown as Parameters<FeatureEventHook['finally']>[1]),
    );
    assert.equal(sink.events.length, 0);
  });

  it('records only the evaluations its filter accepts, giving it the flag key and the details', async () => {
    const sink = new ArraySink();
    const seen: Array<[string, FlagValue, string | undefined, string | undefined]> = [];
    const filter = (flagKey: string, details: Readonly<EvaluationDetails<FlagValue>>): boolean => {
      seen.push([flagKey, details.value, details.reason, details.errorCode]);
      return flagKey !== 'banner-color';
    };
    OpenFeature.addHooks(new FeatureEventHook(sink, { filter }));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    const client = OpenFeature.getClient();
    await client.getBooleanValue('new-checkout', false, { targetingKey: 'u' });
    assert.equal(await client.getStringValue('banner-color', 'grey', { targetingKey: 'u' }), '#0000ff');
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'u' });
    assert.deepEqual(seen, [
      ['new-checkout', true, 'STATIC', undefined],
      ['banner-color', '#0000ff', 'STATIC', undefined],
      ['no-such-flag', false, 'ERROR', 'FLAG_NOT_FOUND'],
    ]);
    assert.deepEqual(
      sink.events.map((e) => e.key),
      ['new-checkout', 'no-such-flag'],
    );
  });

  it('never throws into the evaluation when the filter throws: no event, one warning through the hook logger', async () => {
    const sink = new ArraySink();
    const failure = new TypeError('filter is broken');
    OpenFeature.addHooks(
      new FeatureEventHook(sink, {
        filter: (flagKey) => {
          if (flagKey === 'limits') throw failure;
          return true;
        },
      }),
    );
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    const logger = recordingLogger();
    const client = OpenFeature.getClient().setLogger(logger);
    let details: EvaluationDetails<FlagValue> | undefined;
    const fromDiag = await diagCalls(async () => {
      details = await client.getObjectDetails('limits', {}, { targetingKey: 'u' });
      await client.getBooleanValue('new-checkout', false, { targetingKey: 'u' });
    });
    assert.deepEqual(details!.value, { max: 5, tiers: ['a', 'b'] });
    assert.equal(details!.errorCode, undefined, 'the evaluation itself succeeded');
    // Only our warning: the SDK logged no error for a throwing hook, as none reached it.
    assert.deepEqual(logger.calls, [['warn', 'FeatureEventHook: the filter option threw; the evaluation was not recorded', failure]]);
    assert.deepEqual(fromDiag, []);
    assert.deepEqual(
      sink.events.map((e) => e.key),
      ['new-checkout'],
    );
  });

  it('never throws when the hook logger itself throws', () => {
    const hook = new FeatureEventHook({
      add(): void {
        throw new Error('sink is broken');
      },
    });
    const throwing = (): never => {
      throw new Error('logger is broken');
    };
    const context = {
      flagKey: 'f',
      context: { targetingKey: 'u' },
      providerMetadata: { name: 'p' },
      logger: { error: throwing, warn: throwing, info: throwing, debug: throwing },
    } as unknown as Parameters<FeatureEventHook['finally']>[0];
    assert.doesNotThrow(() => hook.finally(context, { flagKey: 'f', value: true, flagMetadata: {} }));
  });

  it('rejects a sink without add, and options of the wrong type', () => {
    assert.throws(() => new FeatureEventHook({} as unknown as ArraySink), { name: 'TypeError', message: /add\(event\)/ });
    assert.throws(() => new FeatureEventHook(new ArraySink(), { source: 1 as unknown as string }), { name: 'TypeError', message: /source/ });
    assert.throws(() => new FeatureEventHook(new ArraySink(), { metadata: 'x' as unknown as Record<string, unknown> }), {
      name: 'TypeError',
      message: /metadata/,
    });
    assert.throws(() => new FeatureEventHook(new ArraySink(), { filter: 'new-checkout' as unknown as () => boolean }), {
      name: 'TypeError',
      message: /options\.filter/,
    });
  });
});
