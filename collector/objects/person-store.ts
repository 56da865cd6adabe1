// The person's own tables (person, attributes, touches, devices, messages, tombstone, pending_links):
// the only code that reads or writes them; a new database has the last three once first written to.
// The membership tables are person-audience-store.ts's.
// Synchronous SQL over the object's database; the caller (PersonObject) owns transactions and timing.
// (Over 300 lines: the one owner of seven tables, so every statement on them, and the order a new
// person's are created in, reads in one place; split by table, an identify would cross four files.)
import type { ConsentState } from '../../shared/schemas/collect';
import type { Touch } from '../../shared/schemas/collect';
import type { PersonView } from '../delivery/conversion-row';
import { deepMerge } from './deep-merge';
import { laterTableNames, personLaterTables, type LaterTable } from './person-schema';
import type { DirectoryEntry, PersonSnapshot } from './person-types';
import {
  freshTouches,
  mergeTouchRow,
  pruneMessages,
  pruneTouches,
  messageSeen,
  seenMessage,
  toStoredTouch,
  type StoredTouch,
  type TouchRow,
} from './touch-rows';

// Per-person caps: a flood from one browser (or a forged stream) can't grow a person without bound.
export const MAX_TOUCHES_PER_PERSON = 500;
export const MAX_DEVICES_PER_PERSON = 100;
// An identify that changes nothing restamps the person's and the device's last-seen times at most
// this often: a repeat identify then writes only its message id.
export const STAMP_MS = 60_000;

export type AdsConsent = ConsentState;
type DeviceRow = {
  anonymous_id: string;
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  first_seen: number;
  last_seen: number;
};
type PersonRow = {
  email: string;
  key: string | null;
  created_at: number;
  updated_at: number;
  rev: number;
  consent_ads: AdsConsent | null;
  consent_at: number | null;
  identified_at: number | null;
};

export interface Presence {
  suppressed: boolean;
  exists: boolean;
  identifiedAt: number | null;
}

/**
 * The directory row of a person this identify creates, as directoryEntry() will read it after the
 * commit (revision 1: the person row, one source's traits, the click IDs merged), computed from the
 * input so it can be pushed before the commit; null when that cannot be told beforehand (more click
 * IDs than the person keeps).
 */
export function newPersonEntry(
  input: { key: string; email: string; traits: Record<string, unknown>; touches: Touch[] },
  source: string,
  now: number,
): DirectoryEntry | null {
  const kinds = new Map<string, Set<string>>();
  let distinct = 0;
  for (const t of freshTouches(input.touches, now)) {
    const values = kinds.get(t.kind) ?? kinds.set(t.kind, new Set()).get(t.kind)!;
    if (!values.has(t.value)) distinct++;
    values.add(t.value);
  }
  if (distinct > MAX_TOUCHES_PER_PERSON) return null;
  const clicks: Record<string, number> = {};
  for (const [kind, values] of kinds) clicks[kind] = values.size;
  // As mergeAttributes stores it (an empty patch writes no row) and attributes() parses it back.
  const attributes =
    Object.keys(input.traits).length === 0 ? {} : { [source]: JSON.parse(JSON.stringify(deepMerge({}, input.traits))) };
  return {
    key: input.key,
    email: input.email,
    createdAt: now,
    updatedAt: now,
    rev: 1,
    attributes,
    identifiedAt: now,
    clicks,
  };
}

// A person's row as an identify creates it (revision 1); `synced_rev`: the revision its directory row holds.
const NEW_PERSON =
  'INSERT INTO person (id, email, key, created_at, updated_at, identified_at, rev, synced_rev) VALUES (1, ?, ?, ?, ?, ?, 1, ?)';

// Which of the later tables this database has (one statement for all of them).
const LATER_TABLES_PRESENT = `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${laterTableNames.map((t) => `'${t}'`).join(', ')})`;

export class PersonStore {
  /**
   * Whether this database has each of the tables a new database leaves out until first needed
   * (person-schema.ts's personLaterTables); null: not known, looked up on first use (one statement for
   * all three). A table created in a transaction goes back to null, as the transaction may roll back.
   */
  private readonly later = new Map<LaterTable, boolean | null>();

  constructor(private readonly sql: SqlStorage) {}

  /** The database was just created without these tables (newSchema); the others it has. */
  createdWithout(tables: readonly string[]): void {
    for (const t of laterTableNames) this.later.set(t, !tables.includes(t));
  }

  /** Erasure emptied the database, or it was opened: look the tables up again when needed. */
  forgetTables(): void {
    this.later.clear();
  }

