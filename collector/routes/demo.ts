import { Hono } from 'hono';
import type { AppContext } from '../env';
import { collectorUrl, renderSnippet } from '../snippet';

export const demo = new Hono<AppContext>();

// A landing page for trying the tag by hand: the snippet as a customer would paste it, a link that
// carries click IDs, and a form that calls identify.
demo.get('/demo', (c) => {
  const base = collectorUrl(c.req.url, c.env.BASE_PATH);
  const snippet = c.env.PUBLISHABLE_KEY
    ? renderSnippet(c.env.PUBLISHABLE_KEY, base)
    : '<!-- no publishable key configured -->';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo landing page</title>
${snippet}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}input,button{font:inherit;padding:.4rem .6rem}code{background:#f2f2f2;padding:0 .2rem}</style>
</head>
<body>
<h1>Demo landing page</h1>
<p>Arrive as if from an ad: <a href="?gclid=Cj0KCQdemo_gclid123&amp;fbclid=IwAR_demo_fbclid456">?gclid=…&amp;fbclid=…</a>, then submit the form.
The tag remembers the click IDs across pages and sends them with <code>clearbit.identify(email)</code>.</p>
<form id="lead">
<label for="email">Work email</label>
<input id="email" name="email" type="email" required autocomplete="email">
<button type="submit">Request a demo</button>
</form>
<p id="status" role="status"></p>
<script>
document.getElementById('lead').addEventListener('submit', function (e) {
  e.preventDefault();
  var email = document.getElementById('email').value;
  clearbit.identify(email, { source: 'demo form' });
  document.getElementById('status').textContent = 'Identified ' + email + '. Look the person up with GET /api/people/' + encodeURIComponent(email) + '.';
});
</script>
</body>
</html>`;
  return c.html(html);
});
