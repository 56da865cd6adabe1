// Everyone known, in shards, for populate. The design reads the DirectoryObject shards (one row per
// person); until the directory lands, PersonObjects register themselves in a stand-in list in the
// ConfigObject (`audience_known_people`), sharded the same way: by the first hex digit of the key.
import type { Env } from '../env';
import { configObject } from '../objects/config';

export const PEOPLE_SHARDS = 16;

export function shardOf(personKey: string): number {
  const n = parseInt(personKey.slice(0, 1), 16);
  return Number.isNaN(n) ? 0 : n % PEOPLE_SHARDS;
}

export interface PeoplePage {
  keys: string[];
  /** Where the next page starts, or null at the end of the shard. */
  next: string | null;
}

/** One page of person keys of a shard after `cursor` ('' = from the start). */
export async function listPeopleKeys(env: Env, shard: number, cursor: string, limit: number): Promise<PeoplePage> {
  const keys = await configObject(env).listKnownPeople(shard, cursor, limit);
  return { keys, next: keys.length === limit ? keys[keys.length - 1]! : null };
}

export async function countPeople(env: Env): Promise<number> {
  return configObject(env).countKnownPeople();
}

/** Makes a person visible to populate; called once per person (the directory will replace this). */
export async function registerPerson(env: Env, personKey: string, now: number): Promise<void> {
  await configObject(env).registerKnownPerson(shardOf(personKey), personKey, now);
}
