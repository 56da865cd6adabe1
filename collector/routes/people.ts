import { Hono } from 'hono';
import { erasePerson, liftSuppression } from '../erasure';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { identityOf, personKey } from '../identity';
import { DIRECTORY_SHARDS } from '../directory';
import type { DirectoryRow } from '../objects/directory';
import type { PersonSnapshot } from '../objects/person-types';
import { personActivity } from '../conversions/person-view';
import { directoryShard, personByKey } from '../objects/doors';

export const people = new Hono<AppContext>();

const PAGE = 50;

function emailParam(raw: string): string {
  const email = identityOf(raw);
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
    throw new ApiError(400, 'invalid_email', 'path must end in an email address');
  return email;
}

// Cursor: the last email of the previous page, opaque to clients.
function decodeCursor(cursor: string | undefined): string {
  if (!cursor) return '';
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned');
  }
}

function encodeCursor(email: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(email)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** People by email prefix, in email order, merged from every directory shard. */
people.get('/', async (c) => {
  const query = identityOf(c.req.query('query') ?? '');
  if (query.length > 254) throw new ApiError(400, 'invalid_query', 'query is at most 254 characters');
  const after = decodeCursor(c.req.query('cursor'));
  const limit = Math.min(Math.max(Number(c.req.query('limit') ?? PAGE) || PAGE, 1), 200);
  const pages = await Promise.all(
    Array.from(
      { length: DIRECTORY_SHARDS },
      (_, i) => directoryShard(c.env, i).search(query, after, limit + 1) as Promise<DirectoryRow[]>,
    ),
  );
  const rows = pages
    .flat()
    .sort((a: DirectoryRow, b: DirectoryRow) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const page = rows.slice(0, limit);
  const more = rows.length > limit;
  return c.json({
    people: page.map((r) => ({
      email: r.email,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      attributes: r.attributes,
    })),
    cursor: more ? encodeCursor(page[page.length - 1]!.email) : null,
  });
});

people.get('/:email', async (c) => {
  const email = emailParam(c.req.param('email'));
  const key = await personKey(c.env, email);
  const snapshot = (await personByKey(c.env, key).snapshot()) as PersonSnapshot | null;
  if (!snapshot) throw new ApiError(404, 'not_found', 'no such person');
  const { attributes, attributeUpdatedAt, ...rest } = snapshot;
  const sources = Object.keys(attributes).map((source) => ({
    source,
    attributes: attributes[source],
    updatedAt: attributeUpdatedAt[source],
  }));
  // Audience entries / exits and each conversion's delivery (collector/conversions/person-view.ts).
  const { memberships, conversions, retractions } = await personActivity(c.env, key);
  return c.json({ ...rest, attributes, attributeUpdatedAt, sources, memberships, conversions, retractions });
});

/** Erasure: the person's storage, directory row and visitors go; a suppression entry stays. */
people.delete('/:email', async (c) => {
  const email = emailParam(c.req.param('email'));
  const { existed } = await erasePerson(c.env, email, c.get('now'));
  return c.json({ email, erased: existed, suppressed: true });
});

/** Lifts the suppression left by an erasure, so a later identify or sync may create the person again. */
people.delete('/:email/suppression', async (c) => {
  const email = emailParam(c.req.param('email'));
  if (!(await liftSuppression(c.env, email))) throw new ApiError(404, 'not_found', 'this person is not suppressed');
  return c.json({ email, suppressed: false });
});
