import type { Consent, Touch } from '../../shared/schemas/collect';
import type { StoredTouch } from './touch-rows';

export type { StoredTouch };

/**
 * Where an identify's traits are stored. `traits`: sent from browsers (anyone with the publishable
 * key), usable in audiences only with allowTraits; `signed_traits`: a signed identify; `segment`: the
 * Segment HTTP API with a secret write key (server-side senders such as analytics-node). The last two
 * are trusted.
 */
export type TraitsSource = 'traits' | 'signed_traits' | 'segment';

export interface IdentifyInput {
  /** The person's object key (HMAC of the identity): stored so the object can name itself to others. */
  key: string;
  email: string;
  messageId: string;
  /** The browser's anonymous id; null for server-side senders that have none (no device is recorded). */
  anonymousId: string | null;
  /** Further anonymous ids of the same browser (the `_cb_aid` cookie) whose visitors are merged too. */
  otherAnonymousIds?: string[];
  traits: Record<string, unknown>;
  /** The source the traits are stored under (see TraitsSource). */
  traitsSource: TraitsSource;
  /**
   * The previous version's flag for `signed_traits`: still sent (and read when traitsSource is absent)
   * so an object and a Worker on different versions during a deploy agree.
   */
  trusted?: boolean;
  touches: Touch[];
  consent: Consent['ads'] | null;
  ip: string | null;
  userAgent: string | null;
  /** The country of `ip`, when known (an IP from the request itself). */
  country?: string | null;
  /**
   * A device without an anonymous id (a backend's identify with context.ip / userAgent): stored like
   * a browser's device under this id, with no visitor to merge.
   */
  deviceId?: string | null;
  now: number;
  /** False when the sender's creation budget is spent: an unknown person is then refused, not created. */
  mayCreate?: boolean;
}

export interface TouchInput {
  messageId: string;
  anonymousId: string | null;
  touches: Touch[];
  ip: string | null;
  userAgent: string | null;
  country?: string | null;
  now: number;
}

export interface AttributesInput {
  key: string;
  email: string;
  /** Applied in order: each deep-merges into what its source sent before (`null` deletes a key). */
  rows: { source: string; attributes: Record<string, unknown> }[];
  now: number;
}

export type IdentifyOutcome = { status: 'stored' | 'duplicate' | 'suppressed' | 'refused'; created?: boolean };

export interface Device {
  anonymousId: string;
  ip: string | null;
  userAgent: string | null;
  /** The country of the IP (ISO alpha-2), when known. */
  country?: string | null;
  firstSeen: number;
  lastSeen: number;
}

export interface PersonSnapshot {
  email: string;
  createdAt: number;
  updatedAt: number;
  consent: { ads: Consent['ads']; at: number } | null;
  attributes: Record<string, Record<string, unknown>>;
  attributeUpdatedAt: Record<string, number>;
  touches: StoredTouch[];
  devices: Device[];
}

/** The row the directory keeps per person. */
export interface DirectoryEntry {
  key: string;
  email: string;
  createdAt: number;
  updatedAt: number;
  rev: number;
  attributes: Record<string, Record<string, unknown>>;
  /** The last identify (browser or Segment); null for people only pushed from a CRM. */
  identifiedAt?: number | null;
  /** Stored click IDs per kind (gclid, fbclid, ...). */
  clicks?: Record<string, number>;
}
