import { config } from './config';
import type { AdsConsent } from './types';

export type ConsentState = AdsConsent | 'unknown';

// Set by `consent()` on this page; a grant is also remembered in storage (ledger.ts), a denial
// never is (nothing may be written once ads consent is denied).
let explicit: AdsConsent | undefined;

export function setExplicitConsent(ads: AdsConsent | undefined): void {
  explicit = ads;
}

/**
 * Ads consent, strongest signal first: Global Privacy Control, this page's `consent()` call, Google
 * Consent Mode on the page, a grant remembered from an earlier page, the configured default.
 */
export function adsConsent(rememberedGrant?: unknown): ConsentState {
  return (navigator as any).globalPrivacyControl ? 'denied' : explicit || consentMode() || (rememberedGrant ? 'granted' : config.consent || 'unknown');
}

/**
 * Google Consent Mode from gtag's `consent` commands on the dataLayer (the default, then updates):
 * denied when ad_storage or ad_user_data is denied, granted when ad_storage is granted.
 */
export function consentMode(): AdsConsent | undefined {
  const s: Record<string, unknown> = {};
  const layer = (window as any).dataLayer;
  if (Array.isArray(layer)) for (const e of layer) if (e && e[0] == 'consent') Object.assign(s, e[2]);
  return s.ad_storage == 'denied' || s.ad_user_data == 'denied' ? 'denied' : s.ad_storage == 'granted' ? 'granted' : undefined;
}
