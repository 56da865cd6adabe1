// Over 300 lines: the identify and the deferred work it arms (alarm, directory push, visitor links)
// stay in one file so the order of commits and round trips reads in one place; the tables are
// person-store.ts's, the audience work person-audiences.ts's.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { registeredVisitors } from '../visitor-registry';
import { migrate, newSchema } from './sql';
import { laterTableNames, personSchema } from './person-schema';
import { deepMerge } from './deep-merge';
import { PersonAudiences, type EvaluateOptions } from './person-audiences';
import {
  MAX_DEVICES_PER_PERSON,
  MAX_TOUCHES_PER_PERSON,
  newPersonEntry,
  PersonStore,
  STAMP_MS,
  type Presence,
} from './person-store';
import type { AudienceConfig } from '../audiences/types';
import type {
  AttributesInput,
  Device,
  DirectoryEntry,
  IdentifyInput,
  IdentifyOutcome,
  PersonSnapshot,
  TouchInput,
} from './person-types';
import type { StoredTouch } from './touch-rows';
import { directoryFor, visitorById } from './doors';

export { deepMerge, MAX_DEVICES_PER_PERSON, MAX_TOUCHES_PER_PERSON, STAMP_MS };
export type { IdentifyInput, PersonSnapshot, Device, StoredTouch };

const LINKS_PER_ALARM = 20;
// Deferred work waits this long, so a burst of changes to one person costs one directory write.
export const OUTBOX_DELAY_MS = 500;
// After a failed round trip (the directory shard, the visitor registry), deferred work retries this much later.
const RETRY_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * One person's state. One writer per person is what keeps merges and entries consistent. This class
 * orchestrates (transactions, the alarm, round trips to other objects); the tables are PersonStore's
 * and PersonAudiences' store's, the audience decisions the pure plan's (collector/audiences/plan.ts).
 */
