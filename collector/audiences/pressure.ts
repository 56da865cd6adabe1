// Back-pressure for populate: once a person's evaluation fails, the isolate stops opening person
// objects for a while, then tries again. On local workerd the failure is SQLITE_NOMEM: every object
// open in the process shares one 512 MiB SQLite heap and an idle object stays open ~10 s, so a
// populate opening ~200 objects a second exhausts it (docs/audiences.md, Performance); pressing on
// makes every object in the process fail, then the runtime exits. Pausing lets the open objects
// close. On Cloudflare the same pause answers an overloaded or resetting object.
export interface Pressure {
  /** Resolves once no pause is in force (at once when none is). */
  clear(): Promise<void>;
  /** A failure was seen: pause for `pauseMs` from now (a later failure extends it); whether a new pause began. */
  trip(): boolean;
  /** Pauses begun so far (for tests and logs). */
  readonly trips: number;
}

export function pressure(
  pauseMs: number,
  clock: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Pressure {
  let until = 0;
  let trips = 0;
  return {
    async clear() {
      for (let left = until - clock(); left > 0; left = until - clock()) await sleep(left);
    },
    trip() {
      const now = clock();
      const began = until <= now;
      if (began) trips++;
      until = Math.max(until, now + pauseMs);
      return began;
    },
    get trips() {
      return trips;
    },
  };
}
