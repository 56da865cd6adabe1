import { z } from 'zod';
import { consentSchema, emailSchema, idSchema, traitsSchema } from './collect';

// Wire format of POST /v1/identify: a backend (secret key, ingest scope) identifies the visitor that
// signed up, naming the browser by the tag's anonymous id, which it reads from the `_cb_ids` cookie
// (shared/ids-cookie.ts). What the browser's identify would tie to the person (the visitor's click
// IDs and device) is tied the same way.
export const MAX_IDENTIFY_BYTES = 16 * 1024;

export const serverIdentifySchema = z.strictObject({
  email: emailSchema,
  /** The tag's anonymous id: the `_cb_ids` cookie's first `|`-separated part. */
  anonymousId: idSchema.nullish(),
  /** Or the whole `_cb_ids` cookie value as received: its anonymous id and click IDs are used. */
  cookie: z.string().max(1024).nullish(),
  /**
   * The collector's own `_cb_aid` cookie, when it reaches the backend (VISITOR_COOKIE_DOMAIN set to
   * the site's domain): it outlives Safari's cap on script-written storage, which `_cb_ids` does not.
   */
  visitorCookie: idSchema.nullish(),
  traits: traitsSchema,
  /** Makes retries idempotent; without one, the same body is the same message. */
  messageId: idSchema.optional(),
  /** The visitor's browser as the signup request showed it (never the backend's own address). */
  context: z
    .strictObject({
      ip: z.union([z.ipv4(), z.ipv6()], 'ip must be an IPv4 or IPv6 address').optional(),
      userAgent: z.string().min(1).max(1024).optional(),
      /** ISO 3166-1 alpha-2 of `ip` (e.g. the CF-IPCountry header of the signup request). */
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'country is an ISO 3166-1 alpha-2 code')
        .optional(),
      consent: consentSchema.optional(),
    })
    .optional(),
});

export type ServerIdentify = z.infer<typeof serverIdentifySchema>;

export interface ServerIdentifyResponse {
  /** The message was already applied (a retry): nothing changed. */
  duplicate: boolean;
  /** Whether a browser was named (so its visitor's click IDs and device are tied to the person). */
  linked: boolean;
  /** Click IDs read from the `cookie` field and stored with the person (0 under denied consent). */
  clickIds: number;
}
