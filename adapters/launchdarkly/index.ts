export {
  LaunchDarklyEventHook,
  type LaunchDarklyContext,
  type LaunchDarklyContextPart,
  type LaunchDarklyEvaluationDetail,
  type LaunchDarklyEvaluationSeriesContext,
  type LaunchDarklyEvaluationSeriesData,
  type LaunchDarklyEventHookOptions,
} from './launchdarkly-event-hook.js';
export type { AdapterOptions, FeatureEventSink } from '../shared/adapter-options.js';
