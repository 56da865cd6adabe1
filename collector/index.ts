import type { Env } from './env';
import { appFor } from './app';
import { consumeJobs } from './ingest/people-consumer';
import type { JobMessage } from './ingest/job-messages';
import { consumePopulate, isPopulateMessage, resumeStalledPopulates, type PopulateMessage } from './audiences/populate';
import { checkTagSilence } from './alerts/tag-silence';
import { LAST_SCHEDULED_SETTING } from './routes/api/status';
import { consumeDeadLetters, isDeadLetterQueue } from './ingest/dead-letters';
import { tickSources } from './services/sources';
import { configObject } from './objects/doors';

export { PersonObject } from './objects/person';
export { VisitorObject } from './objects/visitor';
export { ConfigObject } from './objects/config';
export { DirectoryObject } from './objects/directory';
export { DestinationObject } from './objects/destination';
export { SourceObject } from './objects/source';

export default {
  fetch(request, env, ctx) {
    return appFor(env.BASE_PATH).fetch(request, env, ctx);
  },
  async queue(batch, env) {
    if (isDeadLetterQueue(batch.queue)) return consumeDeadLetters(batch, env);
    // Audience populate pages are consumed beside the ingest jobs, each by its own consumer.
    const messages = batch.messages as readonly Message<unknown>[];
    const populate = messages.filter((m): m is Message<PopulateMessage> => isPopulateMessage(m.body));
    const others = messages.filter((m) => !isPopulateMessage(m.body)) as Message<JobMessage>[];
    await Promise.all([
      populate.length ? consumePopulate(populate, env) : null,
      others.length
        ? consumeJobs({ queue: batch.queue, messages: others } as unknown as MessageBatch<JobMessage>, env)
        : null,
    ]);
  },
  // The cron trigger (wrangler.toml [triggers]): alerts that fire on time alone (a tag gone silent);
  // populate jobs whose progress stood still (a page message dropped) get their pages sent again.
  async scheduled(controller, env, ctx) {
    // Recorded so `npm run smoke` (GET /api/status) can tell a cron that stopped running.
    ctx.waitUntil(configObject(env).setSetting(LAST_SCHEDULED_SETTING, String(controller.scheduledTime)));
    ctx.waitUntil(checkTagSilence(env, controller.scheduledTime).then(() => undefined));
    ctx.waitUntil(resumeStalledPopulates(env, controller.scheduledTime).then(() => undefined));
    // CRM sources poll on their own alarms; the cron re-arms any that lost theirs.
    ctx.waitUntil(tickSources(env));
  },
} satisfies ExportedHandler<Env>;
