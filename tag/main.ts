// The IIFE served as /v1/tag.js: the core tag. Its sender comes from /v1/tag-send.js, loaded when the
// browser is idle or when there is something to send (the build puts that script's hash in the URL,
// so it caches for good).
import { config } from './config';
import { useSender } from './handoff';
import { install } from './install';
import { link } from './link';

declare const SEND_VERSION: string;

try {
  useSender(
    () =>
      new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = `${config.host}/v1/tag-send.js?v=${SEND_VERSION}`;
        (s as any)._cb = [link, resolve];
        s.onerror = reject;
        document.head.appendChild(s);
      }),
  );
  install(window);
} catch {
  // never break the page
}
