import { config } from './config';
import type { AdsConsent } from './types';

// 'pending': denied, by the site's default `consent: 'pending'`, while the visitor has not answered.
export type ConsentState = AdsConsent | 'unknown' | 'pending';

// Set by `consent()` on this page; a grant is also remembered in storage (ledger.ts), a denial
// never is (nothing may be written once ads consent is denied).
let explicit: AdsConsent | undefined;

export function setExplicitConsent(ads: AdsConsent | undefined): void {
  explicit = ads;
}

/**
 * Ads consent, strongest signal first: Global Privacy Control, this page's `consent()` call, Google
 * Consent Mode on the page, a grant remembered from an earlier page, the configured default
 * ('pending' only from the default: any answer ends it).
 */
export function adsConsent(rememberedGrant?: unknown): ConsentState {
  return (navigator as any).globalPrivacyControl
    ? 'denied'
    : explicit || consentMode() || (rememberedGrant ? 'granted' : config.consent || 'unknown');
}

/**
 * Google Consent Mode from gtag's `consent` commands on the dataLayer (the default, then updates):
 * denied when ad_storage or ad_user_data is denied, granted when ad_storage is granted. On a site
 * whose default is 'pending', a denial that no `update` has confirmed is the banner not answered yet.
 */
export function consentMode(): ConsentState | undefined {
  const s: Record<string, unknown> = {};
  let answered = config.consent != 'pending';
  const layer = (window as any).dataLayer;
  if (Array.isArray(layer))
    for (const e of layer)
      if (e && e[0] == 'consent') {
        Object.assign(s, e[2]);
        if (e[1] == 'update') answered = true;
      }
  return s.ad_storage == 'denied' || s.ad_user_data == 'denied'
    ? answered
      ? 'denied'
      : 'pending'
    : s.ad_storage == 'granted'
      ? 'granted'
      : undefined;
}
