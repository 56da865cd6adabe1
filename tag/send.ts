// The sender, served as /v1/tag-send.js and loaded by tag.js when the browser is idle (or at once when
// there is something to send): other tags' cookies, event completion, the IndexedDB outbox, retries and
// the transport. tag.js hands it the link on the script element.
import { link } from './link';
import { startSender } from './outbox';

try {
  const [core, done] = (document.currentScript as any)._cb;
  Object.assign(link, core);
  done(startSender());
} catch {
  // loaded some other way: nothing to do
}
