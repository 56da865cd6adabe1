import { env as workerEnv, exports } from 'cloudflare:workers';
import type { Env } from '../../collector/env';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { personByEmail } from '../../collector/identity';
import type { IdentifyInput } from '../../collector/objects/person-types';
import type { PersonStore } from '../../collector/objects/person-store';

/** The Worker's bindings, typed as the collector sees them. */
export const env = workerEnv as unknown as Env;

export const BASE = 'http://collector.test';
export const SK = 'sk_dev_local';
export const PK = 'pk_dev_local';
export const SITE = 'http://localhost:3000';

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, {
    ...init,
    headers: { authorization: `Bearer ${SK}`, ...(init.headers as Record<string, string>) },
  });
}

let seq = 0;
export function messageId(): string {
  return `msg_${Date.now().toString(36)}_${(seq++).toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export function identifyEvent(email: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'identify',
    messageId: messageId(),
    anonymousId: 'anon_test_0001',
    email,
    traits: {},
    touches: [],
    ...extra,
  };
}

export function collect(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: SITE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const DAY = 86_400_000;

/** A gclid-shaped value that passes the registry's loose format check. */
export function gclid(tag = ''): string {
  return `Cj0KCQiA_${tag}${Math.random().toString(36).slice(2, 10)}`;
}

export function anonId(): string {
  return `anon_${Math.random().toString(36).slice(2, 12)}`;
}

export function touchEvent(anonymousId: string, touches: unknown[], extra: Record<string, unknown> = {}) {
  return { type: 'touch', messageId: messageId(), anonymousId, touches, ...extra };
}

export async function person(email: string): Promise<any> {
  const res = await api(`/api/people/${encodeURIComponent(email)}`);
  return res.status === 200 ? res.json() : null;
}

/** Runs the person's pending alarm (visitor merges, directory sync) now, as the runtime would. */
export async function settle(email: string): Promise<void> {
  const stub = await personByEmail(env, email);
  for (let i = 0; i < 100; i++) {
    await runDurableObjectAlarm(stub);
    // The runtime may be running the alarm itself: wait until its outbox is empty.
    const pending = await runInDurableObject(stub, (o) => {
      const store = (o as unknown as { store: PersonStore }).store;
      return store.linkingSince() !== null || store.directoryDirty();
    });
    if (!pending) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('person outbox did not drain');
}

export function upsertPeople(body: unknown, key = SK, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/people', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Polls a job until every accepted row is applied, suppressed or failed. */
export async function waitForJob(jobId: string, key = SK): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const res = await call(`/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
    const job = (await res.json()) as any;
    if (job.state === 'done') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not finish`);
}

export async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await api('/api/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ key: string; id: string }>;
}

/** A tag identify straight to the person's object that may create it: no touches, consent, IP or user agent. */
export const newPersonInput = (
  key: string,
  who: string,
  extra: Pick<IdentifyInput, 'messageId'> & Partial<IdentifyInput>,
): IdentifyInput => ({
  key,
  email: who,
  anonymousId: null,
  traits: {},
  traitsSource: 'traits',
  touches: [],
  consent: null,
  ip: null,
  userAgent: null,
  now: Date.now(),
  mayCreate: true,
  ...extra,
});

type DirectoryShard = ReturnType<Env['DIRECTORY']['get']>;

/**
 * Runs `fn` with an object's DIRECTORY binding (the object's own `env`, inside runInDurableObject)
 * answering through `wrap(shard)` for each real shard, and puts the real binding back after.
 */
export async function withDirectoryShards<T>(
  o: { env: Env },
  wrap: (shard: DirectoryShard) => Partial<Record<keyof DirectoryShard, unknown>>,
  fn: () => Promise<T>,
): Promise<T> {
  const real = o.env;
  o.env = {
    ...real,
    DIRECTORY: {
      idFromName: real.DIRECTORY.idFromName.bind(real.DIRECTORY),
      get: (id: DurableObjectId) => wrap(real.DIRECTORY.get(id)),
    },
  } as unknown as Env;
  try {
    return await fn();
  } finally {
    o.env = real;
  }
}
