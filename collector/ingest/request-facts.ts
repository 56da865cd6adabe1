import type { Context } from 'hono';
import type { AppContext } from '../env';

/** What the collector learns from the request itself rather than from the event body. */
export interface RequestFacts {
  ip: string | null;
  userAgent: string | null;
  /** Global Privacy Control (`Sec-GPC: 1`): treated as denied ads consent. */
  gpc: boolean;
  now: number;
}

export function requestFacts(c: Context<AppContext>): RequestFacts {
  return {
    ip: c.req.header('cf-connecting-ip') ?? null,
    userAgent: c.req.header('user-agent')?.slice(0, 1024) ?? null,
    gpc: c.req.header('sec-gpc') === '1',
    now: c.get('now'),
  };
}
