// The Salesforce cursor: a mark per stream, the stream being read, its open query locator or bulk
// job, the fields found missing, and the described types (refreshed daily). JSON only. Also the
// fields read per object: the configured ones less those found missing.
import type { SourceCursor } from '../connector';
import { fieldsOf, type SalesforceObject, type SalesforceSettings } from './settings';
import type { Mark, StreamName, Types } from './streams';

export interface BulkState {
  stream: StreamName;
  jobId: string;
  /** The job reads records modified before this instant; the stream's mark moves here after it. */
  before: string;
  ready?: boolean;
  locator?: string;
}

export interface SalesforceCursor {
  v: 1;
  at: StreamName | null;
  marks: Partial<Record<StreamName, Mark>>;
  /** nextRecordsUrl of the open query of `at`, and the records it has given so far. */
  next?: string;
  got?: number;
  /** Streams on their first pass (a large one goes through Bulk API 2.0). */
  fresh: StreamName[];
  bulk?: BulkState;
  dropped: Partial<Record<SalesforceObject, Record<string, string>>>;
  types?: Types;
  typesAt?: number;
}

export function readCursor(c: SourceCursor | null): SalesforceCursor | null {
  if (!c || c.v !== 1 || typeof c.marks !== 'object' || c.marks === null) return null;
  const s = c as unknown as SalesforceCursor;
  return { ...s, fresh: Array.isArray(s.fresh) ? s.fresh : [], dropped: s.dropped ?? {} };
}

/** The fields a query of `object` reads: the configured ones (and CurrencyIsoCode where the org has it), less those dropped. */
export function syncedFields(
  settings: SalesforceSettings,
  state: SalesforceCursor,
  object: SalesforceObject,
): string[] {
  const list = fieldsOf(settings, object);
  if (object === 'Opportunity' && !settings.fields.Opportunity && state.types?.Opportunity?.CurrencyIsoCode)
    list.push('CurrencyIsoCode');
  const dropped = state.dropped[object] ?? {};
  return list.filter((f) => !(f in dropped));
}

/** A field Salesforce refused: left out of the run's queries and reported as an issue. */
export function dropField(
  state: SalesforceCursor,
  object: SalesforceObject,
  field: string,
  reason: string,
  issues: Map<string, string>,
): void {
  (state.dropped[object] ??= {})[field] = reason;
  issues.set(`${object}.${field}`, reason);
}
