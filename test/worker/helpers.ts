import { exports } from 'cloudflare:workers';

export const BASE = 'http://collector.test';
export const SK = 'sk_dev_local';
export const PK = 'pk_dev_local';
export const SITE = 'http://localhost:3000';

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, { ...init, headers: { authorization: `Bearer ${SK}`, ...(init.headers as Record<string, string>) } });
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
