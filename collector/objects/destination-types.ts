// The shapes a DestinationObject takes and gives over RPC: the configuration sent in, the view
// given back (secrets masked), the result of every call that can refuse, and a destination id's
// form. Kept apart from the object so the service, the admin and the API read them without
// importing the object's module (and the delivery code behind it).
import type { DestinationType, Mode } from '../../shared/schemas/destinations';

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

/** A destination's id, as the destinations service makes it (services/destinations.ts): `dst_` and 16 hex digits. */
export const DESTINATION_ID = /^dst_[0-9a-f]{16}$/;
