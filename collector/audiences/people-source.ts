// Everyone known, in shards, for populate: the DirectoryObject shards (one row per person, keyed by
// the person's object key, sharded by its first hex digit). Rows arrive through each person's
// outbox alarm, so a person identified a moment ago may appear a moment later.
import type { Env } from '../env';
import { DIRECTORY_SHARDS } from '../directory';
import { directoryShard } from '../objects/doors';

export const PEOPLE_SHARDS = DIRECTORY_SHARDS;

export interface PeoplePage {
  keys: string[];
  /** Where the next page starts, or null at the end of the shard. */
  next: string | null;
}

/** One page of person keys of a shard after `cursor` ('' = from the start). */
export async function listPeopleKeys(env: Env, shard: number, cursor: string, limit: number): Promise<PeoplePage> {
  const keys = await directoryShard(env, shard).listKeys(cursor, limit);
  return { keys, next: keys.length === limit ? keys[keys.length - 1]! : null };
}

export async function countPeople(env: Env): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: PEOPLE_SHARDS }, (_, shard) => directoryShard(env, shard).count()),
  );
  return counts.reduce((a, b) => a + b, 0);
}
