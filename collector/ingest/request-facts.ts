import type { Context } from 'hono';
import type { AppContext } from '../env';
import { requestCountry } from '../../shared/ip-regions';

/** What the collector learns from the request itself rather than from the event body. */
export interface RequestFacts {
  ip: string | null;
  userAgent: string | null;
  /**
   * The country of `ip` (ISO alpha-2): the `CF-IPCountry` header, which Cloudflare sets from the
   * connecting IP (as it sets CF-Connecting-IP) and local tests set themselves, else `request.cf.country`.
   */
  country: string | null;
  /** Global Privacy Control (`Sec-GPC: 1`): treated as denied ads consent. */
  gpc: boolean;
  now: number;
}

export function requestFacts(c: Context<AppContext>): RequestFacts {
  return {
    ip: c.req.header('cf-connecting-ip') ?? null,
    userAgent: c.req.header('user-agent')?.slice(0, 1024) ?? null,
    country: requestCountry(c.req.header('cf-ipcountry') ?? (c.req.raw as { cf?: { country?: string } }).cf?.country),
    gpc: c.req.header('sec-gpc') === '1',
    now: c.get('now'),
  };
}
