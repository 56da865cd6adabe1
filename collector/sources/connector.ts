// collector/sources/connector.ts
import type { CatalogueField } from './catalogue';
export type SourceType = 'hubspot' | 'salesforce';
/** One CRM record as it arrives: attributes already named as they will be stored under the source (e.g. `lifecyclestage`, `Lead.Status`). */
export interface SourceRecord {
  id: string;
  email: string;
  modifiedAt: string /* ISO instant UTC */;
  attributes: Record<string, unknown>;
}
export interface FieldIssue {
  field: string;
  reason: string;
}
/** An opaque, JSON-serializable position in the CRM's change stream. */
export type SourceCursor = Record<string, unknown>;
export interface PageResult {
  records: SourceRecord[];
  cursor: SourceCursor; // where the next page starts; committed after the page's records are applied
  done: boolean; // no more changes right now
  apiCalls: number; // calls made for this page (token refreshes included)
  issues: FieldIssue[]; // missing / renamed / mistyped fields, skipped
  tokens?: Record<string, string>; // rotated credentials to persist (e.g. a new refresh token)
}
export interface FetchContext {
  settings: Record<string, unknown>; // decrypted settings of the source
  cursor: SourceCursor | null; // null: first run
  since: string | null; // ISO lower bound for the first run (backfillDays), null = all
  fetch: typeof fetch; // injected: tests point it at fakes
  now: () => number;
  accessToken?: { value: string; expiresAt: number }; // cached by the framework
}
export class SourceError extends Error {
  /** Credentials rotated before the failure (a new refresh token): saved all the same, the old ones may be dead. */
  tokens?: Record<string, string>;
  constructor(
    message: string,
    readonly kind: 'credentials' | 'rate_limited' | 'transient' | 'config',
    readonly retryAfterMs?: number,
    readonly platformMessage?: string,
  ) {
    super(message);
  }
}
export interface Connector {
  type: SourceType;
  /** One page of changes after ctx.cursor; throws SourceError. */
  fetchPage(ctx: FetchContext): Promise<PageResult & { accessToken?: { value: string; expiresAt: number } }>;
  /** The CRM's own property / field list, for the admin's field picker. */
  listFields(ctx: FetchContext): Promise<{ name: string; label: string; type: string }[]>;
  /** The synced fields (settings' selection that the CRM has) named as records carry them, for the audience builder. */
  catalogue(ctx: FetchContext): Promise<CatalogueField[]>;
}
