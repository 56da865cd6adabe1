import type { Env } from './env';
import { DIRECTORY_SHARDS } from './directory';
import { directoryShard } from './objects/doors';

// Which browsers' VisitorObjects hold touches. Most browsers identify without ever sending a touch
// first; asking their (empty) VisitorObject would open an object and its database per identify, so
// an identify asks the registry, kept in the directory shards that are open anyway. A visitor is
// registered before it stores anything, so a registered id may be empty but a stored one is never
// missed.

/** FNV-1a of the id: anonymous ids are not secret, only spread. */
export function visitorShardOf(anonymousId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < anonymousId.length; i++) h = Math.imul(h ^ anonymousId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % DIRECTORY_SHARDS;
}

/** Records that `anonymousId`'s visitor is about to store touches (idempotent). */
export function registerVisitor(env: Env, anonymousId: string, now: number): Promise<void> {
  return directoryShard(env, visitorShardOf(anonymousId)).noteVisitor(anonymousId, now);
}

/** The ids among `anonymousIds` whose visitor may hold touches. */
export async function registeredVisitors(env: Env, anonymousIds: string[]): Promise<Set<string>> {
  const found = await Promise.all(
    [...byShard(anonymousIds)].map(([shard, ids]) => directoryShard(env, shard).knownVisitors(ids)),
  );
  return new Set(found.flat());
}

/** Erasure: the registry forgets the person's browsers too. */
export async function forgetVisitors(env: Env, anonymousIds: string[]): Promise<void> {
  await Promise.all([...byShard(anonymousIds)].map(([shard, ids]) => directoryShard(env, shard).forgetVisitors(ids)));
}

function byShard(anonymousIds: string[]): Map<number, string[]> {
  const shards = new Map<number, string[]>();
  for (const id of anonymousIds) {
    const shard = visitorShardOf(id);
    shards.set(shard, [...(shards.get(shard) ?? []), id]);
  }
  return shards;
}
