// What test/fakes/global-setup.ts provides to Worker tests (vitest `inject`).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
    /** The HubSpot fake (test/fakes/hubspot.ts); each test file uses its own account under /acct/<name>. */
    hubspotUrl: string;
    /** The Salesforce fake (test/fakes/salesforce-orgs.ts); each test uses its own org under /org/<name>. */
    salesforceUrl: string;
    /** A second set, for test/worker/delivery-e2e.test.ts alone. */
    /** A third set, for the live retraction test alone (test/worker/audiences-retractions.test.ts). */
    retractionFakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
    e2eFakeUrls: Record<
      'meta' | 'google_ads' | 'google_data_manager' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads',
      string
    >;
  }
}
