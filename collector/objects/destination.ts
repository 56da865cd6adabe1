// The DestinationObject: one destination's configuration (sealed at rest) and its outbox, reached
// over RPC. The delivery rules live in delivery/ and destinations/; what the object adds is its
// sealed settings, the alarm that flushes, and one flush or test send at a time. Its RPC shapes are
// in destination-types.ts, the log's rows in destination-log.ts, the audience gate in
// conversion-gate.ts, the sealed configuration row in destination-config.ts and the charts' counts
// in destination-reports.ts. (Over 300 lines: one object's RPC surface (configure, enqueue, flush,
// log, test, retry) over its sealed settings and its outbox store; the rules themselves live in
// delivery/ and destinations/.)
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { encryptCredentials, importCredentialKey } from '../crypto/credentials';
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
} from '../delivery/outbox';
import type { CachedToken } from '../delivery/oauth';
import { sendBatch } from '../delivery/send';
import { SqlOutboxStore, type LogQuery } from '../delivery/sql-outbox-store';
import { wouldSend, type WouldSend } from '../audiences/would-send';
import type { ConversionRow, RowOutcome } from '../delivery/types';
import { maskSettings, type Mode } from '../../shared/schemas/destinations';
import { destinationSchema } from './destination-schema';
import { destinationCoverageSchema } from './destination-coverage-schema';
import { migrate } from './sql';
import { alertAfterFlush } from '../alerts/delivery-alerts';
import type { CoverageWeek } from '../delivery/coverage-report';
import {
  deleteConfig,
  readConfig,
  reentryIssue,
  resealSettings,
  saveConfig,
  checkSettings,
  storedSettings,
  type ConfigRow,
} from './destination-config';
import type { DestinationConfigInput, DestinationView, Result } from './destination-types';
import { deliveryLogRows, type DeliveryLogRow } from './destination-log';
import { conversionGate } from './conversion-gate';
import { dailyCounts, weeklyAudienceCounts, type WeeklyAudienceCount } from './destination-reports';

const MAX_BATCHES_PER_ALARM = 25;

/**
 * The outbox of one destination: conversion rows enqueued once per entry id, flushed on an alarm in
 * batches up to the platform's limit, leased before sending, never resent once sent, retried per the
 * retry policy; the delivery log of every request (credentials redacted) and the OAuth token cache.
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

  private async runtime(cfg: ConfigRow, mode?: Mode): Promise<DestinationRuntime<unknown>> {
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const settings = await storedSettings(key, cfg);
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
        resealSettings(this.sql, await encryptCredentials(key, settings, cfg.destination_id), this.now());
      },
    };
  }

  /** Create or replace this destination's configuration (settings validated, sealed at rest). */
  async configure(
    input: DestinationConfigInput,
    enteredSettings?: Record<string, unknown>,
  ): Promise<Result<DestinationView>> {
    const checked = checkSettings(this.env, input);
    if (!checked.ok) return checked;
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const before = readConfig(this.sql);
    const refused = before && (await reentryIssue(key, before, input, enteredSettings ?? input.settings));
    if (refused) return refused;
    const sealed = await encryptCredentials(key, checked.value, input.id);
    saveConfig(this.sql, input, sealed, before, this.now());
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
    const cfg = readConfig(this.sql);
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such destination' };
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const stored = await storedSettings(key, cfg);
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
    deleteConfig(this.sql);
    await this.ctx.storage.deleteAlarm();
    this.tokenCache = null;
    return { cancelled };
  }

  /** The configuration with secrets masked, and row counts by status. */
  async describe(): Promise<DestinationView | null> {
    const cfg = readConfig(this.sql);
    if (!cfg) return null;
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const settings = await storedSettings(key, cfg);
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
    const cfg = readConfig(this.sql);
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
    const cfg = readConfig(this.sql);
    if (!cfg) return { ok: false, code: 'not_configured', message: 'destination is not configured' };
    const gate = await conversionGate(this.sql, this.env);
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
    const cfg = readConfig(this.sql);
    if (!cfg || cfg.paused) return null;
    const rt = await this.runtime(cfg);
    rt.gate = await conversionGate(this.sql, this.env);
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

  /** The delivery log in the shape /api/conversions serves; filters run on this outbox's indexes. */
  async log(q: LogQuery & { includeBody?: boolean }): Promise<DeliveryLogRow[]> {
    return deliveryLogRows(this.store, this.store.list({ ...q, limit: Math.min(q.limit, 500) }), {
      includeBody: !!q.includeBody,
    });
  }

  /** One row of the log by its key, with the whole request body it travelled in. */
  async logEntry(key: string): Promise<DeliveryLogRow | null> {
    const e = this.store.get(key);
    return e ? deliveryLogRows(this.store, [e], { includeBody: true })[0]! : null;
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
    return dailyCounts(this.sql, since);
  }

  /** Conversions per audience and week of their event time, for the stage ladders (destination-reports.ts). */
  async weeklyAudienceCounts(since: number, audienceIds: string[]): Promise<WeeklyAudienceCount[]> {
    return weeklyAudienceCounts(this.sql, readConfig(this.sql)?.type, since, audienceIds);
  }

  /** POST /api/conversions/{id}/retry: a failed or dead-lettered row goes back to the queue, same id. */
  async retry(id: string): Promise<Result<OutboxEntry>> {
    if (!this.store.get(id)) return { ok: false, code: 'not_found', message: 'no such conversion' };
    if (!readConfig(this.sql))
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
    const cfg = readConfig(this.sql);
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
