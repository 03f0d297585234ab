export {
  trackConfigCatEvaluations,
  type ConfigCatEvaluationDetails,
  type ConfigCatEvaluationOptions,
  type ConfigCatHookSource,
  type ConfigCatUser,
} from './configcat-evaluations.js';
export type { AdapterOptions, FeatureEventSink } from '../shared/adapter-options.js';
