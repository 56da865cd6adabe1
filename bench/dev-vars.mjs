// The local-only keys (as in .dev.vars.example), with the per-IP limits raised: a benchmark replays
// one client address thousands of times a second, which the public defaults would rightly refuse.
export const DEV_VARS_FOR_BENCH = {
  SECRET_KEY: 'sk_dev_local',
  PUBLISHABLE_KEY: 'pk_dev_local',
  ALLOWED_ORIGINS: 'http://localhost:*,http://127.0.0.1:*',
  IDENTITY_SECRET: 'dev-identity-secret-not-for-production',
  ENCRYPTION_KEY: 'ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZCE=',
  IDENTIFY_SIGNING_SECRET: 'dev-identify-signing-secret',
  SEGMENT_WEBHOOK_SECRET: 'dev-segment-webhook-secret',
  RATE_LIMIT_IP_PER_MINUTE: '1000000000',
  RATE_LIMIT_KEY_PER_MINUTE: '1000000000',
  CREATE_CAP_IP_PER_MINUTE: '1000000000',
  TOUCH_CAP_IP_PER_MINUTE: '1000000000',
};
