// What one destination file provides: turning rows into items, items into one HTTP request per batch,
// and the platform's answer back into one outcome per row. Pure: no I/O, time passed in.
import type { DestinationType, Mode } from '../../shared/schemas/destinations';
import type {
  ConversionConfig,
  ConversionRow,
  HttpRequest,
  HttpResponse,
  Prepared,
  RowOutcome,
  SendContext,
} from '../delivery/types';

export interface OAuthSpec<Settings> {
  /** The platform's token URL; `tokenEndpoint` replaces its origin, the path stays. */
  tokenUrl: string;
  scope?: string;
  /** The refresh-token grant, or null when the settings hold a static access token instead. */
  grant(settings: Settings): { clientId: string; clientSecret?: string; refreshToken: string } | null;
  /** A static token from the settings (LinkedIn may use one instead of OAuth). */
  staticToken?(settings: Settings): string | undefined;
}

export interface DestinationDefinition<Settings = any, Item = any> {
  type: DestinationType;
  label: string;
  /** Items per request, at most the platform's limit. */
  batchLimit: number;
  /**
   * A cap on distinct keys per request besides the item count (Data Manager: at most 10 destinations
   * per request, TOO_MANY_DESTINATIONS): items that would pass it wait for the next request.
   */
  requestKeys?: { max: number; of(item: Item): string[] };
  /** Oldest event the platform takes (ms before now), for one conversion config; null when none. */
  maxEventAgeMs(conversion: ConversionConfig): number | null;
  /** Whether `test` mode sends (with the platform's test flag) or only validates locally. */
  sendsInTest: boolean;
  oauth?: OAuthSpec<Settings>;
  /** A problem with using these settings in this mode (e.g. Meta test mode without a test code). */
  modeIssue?(settings: Settings, mode: Mode): string | null;
  prepare(row: ConversionRow, settings: Settings, now: number): Promise<Prepared<Item>>;
  buildRequest(items: Item[], ctx: SendContext<Settings>): HttpRequest;
  parseResponse(res: HttpResponse, items: Item[], ctx: SendContext<Settings>): RowOutcome[];
  /**
   * Withdrawing a conversion already sent (an exit marked as a reversal), where the platform has a
   * way: its own request, batched apart from conversions. Absent: the reversal is only recorded.
   */
  retraction?: RetractionSpec<Settings>;
  /** Asynchronous confirmation (Google Data Manager). */
  status?: {
    buildRequest(requestId: string, ctx: SendContext<Settings>): HttpRequest;
    /** One outcome for every row of the request; pending_confirmation while processing. */
    parseResponse(res: HttpResponse, requestId: string, ctx: SendContext<Settings>): RowOutcome;
  };
}

/** `endpoint` replaces the platform's origin; the platform's own path follows it. */
export function baseUrl(endpoint: string | undefined, platformOrigin: string): string {
  return (endpoint ?? platformOrigin).replace(/\/+$/, '');
}

/** Whole seconds, RFC 3339 in UTC: 2026-11-20T14:05:00Z. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The items (by index, in order) that fit in one request under `def.requestKeys`, at most `cap`. */
export function fitRequest<Item>(def: DestinationDefinition<any, Item>, items: Item[], cap: number): number[] {
  const keys = new Set<string>();
  const out: number[] = [];
  for (let i = 0; i < items.length && out.length < cap; i++) {
    if (def.requestKeys) {
      const mine = def.requestKeys.of(items[i]!).filter((k) => !keys.has(k));
      if (keys.size + mine.length > def.requestKeys.max && out.length) continue;
      for (const k of mine) keys.add(k);
    }
    out.push(i);
  }
  return out;
}

export interface RetractionSpec<Settings = any, Item = any> {
  batchLimit: number;
  /** The oldest conversion the platform still lets one withdraw (ms before now), or null. */
  maxAgeMs: number | null;
  prepare(row: ConversionRow, settings: Settings, now: number): Promise<Prepared<Item>>;
  buildRequest(items: Item[], ctx: SendContext<Settings>): HttpRequest;
  parseResponse(res: HttpResponse, items: Item[], ctx: SendContext<Settings>): RowOutcome[];
}

/** The outbox key of a retraction: its conversion's key and this suffix. */
export const RETRACTION_SUFFIX = ':retract';

/** The definition a row kind travels with: a retraction sends as its platform's retraction spec. */
export function definitionFor(
  def: DestinationDefinition,
  kind: 'conversion' | 'retraction',
): DestinationDefinition | null {
  if (kind === 'conversion') return def;
  const r = def.retraction;
  if (!r) return null;
  return {
    type: def.type,
    label: `${def.label} (retraction)`,
    batchLimit: r.batchLimit,
    maxEventAgeMs: () => r.maxAgeMs,
    sendsInTest: def.sendsInTest,
    oauth: def.oauth,
    modeIssue: def.modeIssue,
    prepare: r.prepare,
    buildRequest: r.buildRequest,
    parseResponse: r.parseResponse,
  };
}
