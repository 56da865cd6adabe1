// The properties a HubSpot source syncs by default (shared/schemas/sources.ts) against HubSpot's own
// property list as the fake models it (test/fakes/hubspot.ts). The two lists are kept apart on
// purpose: the fake describes HubSpot, not our choice. HubSpot answers an unknown property by
// silently leaving it out, so a misspelt default would never show as an error: this test does.
import { describe, expect, it } from 'vitest';
import { HUBSPOT_DEFAULT_PROPERTIES, HUBSPOT_LIFECYCLE_DATES } from '../../shared/schemas/sources';
import { CONTACT_PROPERTIES } from './hubspot';

describe('HubSpot default properties', () => {
  const known = new Set(CONTACT_PROPERTIES.map((p) => p.name));

  it('are all contact properties HubSpot has', () => {
    expect(HUBSPOT_DEFAULT_PROPERTIES.filter((p) => !known.has(p))).toEqual([]);
  });

  it('include a date property for every lifecycle stage HubSpot lists', () => {
    const stages = CONTACT_PROPERTIES.find((p) => p.name === 'lifecyclestage')!.options!.map((o) => o.value);
    expect(
      stages.map((s) => `hs_lifecyclestage_${s}_date`).filter((p) => !HUBSPOT_LIFECYCLE_DATES.includes(p)),
    ).toEqual([]);
  });
});
