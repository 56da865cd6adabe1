import type { Env } from './env';
import { appFor } from './app';
import { handlePopulateMessage, isPopulateMessage } from './audiences/populate';

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
    // Populate pages of different shards run side by side.
    await Promise.all(
      batch.messages.map(async (message) => {
        if (!isPopulateMessage(message.body)) {
          // Other jobs arrive with the ingest issue; until then leave them for a consumer that knows them.
          message.retry();
          return;
        }
        try {
          await handlePopulateMessage(env, message.body, Date.now());
          message.ack();
        } catch (e) {
          console.error('populate page failed; retrying', e instanceof Error ? e.name : typeof e);
          message.retry({ delaySeconds: 1 });
        }
      }),
    );
  },
} satisfies ExportedHandler<Env>;
