import type { Meter, ObservableCallback, ObservableResult, Tracer } from '@opentelemetry/api';

export interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
  ended: boolean;
}

/** One value recorded on an instrument, or observed by a gauge. */
export interface RecordedPoint {
  name: string;
  value: number;
  attrs: Record<string, unknown>;
}

/**
 * A tracer and meter that record every span attribute and metric point, for assertions. Observable
 * gauges are read on demand with `observe(name)`.
 */
export function recorder() {
  const spans: RecordedSpan[] = [];
  const points: RecordedPoint[] = [];
  const gauges = new Map<string, ObservableCallback[]>();
  const tracer = {
    startActiveSpan(name: string, _opts: unknown, fn: (span: unknown) => unknown) {
      const rec: RecordedSpan = { name, attributes: {}, ended: false };
      spans.push(rec);
      return fn({
        setAttributes: (a: Record<string, unknown>) => Object.assign(rec.attributes, a),
        setAttribute: (k: string, v: unknown) => {
          rec.attributes[k] = v;
        },
        setStatus: (s: { code: number; message?: string }) => {
          rec.status = s;
        },
        recordException: () => {},
        end: () => {
          rec.ended = true;
        },
      });
    },
  } as unknown as Tracer;
  const instrument = (name: string) => ({
    add: (value: number, attrs: Record<string, unknown> = {}) => points.push({ name, value, attrs }),
    record: (value: number, attrs: Record<string, unknown> = {}) => points.push({ name, value, attrs }),
    addCallback: (cb: ObservableCallback) => gauges.set(name, [...(gauges.get(name) ?? []), cb]),
    removeCallback: () => {},
  });
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createUpDownCounter: instrument,
    createObservableGauge: instrument,
  } as unknown as Meter;
  /** Runs the callbacks of the gauge `name` and returns what they observed. */
  const observe = async (name: string): Promise<Omit<RecordedPoint, 'name'>[]> => {
    const seen: Omit<RecordedPoint, 'name'>[] = [];
    const result = {
      observe: (value: number, attrs: Record<string, unknown> = {}) => seen.push({ value, attrs }),
    } as unknown as ObservableResult;
    for (const cb of gauges.get(name) ?? []) await cb(result);
    return seen;
  };
  return { tracer, meter, spans, points, observe };
}
