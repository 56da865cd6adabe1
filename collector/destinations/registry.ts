// Every destination, one line each.
import type { DestinationType } from '../../shared/schemas/destinations';
import type { DestinationDefinition } from './definition';
import { googleAds } from './google-ads';
import { googleAdsRetraction } from './google-ads-retraction';
import { googleDataManager } from './google-data-manager';
import { linkedin } from './linkedin';
import { meta } from './meta';
import { microsoftAds } from './microsoft';
import { microsoftRetraction } from './microsoft-retraction';

export const destinations: Record<DestinationType, DestinationDefinition> = {
  meta,
  google_data_manager: googleDataManager,
  // Retractions (exits marked as reversals) where the platform takes one.
  google_ads: { ...googleAds, retraction: googleAdsRetraction },
  linkedin,
  microsoft_ads: { ...microsoftAds, retraction: microsoftRetraction },
};
