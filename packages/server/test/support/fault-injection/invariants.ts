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

/**
 * A code is redeemed at most once (RFC 6749 §4.1.2); a refresh token is rotated to at most one successor
 * (RFC 9700 §4.14.2): two different successors would be two live branches of one grant.
 */
export function doubleSpends(tally: Tally): string[] {
  const codes = [...tally.codeSuccesses]
    .filter(([, issued]) => issued.length > 1)
    .map(([code, issued]) => `code ${code.slice(0, 12)}… redeemed ${issued.length} times`);
  const tokens = [...tally.refreshSuccesses]
    .filter(([, successors]) => new Set(successors).size > 1)
    .map(
      ([token, successors]) =>
        `refresh token ${token.slice(0, 12)}… rotated to ${new Set(successors).size} successors`,
    );
  return [...codes, ...tokens];
}

/** Refresh tokens answered 200 more than once with the same successor (a retry given the lost answer again). */
export const successorsHandedOutAgain = (tally: Tally) =>
  [...tally.refreshSuccesses.values()].filter((successors) => successors.length > 1).length;

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
