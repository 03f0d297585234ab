// OpenFeature hot path, ns per evaluation (config.mode):
//   'nohook'  – InMemoryProvider evaluation with no hook;
//   'hook'    – the same with FeatureEventHook (processor with an instant exporter);
//   'noop'    – the same with a hook whose only stage, finally, does nothing: what
//               the SDK's hook machinery costs by itself, whatever the hook does;
//   'finally' – the hook's own stages called directly with a real evaluation's
//               hook context and details: what the hook adds, without the SDK.
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { config, loadCore, loadOpenFeatureAdapter, runScenario, sinkExporter, yieldToLoop } from '../child.mjs';
import { FLAG_KEYS, inMemoryFlags, userKey } from '../events.mjs';

const SLICE = 1_000;

await OpenFeature.setProviderAndWait(new InMemoryProvider(inMemoryFlags()));
const client = OpenFeature.getClient('bench');

let processor;
let hook;
if (config.mode === 'hook' || config.mode === 'finally') {
  const { BatchProcessor } = await loadCore();
  const { FeatureEventHook } = await loadOpenFeatureAdapter();
  processor = new BatchProcessor(sinkExporter(), { flushInterval: 60_000, maxEventInMemory: 10_000, maxBufferedEvents: 40_000, maxBatchSize: 10_000, exportTimeout: 30_000 });
  hook = new FeatureEventHook(processor);
}
if (config.mode === 'hook') client.addHooks(hook);
if (config.mode === 'noop') client.addHooks({ finally() {} });

async function timeEvaluations(count) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    await client.getBooleanValue(FLAG_KEYS[i % FLAG_KEYS.length], false, { targetingKey: userKey(i) });
  }
  return Number(process.hrtime.bigint() - t0);
}

/** The hook context and details the SDK hands to a hook's finally stage. */
async function captureStageArguments() {
  let captured;
  const capture = { finally: (hookContext, details, hints) => (captured = { hookContext, details, hints }) };
  await client.getBooleanValue(FLAG_KEYS[0], false, { targetingKey: userKey(0) }, { hooks: [capture] });
  return captured;
}

/** ns spent in the hook's stages, called as the SDK calls them, `count` times. */
async function timeHookStages(args, count) {
  const { hookContext, details, hints } = args;
  let ns = 0n;
  for (let done = 0; done < count; done += SLICE) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < SLICE; j++) {
      hook.before?.(hookContext, hints);
      hook.after?.(hookContext, details, hints);
      hook.finally(hookContext, details, hints);
    }
    ns += process.hrtime.bigint() - t0;
    // Let the processor flush to its instant exporter between slices.
    await yieldToLoop();
  }
  return Number(ns);
}

runScenario(async () => {
  let count = Math.max(SLICE, Math.ceil(config.evaluations / SLICE) * SLICE);
  let ns;
  if (config.mode === 'finally') {
    // The stages alone are ~100× cheaper than an evaluation: time 10× as many.
    count *= 10;
    const args = await captureStageArguments();
    await timeHookStages(args, Math.round(count / 5));
    ns = await timeHookStages(args, count);
  } else {
    await timeEvaluations(Math.round(count / 5));
    ns = await timeEvaluations(count);
  }
  const stats = processor?.stats();
  await processor?.shutdown();
  await OpenFeature.close();
  const stages = hook ? ['before', 'after', 'error', 'finally'].filter((s) => typeof hook[s] === 'function') : [];
  return { nsPerEvaluation: ns / count, evaluations: count, stages, stats };
});
