export {
  trackUnleashImpressions,
  type UnleashContext,
  type UnleashEventSource,
  type UnleashImpressionEvent,
  type UnleashImpressionOptions,
} from './unleash-impressions.js';
export type { AdapterOptions, FeatureEventSink } from '../shared/adapter-options.js';