  private has(table: LaterTable): boolean {
    const known = this.later.get(table);
    if (known != null) return known;
    const names = new Set(
      this.sql
        .exec<{ name: string }>(LATER_TABLES_PRESENT)
        .toArray()
        .map((r) => r.name),
    );
    for (const t of laterTableNames) this.later.set(t, names.has(t));
    return names.has(table);
  }

  /** Creates a later table where it is missing, before a write to it. */
  private need(table: LaterTable): void {
    if (this.has(table)) return;
    this.sql.exec(personLaterTables[table]);
    this.later.set(table, null);
  }

  person(): PersonRow | undefined {
    return this.sql
      .exec<PersonRow>(
        'SELECT email, key, created_at, updated_at, rev, consent_ads, consent_at, identified_at FROM person',
      )
      .toArray()[0];
  }

  /** Whether the person and the erasure tombstone exist, and the last identify time: one statement for the hot path. */
  presence(): Presence {
    const row = this.sql
      .exec<{ t: number; p: number; i: number | null }>(
        this.has('tombstone')
          ? 'SELECT (SELECT count(*) FROM tombstone) AS t, (SELECT count(*) FROM person) AS p, (SELECT identified_at FROM person) AS i'
          : 'SELECT 0 AS t, (SELECT count(*) FROM person) AS p, (SELECT identified_at FROM person) AS i',
      )
      .one();
    return { suppressed: row.t > 0, exists: row.p > 0, identifiedAt: row.i };
  }

  exists(): boolean {
    return this.sql.exec('SELECT 1 FROM person').toArray().length > 0;
  }

  suppressed(): boolean {
    return this.has('tombstone') && this.sql.exec('SELECT 1 FROM tombstone').toArray().length > 0;
  }

  consent(): AdsConsent {
    return this.person()?.consent_ads ?? 'unknown';
  }

  /** Erasure's tombstone: the object key only, no personal data. */
  tombstone(key: string, now: number): void {
    this.need('tombstone');
    this.sql.exec('INSERT INTO tombstone (id, key, at) VALUES (1, ?, ?)', key, now);
  }

  liftTombstone(): boolean {
    return this.has('tombstone') && this.sql.exec('DELETE FROM tombstone').rowsWritten > 0;
  }

  /** Records a message id; true when it was already seen in the last 7 days. */
  seenMessage(messageId: string, now: number): boolean {
    return seenMessage(this.sql, messageId, now);
  }

  messageSeen(messageId: string, now: number): boolean {
    return messageSeen(this.sql, messageId, now);
  }

  /** Records a message id as seen now (a new one, or one whose window had passed). */
  recordMessage(messageId: string, now: number): void {
    seenMessage(this.sql, messageId, now);
  }

  pruneMessages(now: number): void {
    pruneMessages(this.sql, now);
  }

  /** A new revision, which the directory row is behind until it is pushed (directoryDirty). Inside the mutation's transaction. */
  changed(now: number): void {
    this.sql.exec('UPDATE person SET rev = rev + 1, updated_at = max(updated_at, ?) WHERE id = 1', now);
  }

  /**
   * upsertPerson + identified_at + the revision bump of changed(), in one statement. `syncedRev`: a new
   * person's revision already pushed to the directory (its row went out before this commit), stored
   * with the row instead of by markSynced's statement; an existing person's is left as it is.
   */
  identifiedPerson(key: string, email: string, now: number, syncedRev = 0): void {
    this.sql.exec(
      `${NEW_PERSON} ON CONFLICT (id) DO UPDATE SET key = coalesce(key, excluded.key), identified_at = excluded.identified_at,
         rev = rev + 1, updated_at = max(updated_at, excluded.updated_at)`,
      email,
      key,
      now,
      now,
      now,
      syncedRev,
    );
  }

  /**
   * identifiedPerson for a person this transaction creates (no row yet): a plain insert, so a new
   * database compiles no conflict clause for it (compiling statements is much of a new person's CPU).
   */
  newPerson(key: string, email: string, now: number, syncedRev: number): void {
    this.sql.exec(NEW_PERSON, email, key, now, now, now, syncedRev);
  }

  /**
   * A new database's message id and device, as seenMessage and upsertDevice would write them into
   * empty tables: plain inserts (no conflict clause, no RETURNING to compile). Only for a database
   * whose schema this identify made, so the tables are known to be empty.
   */
  firstMessage(messageId: string, now: number): void {
    this.sql.exec('INSERT INTO messages (id, at) VALUES (?, ?)', messageId, now);
  }

