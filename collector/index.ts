import type { Env } from './env';
import { appFor } from './app';

export { PersonObject } from './objects/person';

export default {
  fetch(request, env, ctx) {
    return appFor(env.BASE_PATH).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
