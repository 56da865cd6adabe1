import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from './sql';
import { personSchema } from './person-schema';
import { PersonAudiences, type EvaluateOptions } from './person-audiences';
import type { AudienceConfig } from '../audiences/types';
import type { Touch } from '../../shared/schemas/collect';

const DEDUPE_MS = 7 * 24 * 3600 * 1000;

export interface IdentifyInput {
  email: string;
  messageId: string;
  anonymousId: string;
  traits: Record<string, unknown>;
  touches: Touch[];
  ip: string | null;
  userAgent: string | null;
  now: number;
}

export interface StoredTouch {
  kind: string;
  value: string;
  firstSeen: number;
  lastSeen: number;
  landingUrl: string | null;
  referrer: string | null;
}

export interface Device {
  anonymousId: string;
  ip: string | null;
  userAgent: string | null;
  firstSeen: number;
  lastSeen: number;
}

export interface PersonSnapshot {
  email: string;
  createdAt: number;
  updatedAt: number;
  attributes: Record<string, Record<string, unknown>>;
  attributeUpdatedAt: Record<string, number>;
  touches: StoredTouch[];
  devices: Device[];
}

type TouchRow = { kind: string; value: string; first_seen: number; last_seen: number; landing_url: string | null; referrer: string | null };
type DeviceRow = { anonymous_id: string; ip: string | null; user_agent: string | null; first_seen: number; last_seen: number };

/** One person's state. One writer per person is what keeps merges and entries consistent. */
export class PersonObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly audiences: PersonAudiences;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, personSchema);
    this.audiences = new PersonAudiences(ctx, env);
  }

  /** Applies an identify; answers `duplicate: true` (and changes nothing) for a message id seen in the last 7 days. */
  async identify(input: IdentifyInput): Promise<{ duplicate: boolean }> {
    const outcome = this.applyIdentify(input);
    if (!outcome.duplicate) await this.audiences.afterChange(input.now);
    return outcome;
  }

  // Audiences (person-audiences.ts): re-evaluation at `now`, the audit of one membership, history.
  evaluateAudiences(now: number, config?: AudienceConfig, options?: EvaluateOptions) { return this.audiences.evaluate(now, config, options); }
  auditAudience(audienceId: string, now: number, config?: AudienceConfig) { return this.audiences.audit(audienceId, now, config); }
  audienceHistory() { return { entries: this.audiences.entries(), exits: this.audiences.exits(), conversions: this.audiences.conversions() }; }

  async alarm() {
    await this.audiences.onAlarm(Date.now());
  }

  private applyIdentify(input: IdentifyInput): { duplicate: boolean } {
    return this.ctx.storage.transactionSync(() => {
      if (this.seen(input.messageId, input.now)) return { duplicate: true };
      this.upsertPerson(input.email, input.now);
      this.mergeAttributes('traits', input.traits, input.now);
      for (const t of input.touches) this.mergeTouch(t, input.anonymousId);
      this.upsertDevice(input.anonymousId, input.ip, input.userAgent, input.now);
      return { duplicate: false };
    });
  }

  snapshot(): PersonSnapshot | null {
    const person = this.sql.exec<{ email: string; created_at: number; updated_at: number }>('SELECT email, created_at, updated_at FROM person').toArray()[0];
    if (!person) return null;
    const attributes: PersonSnapshot['attributes'] = {};
    const attributeUpdatedAt: PersonSnapshot['attributeUpdatedAt'] = {};
    for (const row of this.sql.exec<{ source: string; data: string; updated_at: number }>('SELECT source, data, updated_at FROM attributes ORDER BY source')) {
      attributes[row.source] = JSON.parse(row.data);
      attributeUpdatedAt[row.source] = row.updated_at;
    }
    const touches = this.sql
      .exec<TouchRow>('SELECT kind, value, first_seen, last_seen, landing_url, referrer FROM touches ORDER BY first_seen')
      .toArray()
      .map((r) => ({ kind: r.kind, value: r.value, firstSeen: r.first_seen, lastSeen: r.last_seen, landingUrl: r.landing_url, referrer: r.referrer }));
    const devices = this.sql
      .exec<DeviceRow>('SELECT anonymous_id, ip, user_agent, first_seen, last_seen FROM devices ORDER BY last_seen DESC')
      .toArray()
      .map((r) => ({ anonymousId: r.anonymous_id, ip: r.ip, userAgent: r.user_agent, firstSeen: r.first_seen, lastSeen: r.last_seen }));
    return { email: person.email, createdAt: person.created_at, updatedAt: person.updated_at, attributes, attributeUpdatedAt, touches, devices };
  }

  private seen(messageId: string, now: number): boolean {
    this.sql.exec('DELETE FROM messages WHERE at < ?', now - DEDUPE_MS);
    const dup = this.sql.exec('SELECT 1 FROM messages WHERE id = ?', messageId).toArray().length > 0;
    if (!dup) this.sql.exec('INSERT INTO messages (id, at) VALUES (?, ?)', messageId, now);
    return dup;
  }

  private upsertPerson(email: string, now: number) {
    this.sql.exec(
      `INSERT INTO person (id, email, created_at, updated_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
      email,
      now,
      now,
    );
  }

  private mergeAttributes(source: string, patch: Record<string, unknown>, now: number) {
    if (Object.keys(patch).length === 0) return;
    const row = this.sql.exec<{ data: string }>('SELECT data FROM attributes WHERE source = ?', source).toArray()[0];
    const merged = deepMerge(row ? JSON.parse(row.data) : {}, patch);
    this.sql.exec(
      `INSERT INTO attributes (source, data, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      source,
      JSON.stringify(merged),
      now,
    );
  }

  // Keeps the earliest first-seen (and its landing page) and the latest last-seen of each click ID.
  private mergeTouch(t: Touch, anonymousId: string) {
    this.sql.exec(
      `INSERT INTO touches (kind, value, first_seen, last_seen, landing_url, referrer, anonymous_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, value) DO UPDATE SET
         landing_url = CASE WHEN excluded.first_seen < first_seen THEN excluded.landing_url ELSE landing_url END,
         referrer = CASE WHEN excluded.first_seen < first_seen THEN excluded.referrer ELSE referrer END,
         anonymous_id = CASE WHEN excluded.first_seen < first_seen THEN excluded.anonymous_id ELSE anonymous_id END,
         first_seen = min(first_seen, excluded.first_seen),
         last_seen = max(last_seen, excluded.last_seen)`,
      t.kind,
      t.value,
      t.firstSeen,
      Math.max(t.lastSeen ?? t.firstSeen, t.firstSeen),
      t.landingUrl ?? null,
      t.referrer ?? null,
      anonymousId,
    );
  }

  private upsertDevice(anonymousId: string, ip: string | null, userAgent: string | null, now: number) {
    this.sql.exec(
      `INSERT INTO devices (anonymous_id, ip, user_agent, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (anonymous_id) DO UPDATE SET
         ip = coalesce(excluded.ip, ip), user_agent = coalesce(excluded.user_agent, user_agent), last_seen = excluded.last_seen`,
      anonymousId,
      ip,
      userAgent,
      now,
      now,
    );
  }
}

/** Deep-merges plain objects; `null` deletes a key; arrays and scalars replace. Own keys only. */
export function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = patch[key];
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = deepMerge(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
