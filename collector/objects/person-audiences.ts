// A person's audiences, inside their PersonObject (the one writer): the orchestration of an
// evaluation (config, plan, entry ids, one transaction, then the members index and the hand-off to
// delivery), the boundary alarm, and the audit of one membership. The decisions are the pure plan's
// (collector/audiences/plan.ts); the tables are the stores' (person-store.ts, person-audience-store.ts).
import { logError } from '../log-error';
import { entryId } from '../../shared/criteria';
import type { Env } from '../env';
import { personKey } from '../identity';
import { loadAudienceConfig, noteAudienceConfig, refreshAudienceConfig } from '../audiences/config-cache';
import { handOff } from '../audiences/hand-off';
import { planEvaluation, type EvaluationPlan } from '../audiences/plan';
import { handOffRetractions } from '../audiences/retraction-hand-off';
import type { AudienceConfig, Entry, EvaluationResult } from '../audiences/types';
import { configObject } from './doors';
import { auditPerson, type PersonAudit } from './person-audit';
import { PersonAudienceStore } from './person-audience-store';
import type { PersonStore } from './person-store';

export type { PersonAudit };

export interface EvaluateOptions {
  /** Return the memberships instead of pushing them to the members index (populate batches them). */
  returnIndex?: boolean;
}

const MAX_ATTEMPTS = 4;
const RETRY_MS = 60_000;
/**
 * How long a conversion waits for the person's pending visitor links (queued by an identify, merged
 * by the PersonObject's alarm about OUTBOX_DELAY_MS later, retried every 5 s when the registry or a
 * VisitorObject fails): the payload is built at hand-off, so it waits for the visitor's click IDs and
 * device. After this, counted from the oldest pending link, it is handed off with what the person has.
 */
export const LINK_WAIT_MS = 60_000;

