// The people index is sharded by the first hex digit of the person's object key: 16 shards, so the
// list, search and audience populate never hang on one object. Keys are HMACs, so shards are even.
export const DIRECTORY_SHARDS = 16;

export function shardOf(personKey: string): number {
  return parseInt(personKey[0]!, 16) % DIRECTORY_SHARDS;
}
