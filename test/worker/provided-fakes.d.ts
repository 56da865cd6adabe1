// What test/fakes/global-setup.ts provides to Worker tests (vitest `inject`): `fakeSlots` holds one set
// per vitest worker, and test/worker/setup.ts copies the set of the file's worker into the other keys.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fakeSlots: Pick<
      ProvidedContext,
      'fakeUrls' | 'e2eFakeUrls' | 'retractionFakeUrls' | 'hubspotUrl' | 'salesforceUrl'
    >[];
    fakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
    /** The HubSpot fake (test/fakes/hubspot.ts); each test file uses its own account under /acct/<name>. */
    hubspotUrl: string;
    /** The Salesforce fake (test/fakes/salesforce-orgs.ts); each test uses its own org under /org/<name>. */
    salesforceUrl: string;
    /** A third set, for the live retraction test alone (test/worker/audiences-retractions.test.ts). */
    retractionFakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
    /** A second set, for the end-to-end delivery suites (delivery-e2e*, ladders-e2e). */
    e2eFakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
  }
}