export class PersonAudiences {
  readonly store: PersonAudienceStore;
  /** Serialises the members-index pushes of overlapping evaluations (not a cache). */
  private indexing: Promise<void> = Promise.resolve();
  /**
   * The config of the last evaluation that left nothing pending, and the next boundary it found.
   * Until then, a change that touched no attribute and no consent (an identify repeating what is
   * known) cannot change any membership or row, so it skips the evaluation: the repeat identify's
   * hot path then reads no table of this module (the reason it is kept). Dropped by every evaluation
   * and by erasure.
   */
  private quiet: { cfg: AudienceConfig; until: number } | null = null;
  /**
   * The highest config version this object has evaluated with (not a cache: an instance outlives the
   * isolate's cache TTL, and a new one starts after a while idle, when every cache is newer).
   * No evaluation uses an older config: a change right after a populate job reached the person
   * with a fresh config is never evaluated with the isolate's cache from before the save.
   */
  private configVersion = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly person: PersonStore,
    /** Arms the object's one alarm no later than `at` (the PersonObject's scheduler, shared with its other work). */
    private readonly schedule: (at: number) => Promise<void>,
  ) {
    this.store = new PersonAudienceStore(ctx.storage.sql);
  }

  /**
   * Re-evaluates every audience for this person at `now` (epoch ms). `config` comes from a populate
   * job (fresh) or, when absent, from the per-isolate cache.
   */
  async evaluate(now: number, config?: AudienceConfig, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    let cfg = await this.config(config);
    // A given config was read from the ConfigObject for this evaluation; the cache's may predate a
    // save made in another isolate (up to CONFIG_TTL_MS ago), which only matters for an entry.
    let current = config !== undefined;
    this.quiet = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const person = this.person.person();
      if (!person) return { known: false, personKey: null, members: [], entries: [], exits: [], nextBoundary: null };
      const key = person.key ?? (await personKey(this.env, person.email));
      const { attributes, fingerprint } = this.person.attributes();
      const prior = this.store.prior(person.consent_ads ?? 'unknown');
      const plan = planEvaluation(cfg, attributes, prior, now);
      // An entry fires conversions and is never taken back: it is recorded only on the current
      // config (an edit saved elsewhere a moment ago that excludes this person must not send them).
      // One ConfigObject read per new entry from the cache's config; entries are rare.
      if (!current && plan.wouldEnter) {
        current = true;
        const fresh = await refreshAudienceConfig(this.env);
        if (fresh.version > cfg.version) {
          cfg = fresh;
          this.configVersion = Math.max(this.configVersion, fresh.version);
          attempt--;
          continue;
        }
      }
      let entries: Entry[] = [];
      if (!plan.untracked) {
        // Entry ids need SHA-256 (async); the plan is written only if nothing it read changed meanwhile.
        const ids = new Map<string, string>();
        for (const e of plan.entries) ids.set(e.audienceId, await entryId(e.audienceId, key, e.timestamp));
        const before = plan.wouldEnter ? JSON.stringify(prior) : null;
        const written = this.ctx.storage.transactionSync(() => {
          if (
            before !== null &&
            (this.person.attributes().fingerprint !== fingerprint ||
              JSON.stringify(this.store.prior(this.person.consent())) !== before)
          )
            return null;
          return this.store.apply(plan, ids, now);
        });
        // Another change landed while hashing: evaluate again on what is stored now.
        if (!written) continue;
        entries = written;
      }
      const result = resultOf(plan, key, entries);
      if (options.returnIndex) result.index = this.store.takeIndex();
      let clean: boolean;
      try {
        clean = await this.afterApply(cfg, key, result.nextBoundary, now);
      } catch (e) {
        // The caller gets no index to write after all: the rows go back to this object's own push
        // (its next evaluation), or a populate that counts this person as failed would leave them out.
        if (result.index?.length) this.store.unindex();
        throw e;
      }
      if (clean && !config && !options.returnIndex)
        this.quiet = { cfg, until: result.nextBoundary ?? Number.POSITIVE_INFINITY };
      return result;
    }
    throw new Error('attributes kept changing during audience evaluation');
  }

  /** After a change to the person: never fails the change; a failed evaluation retries on the alarm. */
  async afterChange(now: number, { attributesChanged = true }: { attributesChanged?: boolean } = {}): Promise<void> {
    try {
      if (!attributesChanged && this.quiet && now < this.quiet.until && this.quiet.cfg === (await this.config())) {
        // The object's one alarm may just have been spent on other work: keep the boundary armed.
        if (this.quiet.until !== Number.POSITIVE_INFINITY) await this.schedule(this.quiet.until);
        return;
      }
      // No audience configured and none ever tracked here (a new person, most often): the evaluation
      // would read the person and its attributes to find nothing. Quiet until the config changes.
      const cfg = await this.config();
      if (cfg.audiences.length === 0 && !this.store.hasTables()) {
        this.quiet = { cfg, until: Number.POSITIVE_INFINITY };
        return;
      }
      await this.evaluate(now);
    } catch (e) {
      logError('audience evaluation failed; retrying on the alarm', e);
      await this.schedule(Date.now() + RETRY_MS);
    }
  }

  /**
   * When the audiences need the object's alarm: null when never (quiet, no boundary), the boundary
   * when quiet, undefined when something is pending (the evaluation armed what it needs).
   */
  wakeAt(): number | null | undefined {
    if (!this.quiet) return undefined;
    return this.quiet.until === Number.POSITIVE_INFINITY ? null : this.quiet.until;
  }

  /** The boundary alarm: membership follows time with no new data. */
  async onAlarm(now: number): Promise<void> {
    // The alarm also runs the person's other deferred work: evaluate only when a boundary passed, the
    // configuration changed or the last evaluation left something pending (not quiet).
    await this.afterChange(now, { attributesChanged: false });
  }

  /**
   * The config to evaluate with: the one given (a populate job's or the audit's, read fresh from the
   * ConfigObject), which then also refreshes this isolate's cache; otherwise the cache's, refetched
   * when it is older than a config this object has already evaluated with. A given config older than
   * that (a page that read it before a later save) is not used either.
   */
  private async config(given?: AudienceConfig): Promise<AudienceConfig> {
    if (given && given.version >= this.configVersion) {
      noteAudienceConfig(given);
      this.configVersion = given.version;
      return given;
    }
    const cfg = await loadAudienceConfig(this.env, Date.now, this.configVersion);
    this.configVersion = Math.max(this.configVersion, cfg.version);
    return cfg;
  }

  /** After erasure: nothing in memory outlives the person's storage. */
  forget(): void {
    this.quiet = null;
    this.store.forget();
  }

  /** The audit view of this person for one audience, or null when the person or audience is unknown. */
  async audit(audienceId: string, now: number, config?: AudienceConfig): Promise<PersonAudit | null> {
    return auditPerson(this.env, this.person, this.store, await this.config(config), audienceId, now);
  }

  /** The person's audience history (the API's person view). */
  history() {
    const key = this.person.person()?.key ?? '';
    return {
      entries: this.store.entries(),
      exits: this.store.exits(),
      conversions: this.store.conversions(key),
      retractions: this.store.retractions().map((r) => ({
        id: r.id,
        conversionRowId: r.conversion_row_id,
        entryId: r.entry_id,
        audienceId: r.audience_id,
        conversionId: r.conversion_id,
        destinationId: r.destination_id,
        retractAt: r.retract_at,
        status: r.status,
        reason: r.reason,
        handedOff: r.handed_off_at !== null,
        createdAt: r.created_at,
      })),
    };
  }

  // --- after the transaction -------------------------------------------------------------------

  /** True when nothing is left pending (the members index pushed, every pending row handed off). */
  private async afterApply(cfg: AudienceConfig, key: string, boundary: number | null, now: number): Promise<boolean> {
    if (boundary !== null) await this.schedule(boundary);
    // The members index and the hand-off are retried on every evaluation until they succeed.
    let indexed = true;
    this.indexing = this.indexing
      .then(() => this.pushIndex(key))
      .catch((e) => {
        indexed = false;
        logError('audience index push failed', e);
      });
    await this.indexing;
    if (!this.store.hasTables()) return indexed;
    const pending = this.store.unhandedConversions(key);
    if (pending.length) {
      const linking = this.person.linkingSince();
      if (linking !== null && now < linking + LINK_WAIT_MS) {
        // The alarm that merges the links evaluates again (nothing is quiet) and hands off then.
        await this.schedule(linking + LINK_WAIT_MS);
        return false;
      }
      const conversions = new Map(cfg.audiences.flatMap((a) => a.conversions.map((c) => [c.id, c] as const)));
      const { accepted } = await handOff(this.env, this.person.personView(), pending, conversions, cfg.identityMapping);
      for (const id of accepted) this.store.conversionHandedOff(id, now);
      if (accepted.length < pending.length) return false;
    }
    const retractions = this.store.unhandedRetractions();
    if (retractions.length) {
      const conversions = new Map(cfg.audiences.flatMap((a) => a.conversions.map((c) => [c.id, c] as const)));
      const { accepted } = await handOffRetractions(
        this.env,
        this.person.personView(),
        retractions.map((r) => ({
          id: r.id,
          entryId: r.entry_id,
          audienceId: r.audience_id,
          conversionId: r.conversion_id,
          destinationId: r.destination_id,
          personKey: key,
          timestamp: r.timestamp,
          retractAt: r.retract_at,
        })),
        conversions,
      );
      for (const id of accepted) this.store.retractionHandedOff(id, now);
      if (accepted.length < retractions.length) return false;
    }
    return indexed;
  }

  private async pushIndex(key: string) {
    const unindexed = this.store.unindexed();
    if (!unindexed.length) return;
    await configObject(this.env).recordMembership(key, unindexed);
    this.store.markIndexed(unindexed);
  }
}

/** What an evaluation reports: the plan, with the entries as recorded (their ids). */
function resultOf(plan: EvaluationPlan, key: string, entries: Entry[]): EvaluationResult {
  const exits: EvaluationResult['exits'] = [];
  for (const x of plan.exits)
    if (x.reason !== 'audience_deleted') exits.push({ audienceId: x.audienceId, reason: x.reason });
  return { known: true, personKey: key, members: plan.members, entries, exits, nextBoundary: plan.nextBoundary };
}
