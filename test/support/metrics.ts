import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

/** A real SDK MeterProvider whose metrics are read back on demand through an in-memory exporter. */
export class MetricsHarness {
  readonly exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: collections happen only when a test asks.
  readonly reader = new PeriodicExportingMetricReader({ exporter: this.exporter, exportIntervalMillis: 3_600_000 });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  /** Collects now and returns the latest value of every metric, by name. */
  async collect(): Promise<Map<string, MetricData>> {
    this.exporter.reset();
    await this.reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of this.exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }

  /** The sum (or gauge) values of one metric, keyed by one attribute's value ('' when absent). */
  static values(metric: MetricData | undefined, key?: string): Record<string, number> {
    const out: Record<string, number> = {};
    if (metric === undefined || metric.dataPointType === DataPointType.HISTOGRAM || metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) return out;
    for (const point of metric.dataPoints) out[key === undefined ? '' : String(point.attributes[key] ?? '')] = point.value as number;
    return out;
  }

  shutdown(): Promise<void> {
    return this.meterProvider.shutdown();
  }
}
