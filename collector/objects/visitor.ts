import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Touch } from '../../shared/schemas/collect';
import { migrate } from './sql';
import { visitorSchema } from './visitor-schema';
import {
  freshTouches,
  mergeTouchRow,
  pruneMessages,
  pruneTouches,
  seenMessage,
  toStoredTouch,
  TOUCH_RETENTION_MS,
  type StoredTouch,
  type TouchRow,
} from './touch-rows';

export interface VisitorTouchInput {
  /** False when the sender's creation budget is spent: a new visitor is then refused. */
  mayCreate?: boolean;
  messageId: string;
  touches: Touch[];
  ip: string | null;
  userAgent: string | null;
  now: number;
}

export type VisitorTouchOutcome =
  /** The visitor already belongs to a person: the caller sends the touches there instead. */
  { linked: string } | { linked: null; duplicate: boolean; created: boolean } | { linked: null; refused: true };

export interface VisitorClaim {
  touches: StoredTouch[];
  ip: string | null;
  userAgent: string | null;
}

/**
 * One anonymous browser before (and after) it identifies: keeps click IDs captured before an identify,
 * so they survive the browser losing its own storage. After an identify it points at the person.
 * Expires 90 days after its last activity.
 */
export class VisitorObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private ready: boolean;

  // Most browsers never send a touch before identifying: their visitor is asked once (link) and
  // must not cost a database, so the schema is created on the first write only.
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.ready =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visitor'").toArray().length > 0;
    if (this.ready) migrate(this.sql, visitorSchema);
  }

  private ensureSchema() {
    if (!this.ready) migrate(this.sql, visitorSchema);
    this.ready = true;
  }

  /** Stores touches unless the visitor already points at a person (then nothing is written here). */
  async recordTouches(input: VisitorTouchInput): Promise<VisitorTouchOutcome> {
    const linked = this.personKey();
    if (linked) return { linked };
    const created = !this.ready || !this.sql.exec('SELECT 1 FROM visitor').toArray().length;
    if (created && input.mayCreate === false) return { linked: null, refused: true };
    this.ensureSchema();
    const duplicate = this.ctx.storage.transactionSync(() => {
      pruneMessages(this.sql, input.now);
      if (seenMessage(this.sql, input.messageId, input.now)) return true;
      this.touchVisitor(input.ip, input.userAgent, input.now);
      pruneTouches(this.sql, input.now);
      for (const t of freshTouches(input.touches, input.now)) mergeTouchRow(this.sql, t);
      return false;
    });
    await this.expireLater(input.now);
    return { linked: null, duplicate, created };
  }

  /**
   * Points the visitor at a person and hands over everything it kept. Idempotent: the touches stay
   * until the visitor expires, so a merge that failed half-way is simply repeated.
   */
  async link(personKey: string, now: number): Promise<VisitorClaim> {
    // Nothing kept: nothing to point either. The browser's later touches carry the person token.
    if (!this.ready || !this.sql.exec('SELECT 1 FROM visitor').toArray().length)
      return { touches: [], ip: null, userAgent: null };
    const claim = this.ctx.storage.transactionSync(() => {
      this.touchVisitor(null, null, now);
      this.sql.exec('UPDATE visitor SET person_key = ?', personKey);
      const v = this.sql
        .exec<{ ip: string | null; user_agent: string | null }>('SELECT ip, user_agent FROM visitor')
        .one();
      pruneTouches(this.sql, now);
      const touches = this.sql
        .exec<TouchRow>(
          'SELECT kind, value, first_seen, last_seen, landing_url, referrer, raw FROM touches ORDER BY seq',
        )
        .toArray()
        .map(toStoredTouch);
      return { touches, ip: v.ip, userAgent: v.user_agent };
    });
    await this.expireLater(now);
    return claim;
  }

  /** Forgets the person pointer (the person was erased): later touches are kept here again. */
  unlink(personKey: string): void {
    if (!this.ready) return;
    this.sql.exec('UPDATE visitor SET person_key = NULL WHERE person_key = ?', personKey);
  }

  /** Erasure of the person this browser identified as. */
  async forget(): Promise<void> {
    if (!this.ready) return;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.ready = false;
  }

  state(): { personKey: string | null; touches: StoredTouch[] } | null {
    if (!this.ready) return null;
    const v = this.sql.exec<{ person_key: string | null }>('SELECT person_key FROM visitor').toArray()[0];
    if (!v) return null;
    const touches = this.sql
      .exec<TouchRow>('SELECT kind, value, first_seen, last_seen, landing_url, referrer, raw FROM touches ORDER BY seq')
      .toArray()
      .map(toStoredTouch);
    return { personKey: v.person_key, touches };
  }

  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.ready = false;
  }

  private personKey(): string | null {
    if (!this.ready) return null;
    return (
      this.sql.exec<{ person_key: string | null }>('SELECT person_key FROM visitor').toArray()[0]?.person_key ?? null
    );
  }

  private touchVisitor(ip: string | null, userAgent: string | null, now: number) {
    this.sql.exec(
      `INSERT INTO visitor (id, ip, user_agent, created_at, updated_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET ip = coalesce(excluded.ip, ip), user_agent = coalesce(excluded.user_agent, user_agent), updated_at = excluded.updated_at`,
      ip,
      userAgent,
      now,
      now,
    );
  }

  // Visitors that never identify are forgotten 90 days after their last activity.
  private async expireLater(now: number) {
    await this.ctx.storage.setAlarm(now + TOUCH_RETENTION_MS);
  }
}
