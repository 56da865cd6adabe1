// The identify bodies the identify benchmarks send (about 1 KB, like collector-limit.sh's own); `[<id>]`
// is replaced per request by autocannon -I.
export const context = {
  page: {
    url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=autumn',
    path: '/pricing',
    referrer: 'https://news.example.org/article/12345',
    title: 'Pricing - Example Corp - Plans for every team',
  },
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  locale: 'de-DE',
  library: { name: 'tag.js', version: '0.1.0' },
  campaign: { source: 'newsletter', medium: 'email', name: 'autumn' },
};
export const traits = {
  name: 'Jane Doe',
  plan: 'pro',
  company: 'Example Corp',
  createdAt: '2025-03-14T09:26:53.000Z',
  logins: 42,
  role: 'admin',
  country: 'DE',
  newsletter: true,
};

export function segmentBody(email, anonymousId) {
  return JSON.stringify({
    writeKey: 'sk_dev_local',
    type: 'identify',
    messageId: 'msg-[<id>]',
    anonymousId,
    userId: 'user-1234567',
    timestamp: '2026-11-28T14:30:00.000Z',
    traits: { ...traits, email },
    context,
  });
}
export function collectBody(email, anonymousId) {
  return JSON.stringify({
    key: 'pk_dev_local',
    events: [
      {
        type: 'identify',
        messageId: 'msg_[<id>]',
        anonymousId,
        email,
        traits,
        touches: [],
        context: {
          page: { url: context.page.url, referrer: context.page.referrer, title: context.page.title },
          userAgent: context.userAgent,
        },
      },
    ],
  });
}