export class PersonObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly store: PersonStore;
  private readonly audiences: PersonAudiences;
  // In memory (five fields, each with its reason):
  /**
   * The stored alarm as this instance last set or read it; undefined: not known (an existing
   * database, until read). Without it every identify would read and rewrite the alarm: a write (and a
   * page of its commit) per request.
   */
  private alarmAt: number | null | undefined;
  /**
   * When this instance last dropped expired message ids (0: not yet, so a restarted object prunes at
   * once). The ids have no time index (a repeat identify writes one b-tree): pruning is a scan, run
   * once an hour, not on every alarm.
   */
  private prunedAt = 0;
  /**
   * A new database whose schema waits for the first call (every entry point runs ensureSchema first):
   * it is written in the commit of the first write, with the person, instead of a commit of its own.
   */
  private schemaPending: boolean;
  /**
   * Per trait source, the last patch merged as committed: the tag and Segment send the same traits on
   * every identify, and the same patch again changes nothing, so a repeat identify skips the row's
   * read, its JSON parse, the deep merge and the stringify. Dropped for a source any other write
   * touches, and on erasure.
   */
  private readonly lastPatch = new Map<string, string>();
  /**
   * The identify creating this person while its directory row is in flight (not a cache: it orders a
   * second identify of the same new person after the first, so only one row is pushed before a commit).
   */
  private creating: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.store = new PersonStore(this.sql);
    // A new database gets its schema in the commit of its first write (with the person), not in one
    // of its own: the constructor only looks.
    this.schemaPending =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").toArray().length === 0;
    if (!this.schemaPending) migrate(this.sql, personSchema);
    // A new database has no alarm stored, nor any expired message id to drop.
    this.alarmAt = this.schemaPending ? null : undefined;
    if (this.schemaPending) this.prunedAt = Date.now();
    this.audiences = new PersonAudiences(ctx, env, this.store, (at) => this.scheduleAlarm(at));
  }

  /** Applies an identify; a message id seen in the last 7 days changes nothing. */
  async identify(input: IdentifyInput): Promise<IdentifyOutcome> {
    // One creation at a time: a second identify of a person being created (its directory row in
    // flight) waits for the first, then finds the person.
    while (this.creating) await this.creating;
    if (!this.schemaPending || input.mayCreate === false) return this.applyIdentify(input, false);
    let done!: () => void;
    this.creating = new Promise((resolve) => (done = resolve));
    try {
      return await this.applyIdentify(input, true);
    } finally {
      this.creating = null;
      done();
    }
  }

  private async applyIdentify(input: IdentifyInput, fresh: boolean): Promise<IdentifyOutcome> {
    // A new person's browsers are looked up in the visitor registry now, not from an alarm (a read of
    // a shard): a browser whose visitor stored no touch needs no link, so most new people need no alarm.
    const browsers = [
      ...new Set([input.anonymousId, ...(input.otherAnonymousIds ?? [])].filter((id): id is string => !!id)),
    ];
    // A caller of the previous version (a deploy in progress) sends no traitsSource, but `trusted` for
    // a verified signature (it sets it only after checking one).
    const source = input.traitsSource ?? (input.trusted ? 'signed_traits' : 'traits');
    // A new database holds nothing yet; its schema is written after the registry's answer, with the
    // person: written before it, the schema would be a commit of its own, and the call to the registry
    // (held by the output gate until then) would wait for it.
    const presence: Presence = this.schemaPending
      ? { exists: false, suppressed: false, identifiedAt: null }
      : this.store.presence();
    const lookup = !presence.exists && !presence.suppressed && input.mayCreate !== false && browsers.length > 0;
    // A new database's person: its directory row goes out beside the registry lookup, before the
    // commit, so the commit marks it pushed and no alarm (set, then removed in a second commit) is
    // needed for it. The row may precede the person by the commit; if the commit fails it is withdrawn.
    const early = fresh ? newPersonEntry(input, source, input.now) : null;
    const [registered, pushed] = await Promise.all([
      lookup ? this.registered(browsers) : null,
      early ? this.pushEarly(early) : false,
    ]);
    // Still no schema after the round trips: no other call ran meanwhile (each makes it first), so
    // the database is as empty as it was.
    const untouched = this.schemaPending;
    this.ensureSchema();
    // Whether anything an audience reads changed (a new person, traits, consent).
    let attributesChanged = false;
    // Whether a visitor link was queued (the alarm merges it).
    let queued = false;
    const patch = JSON.stringify(input.traits);
    let outcome: IdentifyOutcome;
    try {
      outcome = this.ctx.storage.transactionSync((): IdentifyOutcome => {
        // The hot path of ingestion: each step is one statement where two would do.
        // Read again after a round trip, unless the database is still the empty one it was.
        const { suppressed, exists, identifiedAt } = (lookup || early) && !untouched ? this.store.presence() : presence;
        if (suppressed) return { status: 'suppressed' };
        const created = !exists;
        if (created && input.mayCreate === false) return { status: 'refused' };
        // A database whose schema this identify made (and no other call wrote a person into since):
        // its tables are empty, so its first rows are plain inserts (fewer statements to compile).
        const first = fresh && created;
        // Only read here: the id is recorded below, with what the identify wrote, if it wrote anything.
        if (!first && this.store.messageSeen(input.messageId, input.now)) return { status: 'duplicate' };
        // A new person's row first, so the consent below lands on it; the row pushed above is this
        // revision's (rev 1), marked pushed in the same statement.
        if (created) this.store.newPerson(input.key, input.email, input.now, early && pushed ? early.rev : 0);
        const traitsChanged =
          this.lastPatch.get(source) !== patch &&
          this.store.mergeAttributes(source, input.traits, input.now, { onlyIfChanged: true, newPerson: created });
        const consentChanged = !!input.consent && this.store.setConsent(input.consent, input.now);
        const touched = this.store.mergeTouches(input.touches, input.anonymousId, input.now, { newPerson: created });
        const deviceId = input.anonymousId ?? input.deviceId ?? null;
        const device = !deviceId
          ? null
          : first
            ? this.store.firstDevice(deviceId, input.ip, input.userAgent, input.country ?? null, input.now)
            : this.store.upsertDevice(deviceId, input.ip, input.userAgent, input.country ?? null, input.now, {
                newPerson: created,
                skipLinked: !registered,
              });
        // Links to merge: a browser the registry knows (a new person's, looked up above), else any not merged yet.
        const queue = (id: string, linked: boolean | null) => {
          if (registered) {
            if (!registered.has(id) || linked) return;
            this.store.queueLink(id, input.now);
          } else if (linked === null) {
            if (!this.store.queueLinkUnlessLinked(id, input.now)) return;
          } else if (!linked) this.store.queueLink(id, input.now);
          else return;
          queued = true;
        };
        if (input.anonymousId) queue(input.anonymousId, device!.linked);
        for (const id of input.otherAnonymousIds ?? [])
          if (id !== input.anonymousId) queue(id, registered ? this.store.deviceLinked(id) : null);
        // The person's revision (the directory row follows it) and identify time move when something
        // changed, and otherwise once a minute at most.
        const stale = identifiedAt === null || identifiedAt <= input.now - STAMP_MS;
        const changed = traitsChanged || consentChanged || touched || !!device?.changed;
        if (!created && (changed || stale)) this.store.identifiedPerson(input.key, input.email, input.now);
        // An identify that changed nothing writes nothing, not even its id: no commit, no disk sync.
        // Its retry changes nothing either, unless a later change landed in between, and then it
        // applies as the same message arriving late would (docs/collector.md, on message ids).
        if (first) this.store.firstMessage(input.messageId, input.now);
        else if (created || changed || stale || queued) this.store.recordMessage(input.messageId, input.now);
        attributesChanged = created || traitsChanged || consentChanged;
        return { status: 'stored', created };
      });
    } catch (e) {
      if (early && pushed) await this.withdrawEarly(early);
      throw e;
    }
    if (outcome.status === 'stored') {
      // Committed: now the memory may say so.
      this.lastPatch.set(source, patch);
      const synced = outcome.created && !!early && pushed;
      // Armed in the commit of the change: if this instance ends before the row below reaches the
      // directory, the alarm pushes it. A new person whose row is already there and who has no
      // visitor to merge needs none.
      if (!synced || queued) await this.scheduleAlarm(input.now + OUTBOX_DELAY_MS);
      await this.audiences.afterChange(input.now, { attributesChanged });
      // A new person whose early push failed is left to the alarm (the shard just failed).
      if (outcome.created && !early) await this.pushNow();
    }
    return outcome;
  }

  /** The directory push of a new person's row before its commit; whether the shard took it (any answer). */
  private async pushEarly(entry: DirectoryEntry): Promise<boolean> {
    try {
      await directoryFor(this.env, entry.key).upsert(entry);
      return true;
    } catch (e) {
      console.error('directory push failed; retrying on the alarm', e instanceof Error ? e.name : typeof e);
      return false;
    }
  }

  /** The commit of a person whose row went out first failed: the row goes too (best effort). */
  private async withdrawEarly(entry: DirectoryEntry): Promise<void> {
    try {
      await directoryFor(this.env, entry.key).withdraw(entry.key, entry.rev, entry.createdAt);
    } catch (e) {
      console.error('directory withdraw failed', e instanceof Error ? e.name : typeof e);
    }
  }

  /** Touches for a person already known (via the person token or a linked visitor). */
  async addTouches(input: TouchInput): Promise<{ exists: boolean; duplicate: boolean }> {
    this.ensureSchema();
    const outcome = this.ctx.storage.transactionSync(() => {
      if (!this.store.exists()) return { exists: false, duplicate: false };
      if (this.store.seenMessage(input.messageId, input.now)) return { exists: true, duplicate: true };
      this.store.mergeTouches(input.touches, input.anonymousId, input.now);
      if (input.anonymousId)
        this.store.upsertDevice(input.anonymousId, input.ip, input.userAgent, input.country ?? null, input.now);
      this.store.changed(input.now);
      return { exists: true, duplicate: false };
    });
    if (outcome.exists && !outcome.duplicate) await this.scheduleAlarm(input.now + OUTBOX_DELAY_MS);
    return outcome;
  }

  /** Deep-merges one source's attributes (`null` deletes a key); refused for an erased person. */
  async upsertAttributes(input: AttributesInput): Promise<{ status: 'stored' | 'suppressed' }> {
    this.ensureSchema();
    for (const row of input.rows) this.lastPatch.delete(row.source);
    const status = this.ctx.storage.transactionSync(() => {
      if (this.store.suppressed()) return 'suppressed' as const;
      this.store.upsertPerson(input.key, input.email, input.now);
      for (const row of input.rows) this.store.mergeAttributes(row.source, row.attributes, input.now, { always: true });
      this.store.changed(input.now);
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
    return this.audiences.history();
  }

  private ensureSchema() {
    if (!this.schemaPending) return;
    // No schema_version table: nothing else is in this database either (every table here is made by
    // a migration after that one). The tables most people never write to wait for their first write.
    this.store.createdWithout(newSchema(this.sql, personSchema, laterTableNames));
    this.schemaPending = false;
    this.audiences.store.created();
  }

  snapshot(): PersonSnapshot | null {
    this.ensureSchema();
    return this.store.snapshot();
  }

  directoryEntry(): DirectoryEntry | null {
    this.ensureSchema();
    return this.store.directoryEntry();
  }

  /** Erasure: every row goes; only a tombstone (the object key, no personal data) stays as the suppression entry. */
  async erase(key: string, now: number): Promise<{ existed: boolean; anonymousIds: string[] }> {
    this.ensureSchema();
    const existed = this.store.exists();
    const anonymousIds = this.store.deviceIds();
    await this.ctx.storage.deleteAlarm();
    this.lastPatch.clear();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.audiences.forget();
    migrate(this.sql, personSchema);
    this.store.forgetTables();
    this.schemaPending = false;
    this.store.tombstone(key, now);
    return { existed, anonymousIds };
  }

  /** Lifts the suppression left by erasure, so the person may be created again. */
  liftSuppression(): boolean {
    this.ensureSchema();
    return this.store.liftTombstone();
  }

  isSuppressed(): boolean {
    this.ensureSchema();
    return this.store.suppressed();
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
      this.store.pruneMessages(now);
      this.prunedAt = now;
    }
    for (const anonymousId of unregistered) this.store.dropLink(anonymousId);
    if (pushedRev != null) this.store.markSynced(pushedRev);
    await attempt(() => this.audiences.onAlarm(now));
    if (this.store.linkingSince() !== null || this.store.directoryDirty())
      await this.scheduleAlarm(now + (failures.length ? RETRY_MS : 0));
    if (failures.length) throw failures[0];
  }

  /**
   * A new person's directory row, pushed in the identify instead of from the alarm armed with it: then
   * the revision pushed is marked and, with no other deferred work left, the alarm goes, in one commit.
   * On failure the alarm stays armed and pushes it.
   */
  private async pushNow(): Promise<void> {
    let pushed: number | null;
    try {
      pushed = await this.pushDirectory();
    } catch (e) {
      console.error('directory push failed; retrying on the alarm', e instanceof Error ? e.name : typeof e);
      return;
    }
    if (pushed === null) return;
    this.store.markSynced(pushed);
    const wanted =
      this.store.linkingSince() !== null || this.store.directoryDirty() ? undefined : this.audiences.wakeAt();
    if (wanted === undefined || this.alarmAt === undefined) return;
    // Nothing else deferred: only the audiences' own time, if any, is left for the alarm.
    this.alarmAt = wanted;
    if (wanted === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(wanted);
  }

  private async registered(anonymousIds: string[]): Promise<Set<string> | null> {
    try {
      return await registeredVisitors(this.env, anonymousIds);
    } catch {
      // The registry unreachable: link every browser (the alarm asks again).
      return null;
    }
  }

  /** Merges the pending visitors that hold touches; the ids of those that hold none (for the caller to drop). */
  private async linkVisitors(now: number): Promise<string[]> {
    const key = this.store.person()?.key;
    const pending = this.store.pendingLinks(LINKS_PER_ALARM);
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
        this.store.dropLink(anonymousId);
        if (this.store.exists()) this.store.linkDevice(anonymousId, claim, now);
      });
    }
    return unregistered;
  }

  // Pushes the current row to the directory shard; the revision sent (the caller marks it synced, so a
  // change made meanwhile is pushed by the next alarm), or null when nothing was due.
  private async pushDirectory(): Promise<number | null> {
    if (!this.store.directoryDirty()) return null;
    const entry = this.store.directoryEntry();
    if (!entry) return null;
    await directoryFor(this.env, entry.key).upsert(entry);
    return entry.rev;
  }

  /**
   * Arms the alarm no later than `at`. With the stored alarm known, it is set in the caller's turn, so
   * a new person's alarm is written in the same commit as the person.
   */
  private async scheduleAlarm(at: number) {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
