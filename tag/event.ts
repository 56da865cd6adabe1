import { isClickKind } from '../shared/click-ids';
import { link, type OutboxEvent } from './link';
import { live } from './live';
import type { Traits } from './types';

/**
 * Completes an event the core wrote ahead: the anonymous id, the person token and every unexpired
 * touch (none when ads consent was denied; a touch event without a click ID is dropped), and for an identify the call's arguments read the way
 * Clearbit's tag did: `identify(userId, {email, ...}, options)` or `identify(email, traits)`. An email
 * is required: without one, a console warning and nothing is sent (undefined).
 */
export function completeEvent(e: OutboxEvent): OutboxEvent | undefined {
  if (e.anonymousId) return e;
  const { a, k } = link.state_();
  const { args, ...event } = e;
  // The core takes the page's URL and referrer whole; the collector takes up to 2 KB of each.
  const page = (e.context as any).page;
  Object.assign(page, { url: page.url?.slice(0, 2048), referrer: page.referrer?.slice(0, 2048) });
  const touches = (e.context as any).consent.ads == 'denied' ? [] : live();
  const out = { ...event, anonymousId: a, touches, ...(k && { token: k }) };
  // A touch event is worth sending only with a click ID in it.
  if (!args) return touches.some((t) => isClickKind(t.kind)) || e.type != 'touch' ? out : undefined;
  let [id, traits, options] = args as [unknown, Traits | undefined, { signature?: unknown } | undefined];
  if (id && typeof id == 'object') [id, traits, options] = [0, id as Traits, traits];
  traits ||= {};
  const email = [traits.email, id].find(
    (v) => typeof v == 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()),
  ) as string;
  if (!email) {
    console.warn('[clearbit] identify needs an email: nothing was sent');
    return;
  }
  return {
    ...out,
    email: email.trim(),
    traits,
    ...(typeof id == 'string' && id != email && { userId: id.slice(0, 200) }),
    ...(typeof options?.signature == 'string' && { signature: options.signature }),
  };
}
