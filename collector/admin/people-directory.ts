import { DIRECTORY_SHARDS } from '../directory';
import type { Env } from '../env';
import type { DirectoryRow } from '../objects/directory';
import { directoryShard } from '../objects/doors';

/**
 * People whose email starts with `prefix`, in email order after `after`, merged from every directory
 * shard (what GET /api/people reads). `next` is the `after` of the following page, or null.
 */
export async function searchPeople(
  env: Env,
  prefix: string,
  after: string,
  limit: number,
): Promise<{ rows: DirectoryRow[]; next: string | null }> {
  const pages = await Promise.all(
    Array.from(
      { length: DIRECTORY_SHARDS },
      (_, i) => directoryShard(env, i).search(prefix, after, limit + 1) as Promise<DirectoryRow[]>,
    ),
  );
  const rows = pages.flat().sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const page = rows.slice(0, limit);
  return { rows: page, next: rows.length > limit ? page[page.length - 1]!.email : null };
}
