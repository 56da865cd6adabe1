// What the builders' tests beside them (reddit.test.ts, tiktok.test.ts, openai-ads.test.ts) share:
// a builder's item for a row, failing the test with the builder's message when it skips the row,
// and a platform answer to feed its response parser. Not used by the Worker.
import type { ConversionRow, HttpResponse, Prepared } from '../delivery/types';

/** The item `prepare` builds for the row; throws the skip message when it builds none. */
export function itemOf<Settings, Item>(
  def: { prepare(row: ConversionRow, settings: Settings, now: number): Promise<Prepared<Item>> },
  settings: Settings,
  now: number,
): (row: ConversionRow) => Promise<Item> {
  return async (row) => {
    const p = await def.prepare(row, settings, now);
    if (!p.ok) throw new Error(p.message);
    return p.item;
  };
}

/** A platform's HTTP answer as the response parsers take it. */
export const httpResponse = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  body,
});
