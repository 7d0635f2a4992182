import type { Exchange } from './exchanges.js';
import type { Tally } from './workload.js';

/**
 * What must hold whatever fails underneath, checked on the run's log: each violation is one line naming
 * the request, the answer and when (milliseconds since the start), so that a failure says what to look at.
 */

const describe = (e: Exchange) =>
  `${e.method} ${e.path} at ${e.at} ms (node ${e.node ?? '?'}, ${e.ms} ms): ` +
  (e.failure ? `no answer (${e.failure})` : `${e.status}${e.error ? ` ${e.error}` : ''}`) +
  (e.retryAfter ? ` Retry-After ${e.retryAfter}` : '');

/** A server's 5xx is only ever `503 temporarily_unavailable` with `Retry-After`, which clients retry. */
export function unexpectedServerErrors(exchanges: Exchange[]): string[] {
  return exchanges
    .filter((e) => e.status >= 500 && e.balancer === undefined)
    .filter((e) => !(e.status === 503 && e.error === 'temporarily_unavailable' && e.retryAfter !== undefined))
    .map(describe);
}

/** No request goes unanswered past the client's timeout. */
export function hangs(exchanges: Exchange[]): string[] {
  return exchanges.filter((e) => e.failure === 'timeout').map(describe);
}

/** A code is redeemed at most once, a refresh token rotated at most once (RFC 9700 §2.1.1, §4.14.2). */
export function doubleSpends(tally: Tally): string[] {
  const over = (what: string, successes: Map<string, number>) =>
    [...successes]
      .filter(([, n]) => n > 1)
      .map(([key, n]) => `${what} ${key.slice(0, 12)}… succeeded ${n} times`);
  return [...over('code', tally.codeSuccesses), ...over('refresh token', tally.refreshSuccesses)];
}

/**
 * A client that did nothing wrong keeps its grant: a refresh token it holds and never sent before is not
 * refused, and an access token issued a moment ago introspects as active.
 */
export function wronglyRefused(tally: Tally): string[] {
  return [
    ...tally.refusedFresh.map((r) => `refresh token sent for the first time: ${r.what}`),
    ...tally.inactiveFresh.map((r) => `access token issued at ${r.at} ms: ${r.what}`),
  ];
}

/**
 * The 503s sent while no fault was under way (`windows`: from/to in ms since the start, each stretched by
 * `graceMs` for reconnecting): allowed, but worth a look, so the report lists them.
 */
export function unavailableOutsideFaults(
  exchanges: Exchange[],
  windows: [number, number][],
  graceMs: number,
) {
  return exchanges
    .filter((e) => e.status === 503 && e.balancer === undefined)
    .filter((e) => !windows.some(([from, to]) => e.at + e.ms >= from && e.at <= to + graceMs))
    .map(describe);
}

/** Counts per request and answer, for the report printed after the run. */
export function summary(exchanges: Exchange[]): string {
  const counts = new Map<string, number>();
  for (const e of exchanges) {
    const answer = e.failure
      ? `no answer (${e.failure})`
      : `${e.status}${e.balancer ? ` balancer ${e.balancer}` : ''}`;
    const key = `${e.method} ${e.path} → ${answer}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const slowest = exchanges.reduce((max, e) => Math.max(max, e.ms), 0);
  return [
    ...[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    `  slowest answer: ${slowest} ms`,
  ].join('\n');
}
