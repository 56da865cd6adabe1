// Every destination, one line each.
import type { DestinationType } from '../../shared/schemas/destinations';
import type { DestinationDefinition } from './definition';
import { googleAdsRetraction } from './google-ads-retraction';
import { microsoftRetraction } from './microsoft-retraction';
import { googleAds } from './google-ads';
import { googleDataManager } from './google-data-manager';
import { linkedin } from './linkedin';
import { meta } from './meta';
import { microsoftAds } from './microsoft';
import { openaiAds } from './openai-ads';
import { reddit } from './reddit';
import { tiktok } from './tiktok';

export const destinations: Record<DestinationType, DestinationDefinition> = {
  meta,
  google_data_manager: googleDataManager,
  google_ads: googleAds,
  linkedin,
  microsoft_ads: microsoftAds,
  reddit,
  tiktok,
  openai_ads: openaiAds,
};

// Retractions (exits marked as reversals) where the platform takes one; the others record them.
destinations.google_ads = { ...googleAds, retraction: googleAdsRetraction };
destinations.microsoft_ads = { ...microsoftAds, retraction: microsoftRetraction };
