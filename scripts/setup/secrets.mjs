// The secrets `npm run setup` generates, in the formats the collector expects, and what rotating
// each one does to a running deployment (printed before --rotate goes ahead).
import { randomBytes } from 'node:crypto';

export const GENERATED = {
  // Admin-scoped secret key: compared in constant time against the Authorization header.
  SECRET_KEY: () => `sk_live_${randomBytes(24).toString('base64url')}`,
  // Public (it sits in every page's snippet) but long enough not to be guessed.
  PUBLISHABLE_KEY: () => `pk_live_${randomBytes(18).toString('base64url')}`,
  // HMAC key naming person objects and signing person tokens and admin sessions.
  IDENTITY_SECRET: () => randomBytes(32).toString('base64url'),
  // AES-256-GCM key for credentials at rest: base64 of exactly 32 bytes (collector/crypto/credentials.ts).
  ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  // Shared secret of the Segment Webhooks destination (X-Signature), made only with --segment.
  SEGMENT_WEBHOOK_SECRET: () => randomBytes(24).toString('base64url'),
};

export const ROTATION_EFFECTS = {
  SECRET_KEY:
    'Admin sessions signed in with it end, and every script or integration using it (Authorization: Bearer) is refused until given the new key. Keys made on the admin Keys page keep working.',
  PUBLISHABLE_KEY:
    'Every page carrying the old snippet is refused until the snippet is replaced (publishable keys made on the admin Keys page keep working; prefer rotating one of those).',
  IDENTITY_SECRET:
    'Person objects are named by an HMAC of the email under this secret: every stored person, their click IDs, entries and conversions become unreachable (new, empty people are made on the next identify or sync), erasure suppressions stop matching (an erased person can be recreated), person tokens in browsers and admin sessions become invalid. Export first (docs/operations.md); there is no way back except the old value.',
  ENCRYPTION_KEY:
    'Stored destination credentials and the alert webhook secret can no longer be decrypted: every destination stops sending until its credentials are entered again, and the alert webhook must be set again.',
  SEGMENT_WEBHOOK_SECRET:
    "Segment's webhook calls are refused until the new secret is pasted into the Webhooks destination's settings in Segment.",
};

/** What a dry run shows of a secret: nothing of it. */
export function mask() {
  return '****';
}
