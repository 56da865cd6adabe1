import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { decryptCredentials, encryptCredentials, importCredentialKey } from '../crypto/credentials';
import { destinations } from '../destinations/registry';
import { serialExecutor } from '../delivery/serial';
import {
  confirm,
  enqueue,
  flush,
  requeue,
  type DestinationRuntime,
  type FlushStats,
  type OutboxEntry,
  type RequestLog,
  type RowStatus,
} from '../delivery/outbox';
import type { CachedToken } from '../delivery/oauth';
import { sendBatch } from '../delivery/send';
import { SqlOutboxStore, type LogQuery } from '../delivery/sql-outbox-store';
import { wouldSend, type WouldSend } from '../audiences/would-send';
import type { ConversionRow, RowOutcome } from '../delivery/types';
import {
  credentialsToReenter,
  maskSettings,
  settingsSchemas,
  type DestinationType,
  type Mode,
} from '../../shared/schemas/destinations';
import { destinationSchema } from './destination-schema';
import { destinationCoverageSchema } from './destination-coverage-schema';
import { migrate } from './sql';
import { loadAudienceConfig } from '../audiences/config-cache';
import type { AudienceConfig } from '../audiences/types';
import { customEndpointsIssue } from '../security/custom-endpoints';
import { alertAfterFlush } from '../alerts/delivery-alerts';
import { ITEM_FIELDS, NO_FIELDS } from '../ladders/item-value';
import type { MatchCoverage } from '../delivery/match-coverage';
import type { CoverageWeek } from '../delivery/coverage-report';
import { RETRACTION_SUFFIX } from '../destinations/definition';
import { configObject } from './doors';

export interface DestinationConfigInput {
  id: string;
  name?: string;
  type: DestinationType;
  mode: Mode;
  settings: Record<string, unknown>;
  endpoint?: string;
  tokenEndpoint?: string;
  paused?: boolean;
}

export interface DestinationView {
  id: string;
  name: string;
  type: DestinationType;
  mode: Mode;
  settings: Record<string, unknown>;
  endpoint: string | null;
  tokenEndpoint: string | null;
  paused: boolean;
  counts: Record<string, number>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string; issues?: unknown };

/** One row of the cross-destination delivery log (collector/conversions/log.ts merges these). */
export interface DeliveryLogRow {
  /** The row's key in this destination's outbox. */
  key: string;
  entryId: string;
  /** 'retraction': the withdrawal of this entry's conversion (an exit marked as a reversal). */
  kind: 'conversion' | 'retraction';
  audienceId: string | null;
  conversionId: string | null;
  personKey: string | null;
  email: string | null;
  status: RowStatus;
  attempts: number;
  skipReason: string | null;
  error: OutboxEntry['error'];
  note: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  /** When a queued row is next due, or a pending_confirmation row next checked. */
  dueAt: number | null;
  /** This conversion's part of the request body, exactly as sent. */
  event: unknown;
  /** Its match keys and score, recorded when it was built (null for retractions, skipped rows and rows built before coverage was recorded). */
  coverage: MatchCoverage | null;
  /** The request it last travelled in (credentials redacted); `body` (the whole batch) only when asked. */
  request:
    | (Omit<RequestLog, 'request' | 'rowIds'> & {
        method: string;
        url: string;
        headers: Record<string, string>;
        body?: unknown;
        rows: number;
      })
    | null;
}

const MAX_BATCHES_PER_ALARM = 25;

type ConfigRow = {
  destination_id: string;
  name: string;
  type: DestinationType;
  mode: Mode;
  sealed_settings: string;
  endpoint: string | null;
  token_endpoint: string | null;
  paused: number;
  consent_default_chosen: number;
};

/** A destination's id, as the destinations service makes it (services/destinations.ts): `dst_` and 16 hex digits. */
export const DESTINATION_ID = /^dst_[0-9a-f]{16}$/;

