// A call that never answers fails instead of holding its caller forever. Populate waits on one
// PersonObject per person; locally an object caught in an SQLITE_NOMEM storm was seen never to
// answer, which held the consumer invocation open and, with it, every later queue batch.
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
