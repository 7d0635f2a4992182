import { isIPv6 } from 'node:net';
import { OAuthError } from '../../error/index.js';
import { type Store, storeKeys, type WritePriority } from '../../infra/store/index.js';

/** Device authorization requests one address (an IPv6 /64) may start per window. */
export const DEVICE_REQUESTS_PER_ADDRESS = 20;
/** Device authorization requests one client may start per window, from every address together. */
export const DEVICE_REQUESTS_PER_CLIENT = 1_000;

export interface DeviceRequestCapsOptions {
  /** The window: the device code's lifetime, so a cap bounds how many requests can be pending at once. */
  windowSecs: number;
  perAddress?: number;
  perClient?: number;
}

/**
 * The client's address as counted: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its /64
 * — one site's allocation, in which an attacker could otherwise pick a fresh address for every request (the
 * per-address rate limit groups the same way).
 */
export function addressGroup(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1] !== undefined) return mapped[1];
  const [head = '', tail] = ip.split('::');
  const groups = head === '' ? [] : head.split(':');
  // `::` stands for enough zero groups to make eight; only the first four matter.
  if (tail !== undefined) groups.push('0', '0', '0', '0');
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Caps on device authorization requests (RFC 8628 §3.1), which a public client's device sends without
 * proving anything: each one writes a pending request and its user code to the store for the device code's
 * lifetime. Per address (a device needs one at a time, a household a few) and per client (bounding what all
 * addresses together can make the store hold for one client). Fixed windows of the device code's lifetime,
 * counted in the store so every node sees them; the address is counted first, and an address over its cap
 * touches no per-client counter, so one address cannot use up a client's allowance.
 *
 * RFC 8628 §3.2 defines no error for this at the device authorization endpoint (`slow_down` is a token
 * endpoint answer to polling): the answer is that of the rate limits, `429` with `temporarily_unavailable`
 * and `Retry-After` (the end of the window).
 */
export class DeviceRequestCaps {
  readonly #perAddress: number;
  readonly #perClient: number;

  constructor(
    private readonly store: Store,
    private readonly opts: DeviceRequestCapsOptions,
  ) {
    this.#perAddress = opts.perAddress ?? DEVICE_REQUESTS_PER_ADDRESS;
    this.#perClient = opts.perClient ?? DEVICE_REQUESTS_PER_CLIENT;
  }

  /** Counts a request of `clientId` from `ip`; throws the 429 when either is over its cap. */
  async take(clientId: string, ip: string): Promise<void> {
    const windowMs = this.opts.windowSecs * 1000;
    const window = Math.floor(Date.now() / windowMs);
    // The counters expire with their window (and the key names the window, so a late expiry changes nothing).
    const ttlSecs = Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    const over = async (key: string, cap: number, priority: WritePriority) =>
      (await this.store.increment(key, 1, ttlSecs, { priority })) > cap;
    // One counter per address: as many as a flood has addresses, so `cheap` (the in-process store may drop
    // it, the address then starts afresh: the client's cap still holds). One per client: `protected`.
    const address = storeKeys.deviceRequestsFromAddress(addressGroup(ip), window);
    if (await over(address, this.#perAddress, 'cheap'))
      throw tooManyDeviceRequests('from this address', ttlSecs);
    if (await over(storeKeys.deviceRequestsOfClient(clientId, window), this.#perClient, 'protected'))
      throw tooManyDeviceRequests('for this client', ttlSecs);
  }
}

function tooManyDeviceRequests(which: string, retryAfterSecs: number): OAuthError {
  return new OAuthError(
    'temporarily_unavailable',
    `too many device authorization requests ${which}, retry later`,
    429,
    { 'retry-after': String(retryAfterSecs) },
  );
}
