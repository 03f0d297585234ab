import assert from 'node:assert/strict';
import {
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type EvaluationContext,
  type EvaluationDetails,
  type FlagValue,
  type Hook,
  type Provider,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { FeatureEventHook, TrackingProvider } from '../../adapters/openfeature/index.js';
import { BatchProcessor, WebhookExporter, validateEvent, type ExportableEvent, type TrackingEvent } from '../../src/index.js';
import { FLAGS, MetadataInMemoryProvider, resetOpenFeature } from './support/flags.js';
import { startReceiver, type TestReceiver } from './support/receiver.js';

const SECRET = 'tracking-secret';

/** The in-memory provider with a `track` of its own, as GO Feature Flag's or LaunchDarkly's have. */
class TrackingInMemoryProvider extends MetadataInMemoryProvider {
  readonly tracked: Array<[string, EvaluationContext, TrackingEventDetails]> = [];
  track(name: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.tracked.push([name, context, details]);
  }
}

/** A sink that keeps what it gets. */
class ArraySink {
  readonly events: ExportableEvent[] = [];
  add(event: ExportableEvent): void {
    this.events.push(event);
  }
}

/** Unix seconds now. */
const now = () => Math.floor(Date.now() / 1000);

describe('TrackingProvider end to end: client.track() → BatchProcessor → WebhookExporter → receiver', () => {
  let receiver: TestReceiver;
  let processor: BatchProcessor;
  let inner: TrackingInMemoryProvider;

  beforeEach(async () => {
    await resetOpenFeature();
    receiver = await startReceiver(SECRET);
    processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.url, secret: SECRET, meta: { service: 'shop' } }));
    inner = new TrackingInMemoryProvider(FLAGS);
    OpenFeature.addHooks(new FeatureEventHook(processor));
    OpenFeature.setContext({ region: 'eu' });
    await OpenFeature.setProviderAndWait(new TrackingProvider(inner, processor));
  });

  afterEach(async () => {
    await resetOpenFeature();
    await processor.shutdown();
    await receiver.close();
  });

  it('delivers tracking events beside the feature events of the same client, in call order', async () => {
    const start = now();
    const client = OpenFeature.getClient();
    assert.equal(await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' }), true);
    client.track('checkout', { targetingKey: 'user-1', plan: 'pro', since: new Date('2024-01-02T03:04:05Z') }, { value: 99.5, currency: 'EUR' });
    client.track('page-view');
    client.track('banner-click', { targetingKey: 'visitor-9', anonymous: true }, { position: 3 });
    assert.equal(await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' }), false);

    assert.equal(processor.stats().pending, 5, 'track() only queues');
    await processor.forceFlush();
    const end = now();

    assert.equal(receiver.deliveries.length, 1, 'one signed batch');
    const events = receiver.events() as Array<Record<string, unknown>>;
    for (const event of events) {
      const creationDate = event.creationDate as number;
      assert.ok(Number.isInteger(creationDate) && creationDate >= start && creationDate <= end, `creationDate ${creationDate}`);
    }
    const times = events.map((e) => e.creationDate);
    const without = events.map(({ creationDate: _, ...rest }) => rest);
    assert.deepEqual(without, [
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'on', value: true, default: false, version: '7', source: 'SERVER', metadata: { provider: 'in-memory', reason: 'STATIC' } },
      // The SDK merges the global context into the one given to track(), as for evaluations.
      { kind: 'tracking', contextKind: 'user', userKey: 'user-1', key: 'checkout', evaluationContext: { plan: 'pro', region: 'eu', since: '2024-01-02T03:04:05.000Z', targetingKey: 'user-1' }, trackingEventDetails: { currency: 'EUR', value: 99.5 } },
      { kind: 'tracking', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'page-view', evaluationContext: { region: 'eu' }, trackingEventDetails: {} },
      { kind: 'tracking', contextKind: 'anonymousUser', userKey: 'visitor-9', key: 'banner-click', evaluationContext: { anonymous: true, region: 'eu', targetingKey: 'visitor-9' }, trackingEventDetails: { position: 3 } },
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'no-such-flag', variation: 'SdkDefault', value: false, default: true, version: '', source: 'SERVER', metadata: { provider: 'in-memory', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' } },
    ]);

    // The wire bytes of a tracking event are those of GO Feature Flag's Go struct
    // (exporter.TrackingEvent): its field order, map keys sorted, whole seconds.
    const body = receiver.bodies[0]!;
    assert.ok(
      body.includes(
        `{"kind":"tracking","contextKind":"user","userKey":"user-1","creationDate":${String(times[1])},"key":"checkout",` +
          `"evaluationContext":{"plan":"pro","region":"eu","since":"2024-01-02T03:04:05.000Z","targetingKey":"user-1"},` +
          `"trackingEventDetails":{"currency":"EUR","value":99.5}}`,
      ),
      body,
    );
    assert.ok(
      body.includes(`{"kind":"tracking","contextKind":"anonymousUser","userKey":"undefined-targetingKey","creationDate":${String(times[2])},"key":"page-view","evaluationContext":{"region":"eu"},"trackingEventDetails":{}}`),
      body,
    );
    assert.equal(processor.stats().delivered, 5);
    for (const [reason, count] of Object.entries(processor.stats().dropped)) assert.equal(count, 0, `dropped.${reason}`);
  });

  it("still calls the wrapped provider's own track with the same arguments", async () => {
    const client = OpenFeature.getClient();
    client.track('checkout', { targetingKey: 'user-1' }, { value: 10 });
    client.track('page-view');
    assert.deepEqual(inner.tracked, [
      ['checkout', { region: 'eu', targetingKey: 'user-1' }, { value: 10 }],
      ['page-view', { region: 'eu' }, {}],
    ]);
    assert.equal(Object.isFrozen(inner.tracked[0]![1]), true, "the SDK's own frozen context, passed on as it is");
    await processor.forceFlush();
    assert.deepEqual(
      receiver.events().map((e) => (e as TrackingEvent).key),
      ['checkout', 'page-view'],
    );
  });
});

