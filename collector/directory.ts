import type { Env } from './env';

// The people index is sharded by the first hex digit of the person's object key: 16 shards, so the
// list, search and audience populate never hang on one object. Keys are HMACs, so shards are even.
export const DIRECTORY_SHARDS = 16;

export function shardOf(personKey: string): number {
  return parseInt(personKey[0]!, 16) % DIRECTORY_SHARDS;
}

export function directoryShard(env: Env, shard: number) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(`directory:${shard}`));
}

export function directoryFor(env: Env, personKey: string) {
  return directoryShard(env, shardOf(personKey));
}