  firstDevice(
    anonymousId: string,
    ip: string | null,
    userAgent: string | null,
    country: string | null,
    now: number,
  ): { changed: boolean; linked: boolean } {
    // As upsertDevice: the country belongs to the IP, none without one.
    this.sql.exec(
      'INSERT INTO devices (anonymous_id, ip, user_agent, country, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)',
      anonymousId,
      ip,
      userAgent,
      ip ? country : null,
      now,
      now,
    );
    return { changed: true, linked: false };
  }

  upsertPerson(key: string, email: string, now: number): void {
    this.sql.exec(
      `INSERT INTO person (id, email, key, created_at, updated_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET key = coalesce(key, excluded.key)`,
      email,
      key,
      now,
      now,
    );
  }

  /** Whether the consent state changed. The latest explicit signal wins; 'unknown' never overrides an explicit one. */
  setConsent(ads: AdsConsent, now: number): boolean {
    if (ads === 'unknown')
      return (
        this.sql.exec("UPDATE person SET consent_ads = 'unknown', consent_at = ? WHERE consent_ads IS NULL", now)
          .rowsWritten > 0
      );
    const before =
      this.sql.exec<{ consent_ads: string | null }>('SELECT consent_ads FROM person').toArray()[0]?.consent_ads ?? null;
    const written =
      this.sql.exec(
        'UPDATE person SET consent_ads = ?, consent_at = ? WHERE consent_at IS NULL OR consent_at <= ?',
        ads,
        now,
        now,
      ).rowsWritten > 0;
    return written && before !== ads;
  }

  /**
   * Deep-merges one source's patch (`null` deletes a key); whether the row was written. `always`:
   * write even an empty patch (a CRM sync stamps its time). `onlyIfChanged`: browser traits repeated on
   * every identify leave the row (and its update time) alone when nothing in them changed. `newPerson`:
   * the person was created in this transaction, so there is no row to read (one statement fewer to
   * compile on a new database).
   */
  mergeAttributes(
    source: string,
    patch: Record<string, unknown>,
    now: number,
    options: { always?: boolean; onlyIfChanged?: boolean; newPerson?: boolean } = {},
  ): boolean {
    if (!options.always && Object.keys(patch).length === 0) return false;
    const row = options.newPerson
      ? undefined
      : this.sql.exec<{ data: string }>('SELECT data FROM attributes WHERE source = ?', source).toArray()[0];
    const data = JSON.stringify(deepMerge(row ? JSON.parse(row.data) : {}, patch));
    if (options.onlyIfChanged && row?.data === data) return false;
    // A new person's first row: a plain insert (no conflict clause to compile).
    this.sql.exec(
      `INSERT INTO attributes (source, data, updated_at) VALUES (?, ?, ?)${
        options.newPerson
          ? ''
          : ' ON CONFLICT (source) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at'
      }`,
      source,
      data,
      now,
    );
    return true;
  }

  /** Every source's attributes, and a fingerprint that changes whenever any of them does. */
  attributes(): { attributes: Record<string, Record<string, unknown>>; fingerprint: string } {
    const attributes: Record<string, Record<string, unknown>> = {};
    let fingerprint = '';
    for (const row of this.sql.exec<{ source: string; data: string }>(
      'SELECT source, data FROM attributes ORDER BY source',
    )) {
      attributes[row.source] = JSON.parse(row.data);
      fingerprint += `${row.source}\u0000${row.data}\u0000`;
    }
    return { attributes, fingerprint };
  }

  /**
   * Whether any touch was recent enough to merge. Over the cap, the oldest click IDs go first.
   * `newPerson`: created in this transaction, so there is nothing old to prune and, within the cap,
   * nothing to drop (two statements fewer to compile on a new database).
   */
  mergeTouches(
    touches: (Touch | StoredTouch)[],
    anonymousId: string | null,
    now: number,
    options: { newPerson?: boolean } = {},
  ): boolean {
    const fresh = freshTouches(touches, now);
    if (!fresh.length) return false;
    this.need('touches');
    const fits = options.newPerson && fresh.length <= MAX_TOUCHES_PER_PERSON;
    if (!fits) pruneTouches(this.sql, now);
    for (const t of fresh) mergeTouchRow(this.sql, t, { anonymous_id: anonymousId });
    if (fits) return true;
    this.sql.exec(
      'DELETE FROM touches WHERE (kind, value) IN (SELECT kind, value FROM touches ORDER BY first_seen DESC LIMIT -1 OFFSET ?)',
      MAX_TOUCHES_PER_PERSON,
    );
    return true;
  }

