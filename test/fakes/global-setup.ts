// Vitest globalSetup for the collector project: starts one fake per platform in Node, so tests that
// run inside workerd (the DestinationObject) reach them over loopback. They drive faults and read
// what was stored through the fakes' /__fake/* control paths.
import type { TestProject } from 'vitest/node';
import { startGoogleAdsFake } from './google-ads';
import { startDataManagerFake } from './google-data-manager';
import { startLinkedInFake } from './linkedin';
import { startMetaFake } from './meta';
import { startMicrosoftFake } from './microsoft';
import { WORKER_FAKES } from './worker-fakes';

export default async function setup(project: TestProject) {
  const f = WORKER_FAKES;
  const fakes = [
    await startMetaFake(f.meta),
    await startGoogleAdsFake(f.google_ads),
    await startDataManagerFake(f.google_data_manager),
    await startLinkedInFake(f.linkedin),
    await startMicrosoftFake(f.microsoft_ads),
  ];
  // Typed for Worker tests in test/worker/provided-fakes.d.ts.
  (project.provide as (key: string, value: unknown) => void)('fakeUrls', { meta: fakes[0]!.url, google_ads: fakes[1]!.url, google_data_manager: fakes[2]!.url, linkedin: fakes[3]!.url, microsoft_ads: fakes[4]!.url });
  return async () => {
    for (const fake of fakes) await fake.stop();
  };
}

