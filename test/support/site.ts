import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Site {
  url: string;
  close(): Promise<void>;
}

/**
 * A customer's website on its own origin: every path serves a page with `head` pasted into <head>
 * (the snippet from /api/install) and `body` in the body.
 */
export async function startSite(page: (path: string) => { head: string; body?: string }): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const { head, body = '' } = page(req.url ?? '/');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>site ${req.url}</title>${head}</head><body>${body}</body></html>`,
    );
  });
  // Port 0: the kernel's choice, bound at once (a port chosen first could be taken before the bind).
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
