export {
  FeatureEventHook,
  METADATA_ERROR_CODE,
  SDK_DEFAULT_VARIATION,
  UNDEFINED_TARGETING_KEY,
  type FeatureEventFilter,
  type FeatureEventHookOptions,
  type FeatureEventSink,
} from './feature-event-hook.js';
export { TrackingProvider, type TrackingEventSink, type TrackingProviderOptions } from './tracking-provider.js';
