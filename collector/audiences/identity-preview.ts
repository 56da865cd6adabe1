// The identity mapping tried on a real person (POST /api/identity-mapping/preview and the admin's
// Identity page): each identifier's source field and value, its normalized form per platform, and per
// destination the exact item its builder would send for a conversion of this person now.
import type { Env } from '../env';
import { personKey } from '../identity';
import type { PersonSnapshot } from '../objects/person-types';
import type { Result } from '../objects/destination-types';
import { googleNormalizeAddress, linkedinUserInfo } from '../../shared/normalize-identifiers';
import { normalizeFor, type HashPlatform } from '../../shared/normalize';
import { IDENTITY_FIELD_OF, type IdentityMapping } from '../../shared/schemas/identity-mapping';
import { conversionRowFrom, type PersonView } from '../delivery/conversion-row';
import { effectiveMapping, resolveIdentifiers, type IdentifierSource } from './identity-mapping';
import type { WouldSend } from './would-send';
import { configObject, destinationById, personByKey } from '../objects/doors';

const PLATFORMS: HashPlatform[] = ['meta', 'google', 'microsoft'];
const PREVIEW_ID = '0'.repeat(32);

export interface IdentityPreview {
  email: string;
  identifiers: (IdentifierSource & {
    normalized: Partial<Record<HashPlatform | 'google_address' | 'linkedin', string | null>>;
  })[];
  destinations: {
    id: string;
    name: string;
    type: string;
    payload: unknown;
    matchKeys: string[];
    coverage?: WouldSend['coverage'];
    skip: string | null;
    detail: string | null;
  }[];
}

function viewOf(s: PersonSnapshot): PersonView {
  return {
    email: s.email,
    consent: s.consent ? { ads: s.consent.ads } : null,
    attributes: s.attributes,
    touches: s.touches.map((t) => ({
      kind: t.kind,
      value: t.value,
      firstSeen: t.firstSeen,
      landingUrl: t.landingUrl ?? null,
      raw: t.raw ?? null,
    })),
    devices: s.devices.map((d) => ({
      anonymousId: d.anonymousId,
      ip: d.ip,
      userAgent: d.userAgent,
      country: d.country ?? null,
      lastSeen: d.lastSeen,
    })),
  };
}

/** null when the person is unknown. `mapping` replaces the saved one (to try an edit before saving). */
export async function previewIdentity(
  env: Env,
  email: string,
  mapping: IdentityMapping | null | undefined,
  now: number,
): Promise<IdentityPreview | null> {
  const config = configObject(env);
  const [snapshot, saved, destinations] = await Promise.all([
    personByKey(env, await personKey(env, email)).snapshot() as Promise<PersonSnapshot | null>,
    mapping === undefined ? config.identityMapping() : Promise.resolve(mapping),
    config.listDestinations(),
  ]);
  if (!snapshot) return null;
  const person = viewOf(snapshot);
  const { identifiers, sources } = resolveIdentifiers(person.attributes, effectiveMapping(saved));
  const address = googleNormalizeAddress(identifiers);
  const userInfo = linkedinUserInfo(identifiers);
  const shown = sources.map((s) => {
    const normalized: IdentityPreview['identifiers'][number]['normalized'] = {};
    // The canonical value (E.164 phone, ISO country) is what each platform's rule starts from.
    const canonical = identifiers[IDENTITY_FIELD_OF[s.identifier]];
    if (canonical !== undefined) {
      for (const p of PLATFORMS) normalized[p] = normalizeFor(p, IDENTITY_FIELD_OF[s.identifier], canonical);
      const part = {
        firstName: address?.givenName,
        lastName: address?.familyName,
        countryCode: address?.regionCode,
        postalCode: address?.postalCode,
      }[s.identifier as string];
      if (part !== undefined) normalized.google_address = part;
      const li = {
        firstName: userInfo?.firstName,
        lastName: userInfo?.lastName,
        companyName: userInfo?.companyName,
        jobTitle: userInfo?.title,
        countryCode: userInfo?.countryCode,
      }[s.identifier as string];
      if (li !== undefined) normalized.linkedin = li;
    }
    return { ...s, normalized };
  });
  const row = {
    ...conversionRowFrom(person, { id: PREVIEW_ID, timestamp: Math.floor(now / 1000) }, {}, identifiers),
    key: `identity-preview:${PREVIEW_ID}`,
  };
  const live = destinations.filter((d) => d.deletedAt === null);
  const sent = await Promise.all(
    live.map(async (d) => {
      const answer = (await destinationById(env, d.id).preview([row])) as unknown as Result<WouldSend[]>;
      if (!answer.ok)
        return {
          id: d.id,
          name: d.name,
          type: d.type,
          payload: null,
          matchKeys: [],
          skip: 'destination_not_configured',
          detail: answer.message,
        };
      const w = answer.value[0]!;
      return {
        id: d.id,
        name: d.name,
        type: d.type,
        payload: w.payload,
        matchKeys: w.matchKeys ?? [],
        coverage: w.coverage ?? null,
        skip: w.skip,
        detail: w.detail,
      };
    }),
  );
  return { email: snapshot.email, identifiers: shown, destinations: sent };
}
