export {
  growthBookCallbacks,
  type GrowthBookCallbackOptions,
  type GrowthBookCallbacks,
  type GrowthBookExperiment,
  type GrowthBookExperimentResult,
  type GrowthBookFeatureResult,
  type GrowthBookUser,
} from './growthbook-callbacks.js';
export type { AdapterOptions, EventSink } from '../shared/adapter-options.js';
