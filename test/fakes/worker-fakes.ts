// The accounts the fakes started for Worker tests accept; the tests configure destinations with them.
export const WORKER_FAKES = {
  meta: { pixelId: '1234567', accessToken: 'EAAworker-meta-token-01' },
  google_ads: {
    customerId: '1234567890',
    conversionActionIds: ['555'],
    clientId: 'g-client',
    clientSecret: 'g-secret-123456',
    refreshToken: 'g-refresh-123456',
  },
  google_data_manager: {
    customerId: '1234567890',
    conversionActionIds: ['777'],
    clientId: 'g-client',
    clientSecret: 'g-secret-123456',
    refreshToken: 'g-refresh-123456',
  },
  linkedin: {
    conversionIds: ['4242'],
    clientId: 'li-client',
    clientSecret: 'li-secret-123456',
    refreshToken: 'li-refresh-000001',
    rotateRefreshTokens: true,
  },
  reddit: { pixelId: 'a2_worker01', accessToken: 'reddit-worker-token-01' },
  tiktok: { pixelCode: 'CWORKER1234567890', accessToken: 'tiktok-worker-token-01' },
  openai_ads: { pixelId: 'px_worker01', apiKey: 'sk-svcacct-worker-key-01' },
  microsoft_ads: {
    customerId: '1111',
    accountId: '2222',
    developerToken: 'ms-dev-token-0001',
    goalNames: ['MQL'],
    clientId: 'ms-client',
    clientSecret: 'ms-secret-123456',
    refreshToken: 'ms-refresh-000001',
  },

  salesforce: {
    clientId: '3MVG9worker.salesforce.consumer.key',
    clientSecret: 'sf-worker-consumer-secret-0001',
    refreshToken: '5Aep861worker.salesforce.refresh.0001',
  },
  hubspot: {
    privateToken: 'pat-na1-worker-0000-0001',
    clientId: 'hs-worker-client',
    clientSecret: 'hs-worker-secret-123456',
    refreshToken: 'hs-worker-refresh-0001',
  },
};
