/**
 * Calls `handler` on SIGINT or SIGTERM until the returned function is called.
 * Installing a listener replaces Node's default "exit at once", so the command
 * can close its server and files first; a second signal is passed on as well,
 * so the handler can decide to hurry.
 */
export function onTerminate(handler: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals): void => handler(signal);
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
