// The conversions the collector answered an identify with (docs/deduplication.md): each goes to the
// page's `clearbit.on('conversion', cb)` callbacks and, when Google Tag Manager is on the page, to its
// dataLayer as a `clearbit_conversion` event, so the site's own pixel can send the server's event id.
// Never throws.
import { link } from './link';

export function announce(list: unknown): void {
  if (Array.isArray(list))
    for (const c of list) {
      for (const [name, cb] of link.on_)
        try {
          if (name == 'conversion') (cb as (c: unknown) => void)(c);
        } catch (e) {
          link.warn_(e);
        }
      try {
        (window as any).dataLayer?.push({
          event: 'clearbit_conversion',
          event_id: c.eventId,
          event_name: c.eventName,
          platform: c.platform,
          value: c.value,
          currency: c.currency,
          conversion_id: c.conversionId,
          conversion_action: c.conversionAction,
        });
      } catch (e) {
        link.warn_(e);
      }
    }
}
