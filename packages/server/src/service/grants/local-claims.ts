/**
 * "First one wins" markers kept in this process, for the in-process store only: there, codes, refresh
 * tokens and device codes exist in this process alone (the in-process store is single-node, see the
 * README), so no other node can redeem them, and a synchronous check-and-set is atomic (one JavaScript
 * thread, no await between the check and the set). It replaces a database insert per code and per
 * rotation. With Redis every node sees the artefacts, so the claim stays a database row (user-tokens.ts).
 */
export class LocalClaims {
  /** id → expiry (ms since the epoch). */
  readonly #claims = new Map<string, number>();
  /** Expired markers are swept when the map reaches this size, which then doubles: amortised O(1). */
  #sweepAt = 1024;

  /** True for the first caller with this id until `expiresAtSecs`, false for everyone else. */
  claim(id: string, expiresAtSecs: number, nowMs = Date.now()): boolean {
    const held = this.#claims.get(id);
    if (held !== undefined && held > nowMs) return false;
    this.#claims.set(id, expiresAtSecs * 1000);
    if (this.#claims.size >= this.#sweepAt) this.#sweep(nowMs);
    return true;
  }

  get size(): number {
    return this.#claims.size;
  }

  #sweep(nowMs: number): void {
    for (const [id, expires] of this.#claims) if (expires <= nowMs) this.#claims.delete(id);
    this.#sweepAt = Math.max(1024, this.#claims.size * 2);
  }
}
