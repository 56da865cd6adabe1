import type { Env } from './env';
import { appFor } from './app';
import { consumeJobs } from './ingest/people-consumer';
import type { JobMessage } from './ingest/job-messages';

export { PersonObject } from './objects/person';
export { VisitorObject } from './objects/visitor';
export { ConfigObject } from './objects/config';
export { DirectoryObject } from './objects/directory';
export { DestinationObject } from './objects/destination';

export default {
  fetch(request, env, ctx) {
    return appFor(env.BASE_PATH).fetch(request, env, ctx);
  },
  async queue(batch, env) {
    await consumeJobs(batch as MessageBatch<JobMessage>, env);
  },
} satisfies ExportedHandler<Env>;
