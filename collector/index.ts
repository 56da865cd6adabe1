import type { Env } from './env';
import { appFor } from './app';

export { PersonObject } from './objects/person';
export { VisitorObject } from './objects/visitor';
export { ConfigObject } from './objects/config';
export { DirectoryObject } from './objects/directory';
export { DestinationObject } from './objects/destination';

export default {
  fetch(request, env, ctx) {
    return appFor(env.BASE_PATH).fetch(request, env, ctx);
  },
  async queue(batch) {
    // Jobs arrive with the ingest issue; until then nothing is produced, so acknowledge nothing.
    batch.retryAll();
  },
} satisfies ExportedHandler<Env>;
