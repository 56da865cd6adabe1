// The paste-in stub (analytics.js pattern): queues calls until tag.js loads, then tag.js replays them.
// Including it twice is harmless: the second copy only logs. The collector fills in "__CB_KEY__" and
// "__CB_HOST__" when it renders the snippet for a deployment.
(function (w: any, d: Document) {
  var c = (w.clearbit = w.clearbit || []);
  if (c.initialize) return;
  if (c.invoked) return console.error('Clearbit snippet included twice.');
  c.invoked = 1;
  'identify page reset consent config ready track group alias trackSubmit trackClick trackLink trackForm pageview once off on'
    .split(' ')
    .forEach(function (m) {
      c[m] = function () {
        var a: unknown[] = [].slice.call(arguments);
        a.unshift(m);
        c.push(a);
        return c;
      };
    });
  c.load = function (key: string, host: string) {
    c._key = key;
    c._host = host;
    var s = d.createElement('script');
    s.async = true;
    s.src = host + '/v1/tag.js';
    d.head.appendChild(s);
  };
  c.SNIPPET_VERSION = '1.1.0';
  c.load('__CB_KEY__', '__CB_HOST__');
  c.page();
})(window, document);
