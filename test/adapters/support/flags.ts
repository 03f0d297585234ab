import {
  InMemoryProvider,
  OpenFeature,
  type EvaluationContext,
  type InMemoryFlagConfiguration,
  type JsonValue,
  type Logger,
  type ResolutionDetails,
} from '@openfeature/server-sdk';

/** The flags every adapter test evaluates. */
export const FLAGS: InMemoryFlagConfiguration = {
  'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
  'banner-color': { variants: { red: '#ff0000', blue: '#0000ff' }, defaultVariant: 'blue', disabled: false },
  limits: { variants: { small: { max: 5, tiers: ['a', 'b'] }, big: { max: 50, tiers: [] } }, defaultVariant: 'small', disabled: false },
  'old-feature': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: true },
};

/** Flag metadata our provider adds, as real providers (GO Feature Flag, flagd) do. */
export const FLAG_METADATA = { version: 7, flagSetId: 'shop' } as const;

/** The in-memory provider with flag metadata on every successful resolution. */
export class MetadataInMemoryProvider extends InMemoryProvider {
  override async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<boolean>> {
    return { ...(await super.resolveBooleanEvaluation(flagKey, defaultValue, context, logger)), flagMetadata: FLAG_METADATA };
  }
  override async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<string>> {
    return { ...(await super.resolveStringEvaluation(flagKey, defaultValue, context, logger)), flagMetadata: FLAG_METADATA };
  }
  override async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<number>> {
    return { ...(await super.resolveNumberEvaluation(flagKey, defaultValue, context, logger)), flagMetadata: FLAG_METADATA };
  }
  override async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<T>> {
    return { ...(await super.resolveObjectEvaluation(flagKey, defaultValue, context, logger)), flagMetadata: FLAG_METADATA };
  }
}

/** Puts OpenFeature back as it was: no hooks, no providers, no context. */
export async function resetOpenFeature(): Promise<void> {
  OpenFeature.clearHooks();
  OpenFeature.setContext({});
  await OpenFeature.clearProviders();
}
