/**
 * Batches work by event-loop turn. Items added while the loop runs its I/O callbacks (the poll phase, where
 * requests, database replies and worker messages arrive) are handed to `flush` together once that phase is
 * over: one `setImmediate` per turn, however many items. With a single item the delay is the rest of the
 * current turn, i.e. nothing is ever held back waiting for more work. With `maxItems`, a batch that reaches
 * that size is flushed at once and the turn's next items start a new one.
 */
export function batchedPerTurn<T>(flush: (items: T[]) => void, maxItems = Infinity): (item: T) => void {
  let pending: T[] | undefined;
  const run = () => {
    const items = pending ?? [];
    pending = undefined;
    // Empty when the turn's last item filled a batch that was flushed at once.
    if (items.length > 0) flush(items);
  };
  return (item) => {
    if (pending === undefined) {
      pending = [];
      setImmediate(run);
    }
    if (pending.push(item) >= maxItems) {
      const items = pending;
      pending = [];
      flush(items);
    }
  };
}
