import type { Client, EvaluationContext, InMemoryFlagConfiguration } from '@openfeature/server-sdk';

/** The demo's flags: every kind of value, a targeted rollout, a disabled flag. */
export const DEMO_FLAGS: InMemoryFlagConfiguration = {
  'new-checkout': {
    variants: { on: true, off: false },
    defaultVariant: 'off',
    disabled: false,
    contextEvaluator: (context) => (bucket(context.targetingKey) < 30 ? 'on' : 'off'), // a 30 % rollout
  },
  'banner-color': {
    variants: { red: 'red', green: 'green', blue: 'blue' },
    defaultVariant: 'blue',
    disabled: false,
    contextEvaluator: (context) => (context.plan === 'enterprise' ? 'green' : bucket(context.targetingKey) < 50 ? 'red' : 'blue'),
  },
  'items-per-page': {
    variants: { small: 10, medium: 25, large: 50 },
    defaultVariant: 'medium',
    disabled: false,
  },
  pricing: {
    variants: { standard: { currency: 'EUR', discount: 0 }, promo: { currency: 'EUR', discount: 15 } },
    defaultVariant: 'standard',
    disabled: false,
    contextEvaluator: (context) => (context.plan === 'free' ? 'promo' : 'standard'),
  },
  'legacy-search': {
    variants: { on: true, off: false },
    defaultVariant: 'on',
    disabled: true, // evaluates to the caller's default, reason DISABLED
  },
};

const PLANS = ['free', 'pro', 'enterprise'];

/** The context of simulated evaluation `i`: 1,000 users, every tenth evaluation anonymous. */
export function demoContext(i: number): EvaluationContext {
  return i % 10 === 9 ? { anonymous: true } : { targetingKey: `user-${i % 1000}`, plan: PLANS[i % PLANS.length] };
}

/** Simulated evaluation `i`, cycling through the flags; one in fifty asks for a flag that does not exist. */
export async function evaluateDemoFlag(client: Client, i: number): Promise<void> {
  const context = demoContext(i);
  if (i % 50 === 49) {
    await client.getBooleanValue('flag-that-does-not-exist', false, context); // FLAG_NOT_FOUND: default: true
    return;
  }
  switch (i % 5) {
    case 0:
      await client.getBooleanValue('new-checkout', false, context);
      return;
    case 1:
      await client.getStringValue('banner-color', 'grey', context);
      return;
    case 2:
      await client.getNumberValue('items-per-page', 20, context);
      return;
    case 3:
      await client.getObjectValue('pricing', { currency: 'EUR', discount: 0 }, context);
      return;
    default:
      await client.getBooleanValue('legacy-search', false, context);
  }
}

/** A stable 0–99 bucket for a targeting key, so a user always gets the same variant. */
function bucket(key: unknown): number {
  const text = typeof key === 'string' ? key : '';
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash % 100;
}