/**
 * The outbox of one destination: conversion rows enqueued once per entry id, flushed on an alarm in
 * batches up to the platform's limit, leased before sending, never resent once sent, retried per the
 * retry policy; the delivery log of every request (credentials redacted) and the OAuth token cache.
 *
 * (Over 300 lines: one object's RPC surface (configure, enqueue, flush, log, test, retry) over its
 * sealed settings and its outbox store; the rules themselves live in delivery/ and destinations/.)
 */
export class DestinationObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly store: SqlOutboxStore;
  private tokenCache: CachedToken | null = null;
  /** Replaced in tests that run inside workerd; production uses the global fetch. */
  fetchImpl: typeof fetch = (input, init) => fetch(input, init);
  random: () => number = Math.random;
  /** Per-request timeout; lowered in tests that inject hangs. */
  timeoutMs = 15_000;
  /** The clock: tests move it forward to reach a retry's due time without waiting. */
  now: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, destinationSchema);
    migrate(this.sql, destinationCoverageSchema, 'coverage');
    this.store = new SqlOutboxStore(this.sql);
  }

  private config(): ConfigRow | undefined {
    return this.sql
      .exec<ConfigRow>(
        'SELECT destination_id, name, type, mode, sealed_settings, endpoint, token_endpoint, paused, consent_default_chosen FROM config WHERE id = 1',
      )
      .toArray()[0];
  }

  /**
   * The stored settings. Before the 'unknown' consent default existed, every destination was saved
   * with defaultConsent 'granted' filled in by the schema's default (and preselected in the admin), so
   * a 'granted' saved then is read as that old default, 'unknown'; saving the destination again
   * records the operator's explicit choice.
   */
  private async settingsOf(key: CryptoKey, cfg: ConfigRow): Promise<Record<string, unknown>> {
    const settings = await decryptCredentials<Record<string, unknown>>(key, cfg.sealed_settings, cfg.destination_id);
    if (!cfg.consent_default_chosen && settings.defaultConsent === 'granted') settings.defaultConsent = 'unknown';
    return settings;
  }

  private async runtime(cfg: ConfigRow, mode?: Mode): Promise<DestinationRuntime<unknown>> {
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const settings = await this.settingsOf(key, cfg);
    return {
      def: destinations[cfg.type],
      settings,
      mode: mode ?? cfg.mode,
      endpoint: cfg.endpoint ?? undefined,
      tokenEndpoint: cfg.token_endpoint ?? undefined,
      fetchImpl: this.fetchImpl,
      random: this.random,
      timeoutMs: this.timeoutMs,
      tokenCache: this.tokenCache,
      onRotatedRefreshToken: async (token) => {
        // The platform may have revoked the old refresh token: save the new one before anything else.
        settings.refreshToken = token;
        const sealed = await encryptCredentials(key, settings, cfg.destination_id);
        this.sql.exec('UPDATE config SET sealed_settings = ?, updated_at = ? WHERE id = 1', sealed, this.now());
      },
    };
  }

  /** Create or replace this destination's configuration (settings validated, sealed at rest). */
  async configure(
    input: DestinationConfigInput,
    enteredSettings?: Record<string, unknown>,
  ): Promise<Result<DestinationView>> {
    const endpointIssue = customEndpointsIssue(this.env, input);
    if (endpointIssue) return { ok: false, code: 'custom_endpoint_not_allowed', message: endpointIssue };
    const parsed = settingsSchemas[input.type].safeParse(input.settings);
    if (!parsed.success)
      return {
        ok: false,
        code: 'invalid_settings',
        message: 'the settings are not valid for this destination type',
        issues: parsed.error.issues,
      };
    const settings = parsed.data as Record<string, unknown>;
    const def = destinations[input.type];
    const modeIssue = def.modeIssue?.(settings, input.mode);
    if (modeIssue) return { ok: false, code: 'invalid_mode', message: modeIssue };
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const before = this.config();
    if (before) {
      if (before.destination_id !== input.id || before.type !== input.type)
        return { ok: false, code: 'conflict', message: 'this object belongs to another destination' };
      const prev = await decryptCredentials<Record<string, unknown>>(
        key,
        before.sealed_settings,
        before.destination_id,
      );
      const missing = credentialsToReenter(
        input.type,
        { endpoint: before.endpoint ?? undefined, tokenEndpoint: before.token_endpoint ?? undefined, settings: prev },
        input,
        enteredSettings ?? input.settings,
      );
      if (missing.length)
        return {
          ok: false,
          code: 'credentials_required',
          message: `changing endpoint or tokenEndpoint requires the credentials again: ${missing.join(', ')}`,
          issues: missing.map((k) => ({ path: ['settings', k], message: 'enter it again' })),
        };
    }
    const sealed = await encryptCredentials(key, settings, input.id);
    this.sql.exec(
      `INSERT INTO config (id, destination_id, name, type, mode, sealed_settings, endpoint, token_endpoint, paused, updated_at, consent_default_chosen) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, mode = excluded.mode, sealed_settings = excluded.sealed_settings, endpoint = excluded.endpoint,
         token_endpoint = excluded.token_endpoint, paused = excluded.paused, updated_at = excluded.updated_at, consent_default_chosen = 1`,
      input.id,
      input.name ?? before?.name ?? '',
      input.type,
      input.mode,
      sealed,
      input.endpoint ?? null,
      input.tokenEndpoint ?? null,
      input.paused ? 1 : 0,
      this.now(),
    );
    this.tokenCache = null;
    if (!input.paused) await this.wake(this.now());
    return { ok: true, value: (await this.describe())! };
  }

  /**
   * PATCH: settings merged onto the stored ones (a secret not sent is kept), then validated again.
   * Changing endpoint or tokenEndpoint needs the credentials in this same patch.
   */
  async update(patch: {
    name?: string;
    mode?: Mode;
    settings?: Record<string, unknown>;
    endpoint?: string | null;
    tokenEndpoint?: string | null;
    paused?: boolean;
  }): Promise<Result<DestinationView>> {
    const cfg = this.config();
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such destination' };
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const stored = await this.settingsOf(key, cfg);
    const pick = (v: string | null | undefined, old: string | null) =>
      v === undefined ? (old ?? undefined) : (v ?? undefined);
    return this.configure(
      {
        id: cfg.destination_id,
        name: patch.name ?? cfg.name,
        type: cfg.type,
        mode: patch.mode ?? cfg.mode,
        settings: { ...stored, ...patch.settings },
        endpoint: pick(patch.endpoint, cfg.endpoint),
        tokenEndpoint: pick(patch.tokenEndpoint, cfg.token_endpoint),
        paused: patch.paused ?? !!cfg.paused,
      },
      patch.settings ?? {},
    );
  }

  /** DELETE: the configuration and unsent rows go; sent rows and the delivery log stay for the record. */
  async remove(): Promise<{ cancelled: number }> {
    const cancelled = this.sql.exec(`DELETE FROM outbox WHERE status IN ('queued', 'leased')`).rowsWritten;
    this.sql.exec('DELETE FROM config');
    await this.ctx.storage.deleteAlarm();
    this.tokenCache = null;
    return { cancelled };
  }

  /** The configuration with secrets masked, and row counts by status. */
  async describe(): Promise<DestinationView | null> {
    const cfg = this.config();
    if (!cfg) return null;
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const settings = await this.settingsOf(key, cfg);
    return {
      id: cfg.destination_id,
      name: cfg.name,
      type: cfg.type,
      mode: cfg.mode,
      settings: maskSettings(cfg.type, settings),
      endpoint: cfg.endpoint,
      tokenEndpoint: cfg.token_endpoint,
      paused: !!cfg.paused,
      counts: this.store.counts(),
    };
  }

  /** Add conversion rows; an entry id already known is ignored (re-population never sends twice). */
  async enqueue(rows: ConversionRow[]): Promise<Result<{ queued: number; skipped: number; existing: number }>> {
    const cfg = this.config();
    if (!cfg) return { ok: false, code: 'not_configured', message: 'destination is not configured' };
    const now = this.now();
    const out = await enqueue(this.store, await this.runtime(cfg), rows, now);
    if (out.queued && !cfg.paused) await this.wake(now);
    return { ok: true, value: out };
  }

  /**
   * The audit (GET /api/audiences/{id}/members): what each row would send, built as enqueue builds
   * it. A queued row shows as held when the gate would hold it at its next flush. Stores nothing.
   */
  async preview(rows: ConversionRow[]): Promise<Result<WouldSend[]>> {
    const cfg = this.config();
    if (!cfg) return { ok: false, code: 'not_configured', message: 'destination is not configured' };
    const gate = await this.conversionGate();
    return {
      ok: true,
      value: await wouldSend(
        this.store,
        (e) => e.status === 'queued' && gate(e) === 'hold',
        await this.runtime(cfg),
        rows,
        this.now(),
      ),
    };
  }

  private async wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  async alarm(): Promise<void> {
    await this.flushNow();
  }

  // One flush (or test send) at a time (serial.ts says why).
  private readonly exclusive = serialExecutor();

  /** Send what is due now and schedule the next alarm; what the alarm does, callable from tests. */
  flushNow(): Promise<FlushStats | null> {
    return this.exclusive(() => this.flushOnce());
  }

  private async flushOnce(): Promise<FlushStats | null> {
    const cfg = this.config();
    if (!cfg || cfg.paused) return null;
    const rt = await this.runtime(cfg);
    rt.gate = await this.conversionGate();
    // The rows' updated_at comes from this.now, so the alert window must too.
    const since = this.now();
    // Bounded per alarm (subrequest and CPU limits); the next alarm comes a second later if more is due.
    const stats = await flush(this.store, rt, this.now, MAX_BATCHES_PER_ALARM);
    const confirmed = await confirm(this.store, rt, this.now);
    this.tokenCache = rt.tokenCache ?? null;
    // Only a flush that failed or dead-lettered something has anything to alert on.
    if (stats.failed + stats.deadLettered + confirmed.failed + confirmed.deadLettered > 0)
      await alertAfterFlush(this.env, this.ctx.storage, cfg.destination_id, cfg.type, since, this.now());
    const next = this.store.nextWake();
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, this.now() + 1000));
    return {
      ...stats,
      sent: stats.sent + confirmed.sent,
      unmatched: stats.unmatched + confirmed.unmatched,
      failed: stats.failed + confirmed.failed,
    };
  }

  /**
   * Rows handed over by an audience follow its conversion after hand-off: held while it (or its
   * audience) is paused, cancelled once it is deleted. The per-isolate config cache can lag a
   * conversion just turned on or resumed (for up to CONFIG_TTL_MS), so unless the cache has every
   * conversion of the queued rows live, the config is read fresh before anything is held (for
   * HOLD_MS) or cancelled (for good).
   */
  private async conversionGate(): Promise<(e: OutboxEntry) => 'send' | 'hold' | 'cancel'> {
    const ids = this.sql
      .exec<{ id: string }>(
        `SELECT DISTINCT conversion_id AS id FROM outbox WHERE conversion_id IS NOT NULL AND status IN ('queued', 'leased')`,
      )
      .toArray();
    if (!ids.length) return () => 'send';
    const states = (c: AudienceConfig) =>
      new Map(c.audiences.flatMap((a) => a.conversions.map((v) => [v.id, !!(a.paused || v.paused)] as const)));
    let known = states(await loadAudienceConfig(this.env));
    if (ids.some((r) => known.get(r.id) !== false))
      known = states((await configObject(this.env).audienceConfig()) as AudienceConfig);
    return (e) =>
      !e.conversionId ? 'send' : !known.has(e.conversionId) ? 'cancel' : known.get(e.conversionId) ? 'hold' : 'send';
  }

  /** The delivery log in the shape /api/conversions serves; filters run on this outbox's indexes. */
  async log(q: LogQuery & { includeBody?: boolean }): Promise<DeliveryLogRow[]> {
    const requests = new Map<string, RequestLog | null>();
    return this.store
      .list({ ...q, limit: Math.min(q.limit, 500) })
      .map((e) => this.logRow(e, requests, { includeBody: !!q.includeBody }));
  }

  /** One row of the log by its key, with the whole request body it travelled in. */
  async logEntry(key: string): Promise<DeliveryLogRow | null> {
    const e = this.store.get(key);
    return e ? this.logRow(e, new Map(), { includeBody: true }) : null;
  }

  private logRow(
    e: OutboxEntry,
    requests: Map<string, RequestLog | null>,
    { includeBody }: { includeBody: boolean },
  ): DeliveryLogRow {
    let r: RequestLog | null = null;
    if (e.lastRequestId) {
      if (!requests.has(e.lastRequestId)) requests.set(e.lastRequestId, this.store.request(e.lastRequestId));
      r = requests.get(e.lastRequestId) ?? null;
    }
    return {
      key: e.id,
      entryId: e.entryId,
      kind: e.kind,
      audienceId: e.audienceId,
      conversionId: e.conversionId,
      personKey: e.personKey,
      email: e.email,
      status: e.status,
      attempts: e.attempts,
      skipReason: e.skipReason,
      error: e.error,
      note: e.note,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      sentAt: e.sentAt,
      dueAt: e.status === 'queued' || e.status === 'pending_confirmation' ? e.dueAt : null,
      event: e.item,
      coverage: e.coverage ?? null,
      request: r && {
        id: r.id,
        at: r.at,
        mode: r.mode,
        method: r.request.method,
        url: r.request.url,
        headers: r.request.headers,
        ...(includeBody ? { body: r.request.body } : {}),
        rows: r.rowIds.length,
        status: r.status,
        response: r.response,
        durationMs: r.durationMs,
      },
    };
  }

  /** Erasure: this person's rows lose their identity and payloads (status and ids stay); unsent ones are cancelled. */
  async forgetPerson(personKey: string): Promise<number> {
    return this.ctx.storage.transactionSync(() => this.store.forgetPerson(personKey));
  }

  /** Match-coverage counters of the weeks from `fromWeek` on (the overview's trend, GET /api/coverage). */
  async coverageWeeks(fromWeek: number): Promise<CoverageWeek[]> {
    return this.store.coverageWeeks(fromWeek);
  }

  /** Conversion rows made per UTC day since `since`, skipped ones left out (the admin overview's chart). */
  async dailyCounts(since: number): Promise<{ day: number; n: number }[]> {
    return this.sql
      .exec<{ day: number; n: number }>(
        `SELECT created_at / 86400000 AS day, count(*) AS n FROM outbox WHERE created_at >= ? AND status != 'skipped' GROUP BY day ORDER BY day`,
        since,
      )
      .toArray();
  }

  /**
   * Conversions per audience and week of their event time (week 0 starts at `since`), for the stage
   * ladders: rows on their way or delivered (skipped, failed and dead-lettered ones left out), with
   * the value sum and currency read from each stored item. `valued`: how many rows carried a value.
   * Entries sent on turn-on (sendExisting) land in the weeks they happened, not the week sent.
   */
  async weeklyAudienceCounts(
    since: number,
    audienceIds: string[],
  ): Promise<
    {
      audienceId: string;
      week: number;
      n: number;
      retracted: number;
      valued: number;
      value: number;
      currency: string | null;
    }[]
  > {
    if (audienceIds.length === 0) return [];
    const f = ITEM_FIELDS[this.config()?.type ?? ''] ?? NO_FIELDS;
    // A row is made no earlier than its event (clamped 5 minutes into the future), so the
    // created_at bound keeps the audience index in use without losing any row. Conversions only:
    // one withdrawn by a retraction (sent, or on its way) counts under `retracted`, not `n`; a
    // reversal the platform cannot take (skipped, no_retraction) leaves the conversion counted there.
    return this.sql
      .exec<{
        audienceId: string;
        week: number;
        n: number;
        retracted: number;
        valued: number;
        value: number;
        currency: string | null;
      }>(
        `SELECT audienceId, CAST((t - ?) / 604800000 AS INTEGER) AS week, sum(r = 0) AS n, sum(r) AS retracted,
                sum(r = 0 AND v IS NOT NULL) AS valued, coalesce(sum(CASE WHEN r = 0 THEN v END), 0) AS value, currency
         FROM (SELECT o.audience_id AS audienceId, coalesce(${f.eventMs}, o.created_at) AS t, ${f.value} AS v, ${f.currency} AS currency,
                      EXISTS (SELECT 1 FROM outbox x WHERE x.id = o.id || ? AND x.status NOT IN ('skipped', 'failed', 'dead_letter')) AS r
               FROM outbox o WHERE o.created_at >= ? AND o.kind = 'conversion' AND o.status NOT IN ('skipped', 'failed', 'dead_letter')
                 AND o.audience_id IN (SELECT value FROM json_each(?)))
         WHERE t >= ? GROUP BY audienceId, week, currency ORDER BY audienceId, week`,
        since,
        RETRACTION_SUFFIX,
        since - 600_000,
        JSON.stringify(audienceIds),
        since,
      )
      .toArray();
  }

  /** POST /api/conversions/{id}/retry: a failed or dead-lettered row goes back to the queue, same id. */
  async retry(id: string): Promise<Result<OutboxEntry>> {
    if (!this.store.get(id)) return { ok: false, code: 'not_found', message: 'no such conversion' };
    if (!this.config())
      return {
        ok: false,
        code: 'not_retryable',
        message: 'the destination was deleted: its conversions cannot be sent again',
      };
    const e = requeue(this.store, id, this.now());
    if (!e)
      return { ok: false, code: 'not_retryable', message: 'only failed or dead-lettered conversions can be retried' };
    await this.wake(this.now());
    return { ok: true, value: e };
  }

  /** POST /api/destinations/{id}/test: one event in the platform's test mode; never enters the outbox. */
  sendTest(
    row: ConversionRow,
  ): Promise<Result<{ outcome: RowOutcome; request: unknown; response: unknown; sent: boolean }>> {
    return this.exclusive(() => this.sendTestOnce(row));
  }

  private async sendTestOnce(
    row: ConversionRow,
  ): Promise<Result<{ outcome: RowOutcome; request: unknown; response: unknown; sent: boolean }>> {
    const cfg = this.config();
    if (!cfg) return { ok: false, code: 'not_configured', message: 'destination is not configured' };
    const rt = await this.runtime(cfg, 'test');
    const issue = rt.def.modeIssue?.(rt.settings, 'test');
    if (issue) return { ok: false, code: 'invalid_mode', message: issue };
    const prepared = await rt.def.prepare(row, rt.settings, this.now());
    if (!prepared.ok) return { ok: false, code: `skipped_${prepared.reason}`, message: prepared.message };
    const r = await sendBatch(rt.def, [prepared.item], {
      settings: rt.settings,
      mode: 'test',
      endpoint: rt.endpoint,
      tokenEndpoint: rt.tokenEndpoint,
      now: this.now(),
      fetchImpl: this.fetchImpl,
      timeoutMs: this.timeoutMs,
      tokenCache: this.tokenCache,
    });
    this.tokenCache = r.tokenCache;
    if (r.rotatedRefreshToken) await rt.onRotatedRefreshToken?.(r.rotatedRefreshToken);
    return {
      ok: true,
      value: { outcome: r.outcomes[0]!, request: r.request, response: r.response?.body ?? null, sent: r.sent },
    };
  }
}