describe('TrackingProvider forwards everything to the wrapped provider', () => {
  beforeEach(resetOpenFeature);
  afterEach(resetOpenFeature);

  it('resolves every flag type exactly as the wrapped provider does', async () => {
    await OpenFeature.setProviderAndWait('bare', new MetadataInMemoryProvider(FLAGS));
    await OpenFeature.setProviderAndWait('wrapped', new TrackingProvider(new MetadataInMemoryProvider(FLAGS), new ArraySink()));
    const evaluate = async (domain: string): Promise<Array<EvaluationDetails<FlagValue>>> => {
      const client = OpenFeature.getClient(domain);
      const ctx = { targetingKey: 'user-1' };
      return [
        await client.getBooleanDetails('new-checkout', false, ctx),
        await client.getStringDetails('banner-color', 'grey', ctx),
        await client.getNumberDetails('banner-color', 42, ctx),
        await client.getObjectDetails('limits', {}, ctx),
        await client.getBooleanDetails('old-feature', false, ctx),
        await client.getBooleanDetails('no-such-flag', false, ctx),
      ];
    };
    const bare = await evaluate('bare');
    assert.equal(bare[0]!.value, true);
    assert.equal(bare[2]!.errorCode, 'TYPE_MISMATCH');
    assert.deepEqual(await evaluate('wrapped'), bare);
  });

  it('names the wrapped provider, and runs its hooks', async () => {
    const stages: string[] = [];
    class HookedProvider extends InMemoryProvider {
      readonly hooks: Hook[] = [{ before: () => void stages.push('before'), finally: () => void stages.push('finally') }];
    }
    const wrapped = new TrackingProvider(new HookedProvider(FLAGS), new ArraySink());
    assert.deepEqual(wrapped.metadata, { name: 'in-memory' });
    await OpenFeature.setProviderAndWait(wrapped);
    assert.equal(OpenFeature.providerMetadata.name, 'in-memory');
    await OpenFeature.getClient().getBooleanValue('new-checkout', false);
    assert.deepEqual(stages, ['before', 'finally']);
  });

  it("passes the wrapped provider's events on to clients", async () => {
    const inner = new InMemoryProvider(FLAGS);
    await OpenFeature.setProviderAndWait(new TrackingProvider(inner, new ArraySink()));
    const changed: Array<{ providerName?: string; flagsChanged?: string[] }> = [];
    const client = OpenFeature.getClient();
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => void changed.push({ providerName: details?.providerName, flagsChanged: details?.flagsChanged }));
    await inner.putConfiguration({ ...FLAGS, 'new-checkout': { ...FLAGS['new-checkout']!, defaultVariant: 'off' } });
    assert.deepEqual(changed, [{ providerName: 'in-memory', flagsChanged: ['new-checkout'] }]);
    assert.equal(await client.getBooleanValue('new-checkout', true), false);
  });

  it('forwards initialize, onClose and onContextChange when the wrapped provider has them, with their arguments', async () => {
    const calls: unknown[][] = [];
    class LifecycleProvider extends InMemoryProvider {
      async initialize(context?: EvaluationContext): Promise<void> {
        calls.push(['initialize', context]);
      }
      async onClose(): Promise<void> {
        calls.push(['onClose']);
      }
      onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): void {
        calls.push(['onContextChange', oldContext, newContext]);
      }
    }
    const wrapped = new TrackingProvider(new LifecycleProvider(FLAGS), new ArraySink());
    OpenFeature.setContext({ region: 'eu' });
    await OpenFeature.setProviderAndWait(wrapped);
    assert.equal(OpenFeature.getClient().providerStatus, ProviderStatus.READY);
    wrapped.onContextChange!({ a: 1 }, { a: 2 });
    await OpenFeature.close();
    assert.deepEqual(calls, [['initialize', { region: 'eu' }], ['onContextChange', { a: 1 }, { a: 2 }], ['onClose']]);
  });

  it('has no lifecycle method the wrapped provider lacks, so the SDK treats both alike', async () => {
    const bare: Provider = {
      metadata: { name: 'bare' },
      runsOn: 'server',
      resolveBooleanEvaluation: async (_key, value) => ({ value, reason: 'DEFAULT' }),
      resolveStringEvaluation: async (_key, value) => ({ value }),
      resolveNumberEvaluation: async (_key, value) => ({ value }),
      resolveObjectEvaluation: async (_key, value) => ({ value }),
    };
    const wrapped = new TrackingProvider(bare, new ArraySink());
    for (const name of ['initialize', 'onClose', 'onContextChange', 'events', 'hooks']) {
      assert.equal((wrapped as unknown as Record<string, unknown>)[name], undefined, name);
    }
    assert.equal(wrapped.runsOn, 'server');
    // Without initialize the SDK marks the provider ready at once, without awaiting.
    OpenFeature.setProvider(wrapped);
    assert.equal(OpenFeature.getClient().providerStatus, ProviderStatus.READY);
    assert.equal(await OpenFeature.getClient().getBooleanValue('anything', true), true);
  });

  it('fails initialization as the wrapped provider does', async () => {
    class FailingProvider extends InMemoryProvider {
      async initialize(): Promise<void> {
        throw new Error('cannot reach the flag service');
      }
    }
    await assert.rejects(OpenFeature.setProviderAndWait(new TrackingProvider(new FailingProvider(FLAGS), new ArraySink())), /cannot reach the flag service/);
    assert.equal(OpenFeature.getClient().providerStatus, ProviderStatus.ERROR);
  });
});

