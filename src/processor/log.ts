import { diag } from '@opentelemetry/api';

/** The processor's diag messages, under the package's namespace. */
export const processorLog = diag.createComponentLogger({ namespace: 'ff-webhook-exporter' });

/**
 * Where `@opentelemetry/api` 1.x (1.9 and 1.10 alike) registers its globals;
 * `diag` is set there once the application calls `diag.setLogger`.
 */
const OTEL_API_GLOBALS = Symbol.for('opentelemetry.js.api.1');

function diagLoggerIsSet(): boolean {
  const globals = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[OTEL_API_GLOBALS];
  return globals?.diag !== undefined;
}

/**
 * Something the user must hear of without configuring anything (an outage
 * begins, events lost at shutdown): to diag, and, when nobody listens there,
 * once as a Node process warning, as Node's own deprecations reach users.
 */
export function alert(message: string): void {
  processorLog.warn(message);
  if (!diagLoggerIsSet()) process.emitWarning(message, { type: 'FFWebhookExporterWarning', code: 'FF_WEBHOOK_EXPORTER' });
}
