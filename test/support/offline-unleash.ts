import { once } from 'node:events';
import { InMemStorageProvider, Unleash, type UnleashConfig } from 'unleash-client';

type Toggles = NonNullable<UnleashConfig['bootstrap']>['data'];

/** The real Unleash client, offline: bootstrapped from memory, no polling, no metrics, nothing written to disk. */
export async function offlineUnleash(appName: string, toggles: Toggles): Promise<Unleash> {
  const unleash = new Unleash({
    appName,
    url: 'http://127.0.0.1:1/api/', // never called: refreshInterval 0 disables fetching
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
    bootstrap: { data: toggles },
  });
  await once(unleash, 'ready');
  return unleash;
}