describe('TrackingProvider safety and options', () => {
  beforeEach(resetOpenFeature);
  afterEach(resetOpenFeature);

  it('never throws into track() when the processor throws, and the wrapped track still runs', async () => {
    const inner = new TrackingInMemoryProvider(FLAGS);
    let adds = 0;
    const broken = {
      add(): void {
        adds++;
        throw new Error('processor is broken');
      },
    };
    await OpenFeature.setProviderAndWait(new TrackingProvider(inner, broken));
    // Called directly, as the SDK would swallow (and log) what reaches it.
    const wrapped = OpenFeature.getClient();
    assert.doesNotThrow(() => wrapped.track('checkout', { targetingKey: 'u' }));
    const provider = new TrackingProvider(inner, broken);
    assert.doesNotThrow(() => provider.track('direct', { targetingKey: 'u' }, {}));
    assert.equal(adds, 2);
    assert.deepEqual(
      inner.tracked.map(([name]) => name),
      ['checkout', 'direct'],
    );
  });

  it('records only the calls its filter accepts; a throwing filter records nothing and never throws', () => {
    const sink = new ArraySink();
    const inner = new TrackingInMemoryProvider(FLAGS);
    const seen: unknown[][] = [];
    const provider = new TrackingProvider(inner, sink, {
      filter(name, context, details) {
        seen.push([name, context, details]);
        if (name === 'boom') throw new Error('filter is broken');
        return name.startsWith('checkout');
      },
    });
    provider.track('checkout', { targetingKey: 'u' }, { value: 1 });
    provider.track('page-view', { targetingKey: 'u' }, {});
    assert.doesNotThrow(() => provider.track('boom', { targetingKey: 'u' }, {}));
    assert.deepEqual(seen, [
      ['checkout', { targetingKey: 'u' }, { value: 1 }],
      ['page-view', { targetingKey: 'u' }, {}],
      ['boom', { targetingKey: 'u' }, {}],
    ]);
    assert.deepEqual(
      sink.events.map((e) => e.key),
      ['checkout'],
    );
    assert.equal(inner.tracked.length, 3, 'the wrapped track runs whatever the filter says');
  });

  it('leaves undefined entries out, so the event stays valid, and keeps its own copy of the details', () => {
    const sink = new ArraySink();
    const provider = new TrackingProvider(new InMemoryProvider(FLAGS), sink);
    const details: Record<string, unknown> = { value: 5, coupon: undefined };
    provider.track('checkout', { targetingKey: 'u', email: undefined } as unknown as EvaluationContext, details as TrackingEventDetails);
    details.value = 6;
    const event = sink.events[0] as TrackingEvent;
    assert.equal(validateEvent(event), undefined);
    assert.deepEqual(event.evaluationContext, { targetingKey: 'u' });
    assert.deepEqual(event.trackingEventDetails, { value: 5 });
  });

  it('rejects what is not a provider, a processor without add, and a filter that is not a function', () => {
    const sink = new ArraySink();
    assert.throws(() => new TrackingProvider({ metadata: { name: 'x' } } as unknown as Provider, sink), { name: 'TypeError', message: /resolve\*Evaluation/ });
    assert.throws(() => new TrackingProvider(null as unknown as Provider, sink), { name: 'TypeError', message: /provider/ });
    assert.throws(() => new TrackingProvider(new InMemoryProvider(), {} as unknown as ArraySink), { name: 'TypeError', message: /add\(event\)/ });
    assert.throws(() => new TrackingProvider(new InMemoryProvider(), sink, { filter: true as unknown as () => boolean }), {
      name: 'TypeError',
      message: /options\.filter/,
    });
  });
});
