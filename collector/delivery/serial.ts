// One task at a time, in call order. The DestinationObject runs its flushes and test sends through
// one: an alarm and an RPC flush can interleave while a request is in flight, and two token refreshes
// racing with one rotating refresh token (LinkedIn, Microsoft) would leave the loser with a revoked
// token and its rows failed.

/** Returns a runner: each task starts after the previous one settled; a failed task does not block the next. */
export function serialExecutor(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return function run<T>(task: () => Promise<T>): Promise<T> {
    const result = tail.then(() => task());
    tail = result.catch(() => undefined);
    return result;
  };
}
