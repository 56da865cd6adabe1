// Bundled into the e2e page: the container runtime stand-in, with injectScript as GTM does it
// (an async <script> in the page) and the template's debug logs on the console.
import { startContainer } from './container-runtime';

(window as any).__startContainer = (container: unknown) => {
  (window as any).__gtm = startContainer(container, {
    window,
    debug: true,
    log: (...args) => console.log(...args),
    loadScript(url, done) {
      const script = document.createElement('script');
      script.async = true;
      script.src = url;
      script.onload = () => done(true);
      script.onerror = () => done(false);
      document.head.appendChild(script);
    },
  });
};