  /**
   * Upserts a device: whether it was written, and whether its visitor was already merged (so the link
   * can be skipped). A known device with the same address and browser is restamped once a minute.
   * `newPerson`: the person was created in this transaction, so the cap needs no check. `skipLinked`:
   * for a row left alone, `linked` is null instead of read (queueLinkUnlessLinked reads it in its own
   * statement).
   */
  upsertDevice(
    anonymousId: string,
    ip: string | null,
    userAgent: string | null,
    country: string | null,
    now: number,
    options: { newPerson?: boolean; skipLinked?: boolean } = {},
  ): { changed: boolean; linked: boolean | null } {
    // The country belongs to the IP: a new IP brings its own (null when unknown), never the old one's.
    const row = this.sql
      .exec<{ first_seen: number; linked: number }>(
        `INSERT INTO devices (anonymous_id, ip, user_agent, country, first_seen, last_seen) VALUES (?1, ?2, ?3, ?6, ?4, ?4)
         ON CONFLICT (anonymous_id) DO UPDATE SET
           country = CASE WHEN excluded.ip IS NOT NULL THEN excluded.country ELSE devices.country END,
           ip = coalesce(excluded.ip, devices.ip), user_agent = coalesce(excluded.user_agent, devices.user_agent), last_seen = max(devices.last_seen, excluded.last_seen)
         WHERE (excluded.ip IS NOT NULL AND (excluded.ip IS NOT devices.ip OR excluded.country IS NOT devices.country)) OR (excluded.user_agent IS NOT NULL AND excluded.user_agent IS NOT devices.user_agent)
           OR devices.last_seen <= excluded.last_seen - ?5
         RETURNING first_seen, linked`,
        anonymousId,
        ip,
        userAgent,
        now,
        STAMP_MS,
        ip ? country : null,
      )
      .toArray()[0];
    if (!row) return { changed: false, linked: options.skipLinked ? null : this.deviceLinked(anonymousId) };
    // A new row (or one first seen this very millisecond): enforce the cap, oldest devices first.
    if (row.first_seen === now && !options.newPerson)
      this.sql.exec(
        'DELETE FROM devices WHERE anonymous_id IN (SELECT anonymous_id FROM devices ORDER BY last_seen DESC LIMIT -1 OFFSET ?)',
        MAX_DEVICES_PER_PERSON,
      );
    return { changed: true, linked: row.linked === 1 };
  }

  deviceLinked(anonymousId: string): boolean {
    return (
      this.sql.exec('SELECT 1 FROM devices WHERE anonymous_id = ? AND linked = 1', anonymousId).toArray().length > 0
    );
  }

  deviceIds(): string[] {
    return this.sql
      .exec<{ anonymous_id: string }>('SELECT anonymous_id FROM devices')
      .toArray()
      .map((r) => r.anonymous_id);
  }

  /** A visitor's touches and device merged into the person (its VisitorObject's claim). */
  linkDevice(
    anonymousId: string,
    claim: { touches: StoredTouch[]; ip: string | null; userAgent: string | null },
    now: number,
  ): void {
    this.mergeTouches(claim.touches, anonymousId, now);
    this.sql.exec(
      'UPDATE devices SET linked = 1, ip = coalesce(ip, ?), user_agent = coalesce(user_agent, ?) WHERE anonymous_id = ?',
      claim.ip,
      claim.userAgent,
      anonymousId,
    );
    if (claim.touches.length) this.changed(now);
  }

  queueLink(anonymousId: string, now: number): void {
    this.need('pending_links');
    this.sql.exec(
      'INSERT INTO pending_links (anonymous_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING',
      anonymousId,
      now,
    );
  }

  /**
   * queueLink for a browser whose device is not merged yet, deviceLinked's check in the same statement
   * (a repeat identify's: one statement fewer to run on every request). True when a link was queued.
   */
  queueLinkUnlessLinked(anonymousId: string, now: number): boolean {
    this.need('pending_links');
    return (
      this.sql.exec(
        `INSERT INTO pending_links (anonymous_id, at) SELECT ?1, ?2
       WHERE NOT EXISTS (SELECT 1 FROM devices WHERE anonymous_id = ?1 AND linked = 1) ON CONFLICT DO NOTHING`,
        anonymousId,
        now,
      ).rowsWritten > 0
    );
  }

  pendingLinks(limit: number): string[] {
    if (!this.has('pending_links')) return [];
    return this.sql
      .exec<{ anonymous_id: string }>('SELECT anonymous_id FROM pending_links ORDER BY at LIMIT ?', limit)
      .toArray()
      .map((r) => r.anonymous_id);
  }

