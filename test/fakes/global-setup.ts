// Vitest globalSetup for the collector project: starts one fake per platform in Node, so tests that
// run inside workerd (the DestinationObject) reach them over loopback. They drive faults and read
// what was stored through the fakes' /__fake/* control paths.
import { availableParallelism } from 'node:os';
import type { TestProject } from 'vitest/node';
import { startGoogleAdsFake } from './google-ads';
import { startDataManagerFake } from './google-data-manager';
import { startLinkedInFake } from './linkedin';
import { startMetaFake } from './meta';
import { startMicrosoftFake } from './microsoft';
import { startOpenAIAdsFake } from './openai-ads';
import { startRedditFake } from './reddit';
import { startTikTokFake } from './tiktok';
import { WORKER_FAKES } from './worker-fakes';
import { startHubSpotFake } from './hubspot';
import { startSalesforceOrgsFake } from './salesforce-orgs';

/** The fakes one vitest worker's workerd files use: they never see another worker's requests. */
async function startSlot() {
  const f = WORKER_FAKES;
  const startSet = async () => [
    await startMetaFake(f.meta),
    await startGoogleAdsFake(f.google_ads),
    await startDataManagerFake(f.google_data_manager),
    await startLinkedInFake(f.linkedin),
    await startMicrosoftFake(f.microsoft_ads),
    await startRedditFake(f.reddit),
    await startTikTokFake(f.tiktok),
    await startOpenAIAdsFake(f.openai_ads),
  ];
  const urls = (set: { url: string }[]) => ({
    meta: set[0]!.url,
    google_ads: set[1]!.url,
    google_data_manager: set[2]!.url,
    linkedin: set[3]!.url,
    microsoft_ads: set[4]!.url,
    reddit: set[5]!.url,
    tiktok: set[6]!.url,
    openai_ads: set[7]!.url,
  });
  const fakes = await startSet();
  // A second set for the end-to-end delivery suites: their faults and token expiries never reach the
  // requests of the other test files (and theirs never reach them).
  const e2e = await startSet();
  // A third for the live retraction test: Microsoft rotates refresh tokens, so a destination of
  // another file refreshing with the same token would revoke the one that test's destination holds.
  const retraction = await startSet();
  // CRM sources: one HubSpot fake; each test uses its own account under /acct/<name>.
  const h = WORKER_FAKES.hubspot;
  const hubspot = await startHubSpotFake({
    privateTokens: [h.privateToken],
    clientId: h.clientId,
    clientSecret: h.clientSecret,
    refreshToken: h.refreshToken,
    rotate: true,
  });
  // Salesforce: a fake of its own (its refresh tokens rotate), each test its own org under /org/<name>.
  const sf = WORKER_FAKES.salesforce;
  const salesforce = await startSalesforceOrgsFake({
    clientId: sf.clientId,
    clientSecret: sf.clientSecret,
    refreshToken: sf.refreshToken,
    rotate: true,
    clientCredentials: true,
    bulkPolls: 1,
  });
  return {
    urls: {
      fakeUrls: urls(fakes),
      e2eFakeUrls: urls(e2e),
      retractionFakeUrls: urls(retraction),
      hubspotUrl: hubspot.url,
      salesforceUrl: salesforce.url,
    },
    async stop() {
      for (const fake of [...fakes, ...e2e, ...retraction]) await fake.stop();
      await hubspot.stop();
      await salesforce.stop();
    },
  };
}

export default async function setup(project: TestProject) {
  // One slot of fakes per vitest worker: with two workers, two workerd files run at once, and a test
  // that counts what a fake received (delivery-e2e: Meta events stored) must see its own file's
  // requests only. test/worker/setup.ts hands each file its worker's slot (by VITEST_POOL_ID, unique
  // among the workers running at one time and at most maxWorkers).
  const workers = Number(project.config.maxWorkers || project.vitest.config.maxWorkers) || availableParallelism();
  const slots: Awaited<ReturnType<typeof startSlot>>[] = [];
  for (let i = 0; i < workers; i++) slots.push(await startSlot());
  // Typed for Worker tests in test/worker/provided-fakes.d.ts.
  (project.provide as (key: string, value: unknown) => void)(
    'fakeSlots',
    slots.map((s) => s.urls),
  );
  return async () => {
    for (const slot of slots) await slot.stop();
  };
}
