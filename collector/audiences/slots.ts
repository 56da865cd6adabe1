// A counting semaphore: at most `n` calls of `run` in flight at once, the rest wait their turn in order.
export type Slots = <T>(fn: () => Promise<T>) => Promise<T>;

export function slots(n: number): Slots {
  let free = n;
  const waiting: (() => void)[] = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
