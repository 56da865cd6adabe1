import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { registeredVisitors } from '../visitor-registry';
import { migrate } from './sql';
import { personSchema } from './person-schema';
import { deepMerge } from './deep-merge';
import { PersonAudiences, type EvaluateOptions } from './person-audiences';
import type { AudienceConfig } from '../audiences/types';
import { freshTouches, mergeTouchRow, pruneMessages, pruneTouches, seenMessage, toStoredTouch, type TouchRow } from './touch-rows';
import type { AttributesInput, Device, DirectoryEntry, IdentifyInput, IdentifyOutcome, PersonSnapshot, TouchInput } from './person-types';
import type { Touch } from '../../shared/schemas/collect';
import type { StoredTouch } from './touch-rows';
import { directoryFor, visitorById } from './doors';

export { deepMerge };
export type { IdentifyInput, PersonSnapshot, Device, StoredTouch };

// Per-person caps: a flood from one browser (or a forged stream) can't grow a person without bound.
export const MAX_TOUCHES_PER_PERSON = 500;
export const MAX_DEVICES_PER_PERSON = 100;
const LINKS_PER_ALARM = 20;
// Deferred work waits this long, so a burst of changes to one person costs one directory write.
export const OUTBOX_DELAY_MS = 500;
// An identify that changes nothing restamps the person's and the device's last-seen times at most
// this often: a repeat identify then writes only its message id.
export const STAMP_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

type DeviceRow = { anonymous_id: string; ip: string | null; user_agent: string | null; country: string | null; first_seen: number; last_seen: number };
type PersonRow = { email: string; key: string | null; created_at: number; updated_at: number; rev: number; consent_ads: 'granted' | 'denied' | 'unknown' | null; consent_at: number | null };

