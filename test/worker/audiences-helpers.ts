import { env as cfEnv } from 'cloudflare:workers';
import type { Env } from '../../collector/env';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { expect } from 'vitest';
import { personByEmail, personKey } from '../../collector/identity';
import type { PersonObject } from '../../collector/objects/person';
import type { PersonStore } from '../../collector/objects/person-store';
import { api, collect, identifyEvent, PK } from './helpers';
import { type ConfigObject } from '../../collector/objects/config';
import type { AudienceStore } from '../../collector/objects/config-audiences';
import type { StoredConversion } from '../../collector/audiences/types';
import { invalidateAudienceConfig } from '../../collector/audiences/config-cache';
import { configObject } from '../../collector/objects/doors';
import { countPeople } from '../../collector/audiences/people-source';

// The worker's bindings, typed as the collector's Env.
export const env = cfEnv as unknown as Env;

export const DAY = 86_400_000;

export async function json(res: Response): Promise<any> {
  return res.json();
}

export function send(path: string, method: string, body: unknown): Promise<Response> {
  return api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export async function createAudience(body: Record<string, unknown>): Promise<any> {
  const res = await send('/api/audiences', 'POST', body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

export async function turnOn(audienceId: string, body: Record<string, unknown>): Promise<any> {
  const res = await send(`/api/audiences/${audienceId}/conversions`, 'POST', body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

/**
 * Stores a conversion without turn-on's destination check (and without its sweep), as one made
 * before that check existed could be: a destination that is not configured, or not yet.
 */
export async function legacyConversion(audienceId: string, body: Record<string, unknown>): Promise<StoredConversion> {
  const out = await runInDurableObject(configObject(env), (config: ConfigObject) =>
    (config as unknown as { audiences: AudienceStore }).audiences.createConversion(
      audienceId,
      body,
      Date.now(),
      () => 'live',
    ),
  );
  if (!out.ok) throw new Error(JSON.stringify(out));
  invalidateAudienceConfig();
  return out.value;
}

/** An identify through /v1/collect, as the tag sends it. */
export async function identify(email: string, traits: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await collect({ key: PK, events: [identifyEvent(email, { traits, ...extra })] });
  expect(res.status).toBe(200);
}

/** Writes one source's attributes (as a CRM sync does) and re-evaluates at `now`. */
export async function upsert(email: string, source: string, data: Record<string, unknown>, now: number) {
  const stub = await personByEmail(env, email);
  const key = await personKey(env, email);
  // The write without the object's own evaluation (which would use the real clock's config cache),
  // so the evaluation below, at `now`, reports what this change did.
  await runInDurableObject(stub, (person: PersonObject) => {
    const p = person as unknown as {
      ctx: DurableObjectState;
      ensureSchema(): void;
      store: PersonStore;
      scheduleAlarm(at: number): Promise<void>;
    };
    p.ensureSchema();
    p.ctx.storage.transactionSync(() => {
      p.store.upsertPerson(key, email.trim().toLowerCase(), now);
      p.store.mergeAttributes(source, data, now, { always: true });
      p.store.changed(now);
    });
    return p.scheduleAlarm(now);
  });
  const result = await stub.evaluateAudiences(now);
  // The object's outbox alarm puts the person in the directory, where populate finds them.
  await runDurableObjectAlarm(stub);
  return result;
}

/** A person's entries, exits and conversion rows for one audience (other tests' audiences share storage). */
export async function history(email: string, audienceId: string) {
  const h = await (await personByEmail(env, email)).audienceHistory();
  return {
    entries: h.entries.filter((e) => e.audienceId === audienceId),
    exits: h.exits.filter((e) => e.audienceId === audienceId),
    conversions: h.conversions.filter((c) => c.audienceId === audienceId),
  };
}

/** An evaluation result narrowed to one audience. */
export function only<T extends { entries: { audienceId: string }[]; exits: { audienceId: string }[] }>(
  r: T,
  audienceId: string,
): T {
  return {
    ...r,
    entries: r.entries.filter((e) => e.audienceId === audienceId),
    exits: r.exits.filter((e) => e.audienceId === audienceId),
  };
}

/** Waits for the audience's latest populate job to finish. */
export async function settled(audienceId: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const audience = await json(await api(`/api/audiences/${audienceId}`));
    if (audience.populate?.status === 'done') return audience;
    if (Date.now() > deadline) throw new Error(`populate did not finish: ${JSON.stringify(audience.populate)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const mql = (withinDays = 7, extra: Record<string, unknown> = {}) => ({
  name: 'Became MQL',
  criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
  timestamp: { field: 'crm.mql_at', withinDays },
  ...extra,
});

export const META_SETTINGS = { pixelId: '123456789012345', accessToken: 'EAAB-test-token-123' };
export const GOOGLE_SETTINGS = {
  customerId: '1234567890',
  conversionActionId: '2',
  clientId: 'client-id',
  clientSecret: 'client-secret-123',
  refreshToken: 'refresh-token-123',
};

/** A destination in dry_run through the API (nothing leaves); its id. */
export async function destination(type: string, settings: Record<string, unknown>): Promise<string> {
  const res = await send('/api/destinations', 'POST', { type, name: `${type} test`, mode: 'dry_run', settings });
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out.id;
}

/** `read()` until `ok` holds, every 100 ms for 30 s at most; then fails with `what` and the last value. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the directory counts `before + added` people (each person's outbox alarm puts them
 * there shortly after their write, later on a loaded machine); returns that count.
 */
export async function directoryFilled(before: number, added: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countPeople(env);
    if (n >= before + added) return n;
    if (Date.now() > deadline) throw new Error(`directory did not fill: ${n} of ${before + added} people`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A dry-run Meta destination, an audience with a conversion to it turned on, populated: their ids. */
export async function metaAudience(
  definition: Record<string, unknown>,
): Promise<{ dst: string; audience: any; cv: any }> {
  const dst = await destination('meta', META_SETTINGS);
  const audience = await createAudience(definition);
  const cv = await turnOn(audience.id, { destinationId: dst });
  await settled(audience.id);
  return { dst, audience, cv };
}
