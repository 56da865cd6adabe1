// The sender, served as /v1/tag-send.js and loaded by tag.js when there is something to send: the
// IndexedDB outbox, retries and the transport. tag.js hands it the link on the script element.
import { link } from './link';
import { flush } from './outbox';

try {
  const [core, done] = (document.currentScript as any)._cb;
  Object.assign(link, core);
  done(flush);
} catch {
  // loaded some other way: nothing to do
}
