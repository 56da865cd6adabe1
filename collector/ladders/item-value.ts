// Where each platform's item (the event as stored in the outbox and sent) carries the conversion's
// value and currency, as JSON paths for SQLite's json_extract: the ladder's value sums read them.
// A platform missing here has its conversions counted with no value sum.
export const ITEM_VALUE_PATHS: Record<string, { value: string; currency: string }> = {
  meta: { value: '$.custom_data.value', currency: '$.custom_data.currency' },
  google_ads: { value: '$.conversionValue', currency: '$.currencyCode' },
  google_data_manager: { value: '$.conversionValue', currency: '$.currency' },
  // LinkedIn's amount is a decimal string; SQLite's sum reads it as a number.
  linkedin: { value: '$.conversionValue.amount', currency: '$.conversionValue.currencyCode' },
  microsoft_ads: { value: '$.ConversionValue', currency: '$.ConversionCurrencyCode' },
};