  dropLink(anonymousId: string): void {
    if (this.has('pending_links')) this.sql.exec('DELETE FROM pending_links WHERE anonymous_id = ?', anonymousId);
  }

  /** When the oldest visitor link still waiting to be merged was queued, or null when none is. */
  linkingSince(): number | null {
    if (!this.has('pending_links')) return null;
    return this.sql.exec<{ at: number | null }>('SELECT min(at) AS at FROM pending_links').one().at;
  }

  /** The row the directory shard keeps, at the current revision; null before the person has a key. */
  directoryEntry(): DirectoryEntry | null {
    const p = this.person();
    if (!p?.key) return null;
    // attributes()'s statement (the audience evaluation's too): one statement fewer to compile.
    const { attributes } = this.attributes();
    const clicks: Record<string, number> = {};
    if (this.has('touches'))
      for (const row of this.sql.exec<{ kind: string; n: number }>(
        'SELECT kind, count(*) AS n FROM touches GROUP BY kind',
      ))
        clicks[row.kind] = row.n;
    return {
      key: p.key,
      email: p.email,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      rev: p.rev,
      attributes,
      identifiedAt: p.identified_at,
      clicks,
    };
  }

  /** Whether the directory row is behind the person's revision. */
  directoryDirty(): boolean {
    return this.sql.exec('SELECT 1 FROM person WHERE rev > synced_rev').toArray().length > 0;
  }

  markSynced(rev: number): void {
    this.sql.exec('UPDATE person SET synced_rev = max(synced_rev, ?)', rev);
  }

  /** The person as delivery's conversionRowFrom reads it. */
  personView(): PersonView {
    const person = this.person()!;
    const touches = (
      this.has('touches')
        ? this.sql
            .exec<{
              kind: string;
              value: string;
              first_seen: number;
              landing_url: string | null;
              raw: string | null;
              anonymous_id: string | null;
            }>('SELECT kind, value, first_seen, landing_url, raw, anonymous_id FROM touches')
            .toArray()
        : []
    ).map((t) => ({
      kind: t.kind,
      value: t.value,
      firstSeen: t.first_seen,
      landingUrl: t.landing_url,
      raw: t.raw,
      anonymousId: t.anonymous_id,
    }));
    const devices = this.sql
      .exec<DeviceRow>(
        'SELECT anonymous_id, ip, user_agent, country, first_seen, last_seen FROM devices ORDER BY last_seen DESC',
      )
      .toArray()
      .map((d) => ({
        anonymousId: d.anonymous_id,
        ip: d.ip,
        userAgent: d.user_agent,
        country: d.country,
        lastSeen: d.last_seen,
      }));
    return {
      email: person.email,
      consent: person.consent_ads ? { ads: person.consent_ads } : null,
      attributes: this.attributes().attributes,
      touches,
      devices,
    };
  }

  /** Everything stored about the person (the API's person view), or null when there is no person. */
  snapshot(): PersonSnapshot | null {
    const person = this.person();
    if (!person) return null;
    const attributes: PersonSnapshot['attributes'] = {};
    const attributeUpdatedAt: PersonSnapshot['attributeUpdatedAt'] = {};
    for (const row of this.sql.exec<{ source: string; data: string; updated_at: number }>(
      'SELECT source, data, updated_at FROM attributes ORDER BY source',
    )) {
      attributes[row.source] = JSON.parse(row.data);
      attributeUpdatedAt[row.source] = row.updated_at;
    }
    const touches = this.has('touches')
      ? this.sql
          .exec<TouchRow>(
            'SELECT kind, value, first_seen, last_seen, landing_url, referrer, raw FROM touches ORDER BY first_seen, kind',
          )
          .toArray()
          .map(toStoredTouch)
      : [];
    const devices = this.sql
      .exec<DeviceRow>(
        'SELECT anonymous_id, ip, user_agent, country, first_seen, last_seen FROM devices ORDER BY last_seen DESC',
      )
      .toArray()
      .map((r) => ({
        anonymousId: r.anonymous_id,
        ip: r.ip,
        userAgent: r.user_agent,
        country: r.country,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
      }));
    const consent = person.consent_ads ? { ads: person.consent_ads, at: person.consent_at! } : null;
    return {
      email: person.email,
      createdAt: person.created_at,
      updatedAt: person.updated_at,
      consent,
      attributes,
      attributeUpdatedAt,
      touches,
      devices,
    };
  }
}
