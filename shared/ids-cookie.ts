import { isClickKind, isValidClickId, type ClickKind } from './click-ids';

// The tag's `_cb_ids` cookie, read by a backend at signup (tag/backup.ts writes it): the anonymous id,
// then the newest click ID per platform, `|`-separated; each click ID is `kind*value*firstSeen`, its
// first-seen time in ms written in base 36. Set on the registrable domain, so the app's hostname
// (app.example.com) receives what the marketing site (www.example.com) stored.

export const IDS_COOKIE = '_cb_ids';
// The anonymous-id format the tag restores from the cookie (and the collector's id format).
const ANONYMOUS_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface IdsCookie {
  anonymousId: string | null;
  clickIds: { kind: ClickKind; value: string; firstSeen: number }[];
}

/** Parses the cookie's value as written (not URL-decoded); a malformed part is skipped, never thrown. */
export function parseIdsCookie(value: string | null | undefined): IdsCookie {
  const [aid = '', ...parts] = (value ?? '').split('|');
  const clickIds: IdsCookie['clickIds'] = [];
  for (const part of parts) {
    const [kind = '', id, time = ''] = part.split('*');
    const firstSeen = /^[0-9a-z]{1,11}$/.test(time) ? parseInt(time, 36) : 0;
    if (isClickKind(kind) && isValidClickId(kind, id) && firstSeen > 0 && firstSeen < 8.64e15)
      clickIds.push({ kind, value: id!, firstSeen });
  }
  return { anonymousId: ANONYMOUS_ID.test(aid) ? aid : null, clickIds };
}
