import { type Store, storeKeys } from '../infra/store/index.js';
import { nowSecs } from './clock.js';

/*
 * "First one wins" for single-use artefacts: authorization codes, refresh-token rotations, device-code
 * decisions and redemptions, private_key_jwt `jti`s (RFC 7523 §3 item 7). The marker lives in the store, next
 * to the artefact it guards (Redis with several nodes: `SET NX` is atomic on the primary), until the
 * artefact would be refused anyway.
 */

const claimKey = storeKeys.claim;

/**
 * True for exactly one caller per (kind, id) on every node sharing the store, until `expiresAt` (seconds).
 * `claimant` is the marker's value, for a caller that must tell later who made the claim.
 */
export function claimOnce(
  store: Store,
  kind: string,
  id: string,
  expiresAt: number,
  claimant = '1',
): Promise<boolean> {
  // `keep`: a claim that vanished early would let the artefact be used a second time.
  return store.setIfAbsent(claimKey(kind, id), claimant, expiresAt - nowSecs(), { priority: 'keep' });
}

/** Whether {@link claimOnce} already succeeded for this id (and the marker has not expired). */
export async function wasClaimed(store: Store, kind: string, id: string): Promise<boolean> {
  return (await store.get(claimKey(kind, id))) !== undefined;
}
