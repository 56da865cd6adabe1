// Where each platform's item (the event as stored in the outbox and sent) carries the conversion's
// value, currency and event time: the ladder's weekly counts and value sums read them with SQLite's
// json_extract. A platform missing here is counted by the row's creation time, with no value sum.
import { THREE_DECIMALS, ZERO_DECIMALS } from '../destinations/openai-ads';

export interface ItemFields {
  /** SQL over the `item` column (constants only, never input): the value in the currency's major units. */
  value: string;
  /** SQL over the `item` column: the ISO 4217 currency. */
  currency: string;
  /** SQL over the `item` column giving the event time in epoch ms. */
  eventMs: string;
}

const at = (path: string) => `json_extract(item, '${path}')`;
const seconds = (path: string) => `CAST(strftime('%s', ${at(path)}) AS INTEGER) * 1000`;
const list = (codes: string[]) => codes.map((c) => `'${c}'`).join(', ');
// ChatGPT Ads carries amounts in the currency's minor units.
const fromMinorUnits = (amount: string, currency: string) =>
  `${at(amount)} * 1.0 / CASE WHEN ${at(currency)} IN (${list(ZERO_DECIMALS)}) THEN 1 WHEN ${at(currency)} IN (${list(THREE_DECIMALS)}) THEN 1000 ELSE 100 END`;

export const ITEM_FIELDS: Record<string, ItemFields> = {
  meta: {
    value: at('$.custom_data.value'),
    currency: at('$.custom_data.currency'),
    eventMs: `${at('$.event_time')} * 1000`,
  },
  // "2026-12-01 10:00:00+00:00"
  google_ads: {
    value: at('$.conversionValue'),
    currency: at('$.currencyCode'),
    eventMs: seconds('$.conversionDateTime'),
  },
  google_data_manager: {
    value: at('$.conversionValue'),
    currency: at('$.currency'),
    eventMs: seconds('$.eventTimestamp'),
  },
  // LinkedIn's amount is a decimal string; SQLite's sum reads it as a number.
  linkedin: {
    value: at('$.conversionValue.amount'),
    currency: at('$.conversionValue.currencyCode'),
    eventMs: at('$.conversionHappenedAt'),
  },
  microsoft_ads: {
    value: at('$.ConversionValue'),
    currency: at('$.ConversionCurrencyCode'),
    eventMs: seconds('$.ConversionTime'),
  },
  reddit: { value: at('$.metadata.value'), currency: at('$.metadata.currency'), eventMs: at('$.event_at') },
  tiktok: {
    value: at('$.properties.value'),
    currency: at('$.properties.currency'),
    eventMs: `${at('$.event_time')} * 1000`,
  },
  openai_ads: {
    value: fromMinorUnits('$.data.amount', '$.data.currency'),
    currency: at('$.data.currency'),
    eventMs: at('$.timestamp_ms'),
  },
};

export const NO_FIELDS: ItemFields = { value: 'NULL', currency: 'NULL', eventMs: 'NULL' };
