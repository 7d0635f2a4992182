import type { Metric, Registry } from 'prom-client';

/** Upper bounds (seconds) of the request-duration histogram's buckets. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

type Labels = { method: string; route: string; status: string };

/** One (method, route, status) series: the request count, the sum of durations, and a count per bucket. */
interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** Non-cumulative: `perBucket[i]` counts durations in (bound[i-1], bound[i]]; above the last bound: none. */
  perBucket: Float64Array;
}

/** A value as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * `gatehouse_http_requests_total` (counter) and `gatehouse_http_request_duration_seconds` (histogram) by
 * method, route and status, recorded on every response.
 *
 * Why not prom-client's Counter and Histogram: their labelled children still validate and hash the label set
 * on every `inc()` / `observe()`, which measured 8–12 % of the introspection endpoint's throughput (with
 * bench/server/token-and-introspection.bench.mjs). Here a response costs one Map lookup and three additions,
 * and the registry builds the exposition from these totals at scrape time, through the `get()` every
 * prom-client metric offers (the same samples, names and label order prom-client's own Counter and Histogram
 * produce). The series are bounded:
 * routes are a fixed set (`unmatched` for the rest) and Node's HTTP parser admits only known methods.
 */
export class HttpRequestMetrics {
  readonly #series = new Map<string, Series>();

  /** Counts one response and its duration in seconds. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        perBucket: new Float64Array(DURATION_BUCKETS.length),
      };
      this.#series.set(key, series);
    }
    series.count += 1;
    series.sum += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) {
        series.perBucket[i]! += 1;
        break;
      }
    }
  }

  /** Adds both metrics to `registry`. */
  register(registry: Registry): void {
    const requests = 'gatehouse_http_requests_total';
    const duration = 'gatehouse_http_request_duration_seconds';
    registry.registerMetric(
      this.#metric(requests, 'HTTP requests', 'counter', () =>
        [...this.#series.values()].map((s) => ({ labels: { ...s.labels }, value: s.count })),
      ),
    );
    registry.registerMetric(
      this.#metric(duration, 'HTTP request duration', 'histogram', () =>
        [...this.#series.values()].flatMap((s) => histogramSamples(duration, s)),
      ),
    );
  }

  /**
   * A metric object as prom-client's registry uses one (name, help, type, aggregator for cluster mode,
   * `get()`, `reset()`); its TypeScript types name only its own classes, hence the cast.
   */
  #metric(name: string, help: string, type: 'counter' | 'histogram', values: () => Sample[]): Metric {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      // Both metrics read the same series: resetting one (registry.resetMetrics resets all) resets both.
      reset: () => this.#series.clear(),
    };
    return metric as unknown as Metric;
  }
}

/** `_bucket` (cumulative, `le` first as prom-client writes it, then `+Inf`), `_sum` and `_count`. */
function histogramSamples(name: string, s: Series): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  DURATION_BUCKETS.forEach((bound, i) => {
    cumulative += s.perBucket[i]!;
    samples.push({ labels: { le: bound, ...s.labels }, value: cumulative, metricName: `${name}_bucket` });
  });
  samples.push(
    { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket` },
    { labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` },
    { labels: { ...s.labels }, value: s.count, metricName: `${name}_count` },
  );
  return samples;
}