/** One person's state. One writer per person is what keeps merges and entries consistent. */
export class PersonObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private alarmAt: number | null = null;
  /** When this instance last dropped expired message ids (0: not yet, so a restarted object prunes at once). */
  private prunedAt = 0;
  /** Whether `alarmAt` is known to be the stored alarm (a new database has none): then no read is needed. */
  private alarmKnown: boolean;
  /** A new database whose schema waits for the first call (every entry point runs ensureSchema first). */
  private schemaPending: boolean;
  private readonly audiences: PersonAudiences;
  // In memory, for the hot path of repeated identifies; both are dropped whenever storage might differ.
  /** Whether the person and the erasure tombstone exist, as last read or committed. */
  private known: { suppressed: boolean; exists: boolean; identifiedAt: number | null } | null = null;
  /** Per browser-trait source, the last patch merged: the same patch again changes nothing. */
  private readonly lastPatch = new Map<string, string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // A new database gets its schema in the commit of its first write (with the person), not in one
    // of its own: the constructor only looks.
    this.schemaPending = this.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").toArray().length === 0;
    if (!this.schemaPending) migrate(this.sql, personSchema);
    this.alarmKnown = this.schemaPending;
    // Nor has a new database any expired message id to drop.
    if (this.schemaPending) this.prunedAt = Date.now();
    this.audiences = new PersonAudiences(ctx, env, (at) => this.scheduleAlarm(at));
  }

  /** Applies an identify; a message id seen in the last 7 days changes nothing. */
  async identify(input: IdentifyInput): Promise<IdentifyOutcome> {
    this.ensureSchema();
    // Whether anything an audience reads changed (a new person, traits, consent).
    let attributesChanged = false;
    let stampedAt: number | null = null;
    // A caller of the previous version (a deploy in progress) sends no traitsSource, but `trusted` for
    // a verified signature (it sets it only after checking one).
    const source = input.traitsSource ?? (input.trusted ? 'signed_traits' : 'traits');
    const patch = JSON.stringify(input.traits);
    const outcome = this.ctx.storage.transactionSync((): IdentifyOutcome => {
      // The hot path of ingestion: each step is one statement where two would do.
      const { suppressed, exists, identifiedAt } = this.presence();
      if (suppressed) return { status: 'suppressed' };
      const created = !exists;
      if (created && input.mayCreate === false) return { status: 'refused' };
      if (seenMessage(this.sql, input.messageId, input.now)) return { status: 'duplicate' };
      // A new person's row first, so the consent below lands on it.
      if (created) this.identifiedPerson(input.key, input.email, input.now);
      const traitsChanged = this.lastPatch.get(source) !== patch && this.mergeAttributes(source, input.traits, input.now, false, true);
      const consentChanged = !!input.consent && this.setConsent(input.consent, input.now);
      const touched = this.mergeTouches(input.touches, input.anonymousId, input.now);
      const deviceId = input.anonymousId ?? input.deviceId ?? null;
      const device = deviceId ? this.upsertDevice(deviceId, input.ip, input.userAgent, input.country ?? null, input.now) : null;
      if (input.anonymousId && !device!.linked) this.queueLink(input.anonymousId, input.now);
      for (const id of input.otherAnonymousIds ?? []) if (id !== input.anonymousId) this.queueVisitorLink(id, input.now);
      // The person's revision (the directory row follows it) and identify time move when something
      // changed, and otherwise once a minute at most.
      const stale = identifiedAt === null || identifiedAt <= input.now - STAMP_MS;
      stampedAt = created ? input.now : identifiedAt;
      if (!created && (traitsChanged || consentChanged || touched || device?.changed || stale)) {
        this.identifiedPerson(input.key, input.email, input.now);
        stampedAt = input.now;
      }
      attributesChanged = created || traitsChanged || consentChanged;
      return { status: 'stored', created };
    });
    if (outcome.status === 'stored') {
      // Committed: now the memory may say so.
      this.known = { suppressed: false, exists: true, identifiedAt: stampedAt };
      this.lastPatch.set(source, patch);
      await this.scheduleAlarm(input.now + OUTBOX_DELAY_MS);
      await this.audiences.afterChange(input.now, attributesChanged);
    }
    return outcome;
  }

  /** Touches for a person already known (via the person token or a linked visitor). */
  async addTouches(input: TouchInput): Promise<{ exists: boolean; duplicate: boolean }> {
    this.ensureSchema();
    const outcome = this.ctx.storage.transactionSync(() => {
      if (!this.exists()) return { exists: false, duplicate: false };
      if (seenMessage(this.sql, input.messageId, input.now)) return { exists: true, duplicate: true };
      this.mergeTouches(input.touches, input.anonymousId, input.now);
      if (input.anonymousId) this.upsertDevice(input.anonymousId, input.ip, input.userAgent, input.country ?? null, input.now);
      this.changed(input.now);
      return { exists: true, duplicate: false };
    });
    if (outcome.exists && !outcome.duplicate) await this.scheduleAlarm(input.now + OUTBOX_DELAY_MS);
    return outcome;
  }

  /** Deep-merges one source's attributes (`null` deletes a key); refused for an erased person. */
  async upsertAttributes(input: AttributesInput): Promise<{ status: 'stored' | 'suppressed' }> {
    this.ensureSchema();
    this.known = null;
    const status = this.ctx.storage.transactionSync(() => {
      if (this.suppressed()) return 'suppressed' as const;
      this.upsertPerson(input.key, input.email, input.now);
      for (const row of input.rows) this.mergeAttributes(row.source, row.attributes, input.now, true);
      this.changed(input.now);
      return 'stored' as const;
    });
    if (status === 'stored') {
      await this.scheduleAlarm(input.now + OUTBOX_DELAY_MS);
      await this.audiences.afterChange(input.now);
    }
    return { status };
  }

  // Audiences (person-audiences.ts): re-evaluation at `now`, the audit of one membership, history.
  evaluateAudiences(now: number, config?: AudienceConfig, options?: EvaluateOptions) {
    this.ensureSchema();
    return this.audiences.evaluate(now, config, options);
  }
  auditAudience(audienceId: string, now: number, config?: AudienceConfig) {
    this.ensureSchema();
    return this.audiences.audit(audienceId, now, config);
  }
  audienceHistory() {
    this.ensureSchema();
    return { entries: this.audiences.entries(), exits: this.audiences.exits(), conversions: this.audiences.conversions(), retractions: this.audiences.retractions() };
  }

  private ensureSchema() {
    if (!this.schemaPending) return;
    migrate(this.sql, personSchema);
    this.schemaPending = false;
  }

  snapshot(): PersonSnapshot | null {
    this.ensureSchema();
    const person = this.person();
    if (!person) return null;
    const attributes: PersonSnapshot['attributes'] = {};
    const attributeUpdatedAt: PersonSnapshot['attributeUpdatedAt'] = {};
    for (const row of this.sql.exec<{ source: string; data: string; updated_at: number }>('SELECT source, data, updated_at FROM attributes ORDER BY source')) {
      attributes[row.source] = JSON.parse(row.data);
      attributeUpdatedAt[row.source] = row.updated_at;
    }
    const touches = this.sql.exec<TouchRow>('SELECT kind, value, first_seen, last_seen, landing_url, referrer, raw FROM touches ORDER BY first_seen, kind').toArray().map(toStoredTouch);
    const devices = this.sql
      .exec<DeviceRow>('SELECT anonymous_id, ip, user_agent, country, first_seen, last_seen FROM devices ORDER BY last_seen DESC')
      .toArray()
      .map((r) => ({ anonymousId: r.anonymous_id, ip: r.ip, userAgent: r.user_agent, country: r.country, firstSeen: r.first_seen, lastSeen: r.last_seen }));
    const consent = person.consent_ads ? { ads: person.consent_ads, at: person.consent_at! } : null;
    return { email: person.email, createdAt: person.created_at, updatedAt: person.updated_at, consent, attributes, attributeUpdatedAt, touches, devices };
  }

  /** Erasure: every row goes; only a tombstone (the object key, no personal data) stays as the suppression entry. */
  async erase(key: string, now: number): Promise<{ existed: boolean; anonymousIds: string[] }> {
    this.ensureSchema();
    const existed = this.exists();
    const anonymousIds = this.sql.exec<{ anonymous_id: string }>('SELECT anonymous_id FROM devices').toArray().map((r) => r.anonymous_id);
    await this.ctx.storage.deleteAlarm();
    this.known = null;
    this.lastPatch.clear();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.alarmKnown = true;
    this.audiences.forget();
    migrate(this.sql, personSchema);
    this.schemaPending = false;
    this.sql.exec('INSERT INTO tombstone (id, key, at) VALUES (1, ?, ?)', key, now);
    this.known = { suppressed: true, exists: false, identifiedAt: null };
    return { existed, anonymousIds };
  }

  /** Lifts the suppression left by erasure, so the person may be created again. */
  liftSuppression(): boolean {
    this.ensureSchema();
    this.known = null;
    return this.sql.exec('DELETE FROM tombstone').rowsWritten > 0;
  }

  isSuppressed(): boolean {
    this.ensureSchema();
    return this.suppressed();
  }

  /** Deferred work: merging visitors' touches and keeping the directory row in step. */
  async alarm(): Promise<void> {
    this.ensureSchema();
    this.alarmAt = null;
    const now = Date.now();
    const failures: unknown[] = [];
    const attempt = async <T>(step: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await step();
      } catch (e) {
        failures.push(e);
        return undefined;
      }
    };
    // The round trips first (the visitor registry, then the directory shard, so the row pushed has
    // the touches just merged); this object's own bookkeeping after them, in one commit.
    const unregistered = (await attempt(() => this.linkVisitors(now))) ?? [];
    const pushedRev = await attempt(() => this.pushDirectory());
    // A scan (the ids have no time index): once an hour per object is plenty for a 7-day window.
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      pruneMessages(this.sql, now);
      this.prunedAt = now;
    }
    for (const anonymousId of unregistered) this.sql.exec('DELETE FROM pending_links WHERE anonymous_id = ?', anonymousId);
    if (pushedRev != null) {
      this.sql.exec('UPDATE person SET synced_rev = max(synced_rev, ?)', pushedRev);
    }
    await attempt(() => this.audiences.onAlarm(now));
    if (this.sql.exec('SELECT 1 FROM pending_links LIMIT 1').toArray().length || this.directoryDirty()) await this.scheduleAlarm(now + (failures.length ? 5_000 : 0));
    if (failures.length) throw failures[0];
  }

  /**
   * Called after every mutation, inside its transaction: a new revision, which the directory row is
   * behind until the alarm pushes it (directoryDirty).
   */
  private changed(now: number) {
    this.sql.exec('UPDATE person SET rev = rev + 1, updated_at = max(updated_at, ?) WHERE id = 1', now);
  }

  /** upsertPerson + identified_at + the revision bump of changed(), in one statement. */
  private identifiedPerson(key: string, email: string, now: number): void {
    this.sql
      .exec(
        `INSERT INTO person (id, email, key, created_at, updated_at, identified_at, rev) VALUES (1, ?, ?, ?, ?, ?, 1)
         ON CONFLICT (id) DO UPDATE SET key = coalesce(key, excluded.key), identified_at = excluded.identified_at,
           rev = rev + 1, updated_at = max(updated_at, excluded.updated_at)`,
        email,
        key,
        now,
        now,
        now,
      );
  }

  /** Merges the pending visitors that hold touches; the ids of those that hold none (for the caller to drop). */
  private async linkVisitors(now: number): Promise<string[]> {
    const key = this.person()?.key;
    const pending = this.sql.exec<{ anonymous_id: string }>('SELECT anonymous_id FROM pending_links ORDER BY at LIMIT ?', LINKS_PER_ALARM).toArray().map((r) => r.anonymous_id);
    if (!pending.length) return [];
    // Browsers whose visitor never stored a touch are not asked (their device stays unlinked, so a
    // later identify from them asks the registry again).
    const registered = key ? await registeredVisitors(this.env, pending) : new Set<string>();
    const unregistered: string[] = [];
    for (const anonymousId of pending) {
      if (!key || !registered.has(anonymousId)) {
        unregistered.push(anonymousId);
        continue;
      }
      const claim = await visitorById(this.env, anonymousId).link(key, now);
      this.ctx.storage.transactionSync(() => {
        this.sql.exec('DELETE FROM pending_links WHERE anonymous_id = ?', anonymousId);
        if (!this.exists()) return;
        this.mergeTouches(claim.touches, anonymousId, now);
        this.sql.exec('UPDATE devices SET linked = 1, ip = coalesce(ip, ?), user_agent = coalesce(user_agent, ?) WHERE anonymous_id = ?', claim.ip, claim.userAgent, anonymousId);
        if (claim.touches.length) this.changed(now);
      });
    }
    return unregistered;
  }

  // Pushes the current row to the directory shard; the revision sent (the caller marks it synced, so a
  // change made meanwhile is pushed by the next alarm), or null when nothing was due.
  private async pushDirectory(): Promise<number | null> {
    if (!this.directoryDirty()) return null;
    const entry = this.directoryEntry();
    if (!entry) return null;
    await directoryFor(this.env, entry.key).upsert(entry);
    return entry.rev;
  }

  directoryEntry(): DirectoryEntry | null {
    this.ensureSchema();
    const p = this.person();
    if (!p?.key) return null;
    const attributes: DirectoryEntry['attributes'] = {};
    for (const row of this.sql.exec<{ source: string; data: string }>('SELECT source, data FROM attributes')) attributes[row.source] = JSON.parse(row.data);
    const clicks: Record<string, number> = {};
    for (const row of this.sql.exec<{ kind: string; n: number }>('SELECT kind, count(*) AS n FROM touches GROUP BY kind')) clicks[row.kind] = row.n;
    const identifiedAt = this.sql.exec<{ identified_at: number | null }>('SELECT identified_at FROM person').one().identified_at;
    return { key: p.key, email: p.email, createdAt: p.created_at, updatedAt: p.updated_at, rev: p.rev, attributes, identifiedAt, clicks };
  }

  private directoryDirty(): boolean {
    return this.sql.exec('SELECT 1 FROM person WHERE rev > synced_rev').toArray().length > 0;
  }

  /**
   * Arms the alarm no later than `at`. With the stored alarm known, it is set in the caller's turn, so
   * a new person's alarm is written in the same commit as the person.
   */
  private async scheduleAlarm(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    if (!this.alarmKnown) {
      const current = await this.ctx.storage.getAlarm();
      this.alarmKnown = true;
      this.alarmAt = current;
      if (current !== null && current <= at) return;
    }
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private person(): PersonRow | undefined {
    return this.sql.exec<PersonRow>('SELECT email, key, created_at, updated_at, rev, consent_ads, consent_at FROM person').toArray()[0];
  }

  private presence(): { suppressed: boolean; exists: boolean; identifiedAt: number | null } {
    if (this.known) return this.known;
    const row = this.sql
      .exec<{ t: number; p: number; i: number | null }>('SELECT (SELECT count(*) FROM tombstone) AS t, (SELECT count(*) FROM person) AS p, (SELECT identified_at FROM person) AS i')
      .one();
    return (this.known = { suppressed: row.t > 0, exists: row.p > 0, identifiedAt: row.i });
  }

  private exists(): boolean {
    return this.sql.exec('SELECT 1 FROM person').toArray().length > 0;
  }

  private suppressed(): boolean {
    return this.sql.exec('SELECT 1 FROM tombstone').toArray().length > 0;
  }

  private upsertPerson(key: string, email: string, now: number) {
    this.sql.exec(
      `INSERT INTO person (id, email, key, created_at, updated_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET key = coalesce(key, excluded.key)`,
      email,
      key,
      now,
      now,
    );
  }

  /** Whether the consent state changed. */
  private setConsent(ads: 'granted' | 'denied' | 'unknown', now: number): boolean {
    // The latest explicit signal wins; 'unknown' never overrides an explicit one.
    if (ads === 'unknown') return this.sql.exec("UPDATE person SET consent_ads = 'unknown', consent_at = ? WHERE consent_ads IS NULL", now).rowsWritten > 0;
    const before = this.sql.exec<{ consent_ads: string | null }>('SELECT consent_ads FROM person').toArray()[0]?.consent_ads ?? null;
    const written = this.sql.exec('UPDATE person SET consent_ads = ?, consent_at = ? WHERE consent_at IS NULL OR consent_at <= ?', ads, now, now).rowsWritten > 0;
    return written && before !== ads;
  }

  /**
   * `always`: write even an empty patch (a CRM sync stamps its time). `onlyIfChanged`: browser traits
   * repeated on every identify leave the row (and its update time) alone when nothing in them changed.
   */
  private mergeAttributes(source: string, patch: Record<string, unknown>, now: number, always = false, onlyIfChanged = false): boolean {
    if (!always && Object.keys(patch).length === 0) return false;
    if (!onlyIfChanged) this.lastPatch.delete(source);
    const row = this.sql.exec<{ data: string }>('SELECT data FROM attributes WHERE source = ?', source).toArray()[0];
    const merged = deepMerge(row ? JSON.parse(row.data) : {}, patch);
    const data = JSON.stringify(merged);
    if (onlyIfChanged && row?.data === data) return false;
    this.sql.exec(
      `INSERT INTO attributes (source, data, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      source,
      data,
      now,
    );
    return true;
  }

  /** Whether any touch was recent enough to merge. */
  private mergeTouches(touches: (Touch | StoredTouch)[], anonymousId: string | null, now: number): boolean {
    const fresh = freshTouches(touches, now);
    if (!fresh.length) return false;
    pruneTouches(this.sql, now);
    for (const t of fresh) mergeTouchRow(this.sql, t, { anonymous_id: anonymousId });
    // Over the cap, the oldest click IDs go first.
    this.sql.exec('DELETE FROM touches WHERE (kind, value) IN (SELECT kind, value FROM touches ORDER BY first_seen DESC LIMIT -1 OFFSET ?)', MAX_TOUCHES_PER_PERSON);
    return true;
  }

  /**
   * Upserts a device: whether it was written, and whether its visitor was already merged (so the link
   * can be skipped). A known device with the same address and browser is restamped once a minute.
   */
  private upsertDevice(anonymousId: string, ip: string | null, userAgent: string | null, country: string | null, now: number): { changed: boolean; linked: boolean } {
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
    if (!row) return { changed: false, linked: this.sql.exec<{ linked: number }>('SELECT linked FROM devices WHERE anonymous_id = ?', anonymousId).one().linked === 1 };
    // A new row (or one first seen this very millisecond): enforce the cap, oldest devices first.
    if (row.first_seen === now) this.sql.exec('DELETE FROM devices WHERE anonymous_id IN (SELECT anonymous_id FROM devices ORDER BY last_seen DESC LIMIT -1 OFFSET ?)', MAX_DEVICES_PER_PERSON);
    return { changed: true, linked: row.linked === 1 };
  }

  // A browser's visitor is merged once; later identifies from it skip the extra round trip.
  private queueVisitorLink(anonymousId: string, now: number) {
    const linked = this.sql.exec('SELECT 1 FROM devices WHERE anonymous_id = ? AND linked = 1', anonymousId).toArray().length > 0;
    if (!linked) this.queueLink(anonymousId, now);
  }

  private queueLink(anonymousId: string, now: number) {
    this.sql.exec('INSERT INTO pending_links (anonymous_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING', anonymousId, now);
  }
}
