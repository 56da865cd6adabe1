// Which match keys a built platform item carries (the member audit shows them before sending): a
// click ID, hashed email, phone, name + address, Meta's fbc / fbp, IP + user agent, an external id, a
// consent signal. Read from the item itself, so it says what the platform would receive.
import type { DestinationType } from '../../shared/schemas/destinations';

export const MATCH_KEYS = [
  'click_id',
  'email',
  'phone',
  'name_address',
  'fbc',
  'fbp',
  'ip_user_agent',
  'external_id',
  'consent',
] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function keysOf(type: DestinationType | string, item: Obj): Partial<Record<MatchKey, boolean>> {
  switch (type) {
    case 'meta': {
      const u = obj(item.user_data);
      return {
        click_id: !!u.fbc,
        fbc: !!u.fbc,
        fbp: !!u.fbp,
        email: !!u.em,
        phone: !!u.ph,
        name_address: !!(u.fn && u.ln),
        ip_user_agent: !!(u.client_ip_address && u.client_user_agent),
        external_id: !!u.external_id,
      };
    }
    case 'google_data_manager': {
      const ad = obj(item.adIdentifiers);
      const ids = list(obj(item.userData).userIdentifiers).map(obj);
      const device = obj(ad.landingPageDeviceInfo);
      return {
        click_id: !!(ad.gclid || ad.gbraid || ad.wbraid),
        email: ids.some((i) => i.emailAddress),
        phone: ids.some((i) => i.phoneNumber),
        name_address: ids.some((i) => i.address),
        ip_user_agent: !!(device.ipAddress && device.userAgent),
        consent: !!item.consent,
      };
    }
    case 'google_ads': {
      const ids = list(item.userIdentifiers).map(obj);
      return {
        click_id: !!(item.gclid || item.gbraid || item.wbraid),
        email: ids.some((i) => i.hashedEmail),
        phone: ids.some((i) => i.hashedPhoneNumber),
        consent: !!item.consent,
      };
    }
    case 'linkedin': {
      const user = obj(item.user);
      const ids = list(user.userIds).map(obj);
      return {
        click_id: ids.some((i) => i.idType === 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID'),
        email: ids.some((i) => i.idType === 'SHA256_EMAIL'),
        name_address: !!user.userInfo,
      };
    }
    case 'microsoft_ads':
      return { click_id: !!item.MicrosoftClickId, email: !!item.HashedEmailAddress, phone: !!item.HashedPhoneNumber };
    case 'reddit': {
      const u = obj(item.user);
      return {
        click_id: !!item.click_id,
        email: !!u.email,
        phone: !!u.phone_number,
        ip_user_agent: !!(u.ip_address && u.user_agent),
        external_id: !!u.external_id,
      };
    }
    case 'tiktok': {
      const u = obj(item.user);
      return {
        click_id: !!u.ttclid,
        email: !!u.email,
        phone: !!u.phone,
        ip_user_agent: !!(u.ip && u.user_agent),
        external_id: !!u.external_id,
      };
    }
    case 'openai_ads': {
      const u = obj(item.user);
      return {
        email: !!u.email_sha256,
        ip_user_agent: !!(u.ip_address && u.user_agent),
        external_id: !!u.external_id_sha256,
      };
    }
    default:
      return {};
  }
}

/** The match keys an item carries, in MATCH_KEYS order. */
export function matchKeys(type: DestinationType | string, item: unknown): MatchKey[] {
  const found = keysOf(type, obj(item));
  return MATCH_KEYS.filter((k) => found[k]);
}
