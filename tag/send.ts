// The sender, served as /v1/tag-send.js and loaded by tag.js when the browser is idle (or at once for
// an identify): the ledger and everything stored, other tags' cookies, event completion, the IndexedDB
// outbox, retries and the transport. tag.js hands it the link on the script element.
import { link } from './link';
import { startSender } from './sender';

try {
  const [core, done] = (document.currentScript as any)._cb;
  Object.assign(link, core);
  startSender();
  done();
} catch {
  // loaded some other way: nothing to do
}
