export {
  FeatureEventHook,
  SDK_DEFAULT_VARIATION,
  UNDEFINED_TARGETING_KEY,
  type FeatureEventHookOptions,
  type FeatureEventSink,
} from './feature-event-hook.js';
