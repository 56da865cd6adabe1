// Google's own identifiers as the APIs want them, normalized once where they enter (the conversion
// and destination schemas): conversion actions and Google Ads API versions (ad-platforms.md §2.1, G-ver).
import { z } from 'zod';

/** `customers/{customerId}/conversionActions/{id}`: the ConversionAction resource name Google Ads shows. */
const RESOURCE_NAME = /^customers\/(\d{1,20})\/conversionActions\/(\d{1,20})$/;

/**
 * A conversion action written as its ID (`456`) or as its resource name
 * (`customers/123/conversionActions/456`) -> the ID. Both Google APIs want the ID: the Data Manager
 * API as `productDestinationId`, the Ads API inside a resource name it builds with the destination's
 * own customer (Google checks only the action ID). Anything else is returned as given (Microsoft goal
 * names, LinkedIn URNs); null when it looks like a resource name but is not one.
 */
export function normalizeConversionAction(value: string): string | null {
  const v = value.trim();
  const m = RESOURCE_NAME.exec(v);
  if (m) return m[2]!;
  if (/^customers\//i.test(v)) return null;
  return v;
}

export const conversionActionSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .transform((v, ctx) => {
    const out = normalizeConversionAction(v);
    if (out === null) {
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: 'a Google conversion action is its ID (digits) or customers/{customerId}/conversionActions/{id}',
      });
      return z.NEVER;
    }
    return out;
  });

/**
 * Google Ads API major versions and whether Google still serves them (sunset dates from Google's
 * published schedule). The default is the newest version whose official definitions the contract
 * tests check our requests against (google-ads-node 25.1.0 ships v25).
 */
export const GOOGLE_ADS_VERSIONS: Record<string, { sunset: string | null }> = {
  v20: { sunset: '2026-06-10' },
  v21: { sunset: '2026-08-05' },
  v22: { sunset: '2026-10-07' },
  v23: { sunset: null },
  v24: { sunset: null },
  v25: { sunset: null },
  v26: { sunset: null },
};
export const GOOGLE_ADS_DEFAULT_VERSION = 'v25';
export const GOOGLE_ADS_SUPPORTED_VERSIONS = Object.keys(GOOGLE_ADS_VERSIONS).filter(
  (v) => GOOGLE_ADS_VERSIONS[v]!.sunset === null,
);

export const googleAdsVersionSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const supported = GOOGLE_ADS_SUPPORTED_VERSIONS.join(', ');
    const known = GOOGLE_ADS_VERSIONS[v];
    let message: string | null = null;
    if (!/^v\d{1,3}$/.test(v)) message = `apiVersion looks like ${GOOGLE_ADS_DEFAULT_VERSION}; supported: ${supported}`;
    else if (known?.sunset) message = `Google sunset Google Ads API ${v} on ${known.sunset}; use one of ${supported}`;
    else if (!known)
      message =
        +v.slice(1) < +GOOGLE_ADS_SUPPORTED_VERSIONS[0]!.slice(1)
          ? `Google has sunset Google Ads API ${v}; use one of ${supported}`
          : `Google Ads API ${v} is not one this release is tested against; use one of ${supported}`;
    if (message) ctx.addIssue({ code: 'custom', message });
  })
  .default(GOOGLE_ADS_DEFAULT_VERSION);
