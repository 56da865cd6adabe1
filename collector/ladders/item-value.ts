// Where each platform's item (the event as stored in the outbox and sent) carries the conversion's
// value, currency and event time: the ladder's weekly counts and value sums read them with SQLite's
// json_extract. A platform missing here is counted by the row's creation time, with no value sum.
export interface ItemFields {
  value: string;
  currency: string;
  /** SQL over the `item` column giving the event time in epoch ms (constants only, never input). */
  eventMs: string;
}

const seconds = (path: string) => `CAST(strftime('%s', json_extract(item, '${path}')) AS INTEGER) * 1000`;

export const ITEM_FIELDS: Record<string, ItemFields> = {
  meta: { value: '$.custom_data.value', currency: '$.custom_data.currency', eventMs: `json_extract(item, '$.event_time') * 1000` },
  // "2026-12-01 10:00:00+00:00"
  google_ads: { value: '$.conversionValue', currency: '$.currencyCode', eventMs: seconds('$.conversionDateTime') },
  google_data_manager: { value: '$.conversionValue', currency: '$.currency', eventMs: seconds('$.eventTimestamp') },
  // LinkedIn's amount is a decimal string; SQLite's sum reads it as a number.
  linkedin: { value: '$.conversionValue.amount', currency: '$.conversionValue.currencyCode', eventMs: `json_extract(item, '$.conversionHappenedAt')` },
  microsoft_ads: { value: '$.ConversionValue', currency: '$.ConversionCurrencyCode', eventMs: seconds('$.ConversionTime') },
};

export const NO_FIELDS: ItemFields = { value: '$.__none', currency: '$.__none', eventMs: 'NULL' };
