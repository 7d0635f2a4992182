import type { Meter, Tracer } from '@opentelemetry/api';

export interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
  ended: boolean;
}

/** A tracer and meter that record every span attribute and metric point, for assertions. */
export function recorder() {
  const spans: RecordedSpan[] = [];
  const points: { name: string; value: number; attrs: Record<string, unknown> }[] = [];
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
    addCallback: () => {},
    removeCallback: () => {},
  });
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createUpDownCounter: instrument,
    createObservableGauge: instrument,
  } as unknown as Meter;
  return { tracer, meter, spans, points };
}
