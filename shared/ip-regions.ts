// Where a device's IP address may go. Google's Data Manager API (DeviceInfo.ip_address) says not to
// send IP addresses of people in the European Economic Area, the United Kingdom or Switzerland.

// EU 27 + Iceland, Liechtenstein, Norway (EEA), the United Kingdom and Switzerland (ISO 3166-1 alpha-2).
const EEA_UK_CH = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'CH',
  // Overseas parts of EU members with their own ISO codes (EU territory: Guadeloupe, French Guiana,
  // Martinique, Mayotte, Réunion, Saint-Martin; the Åland Islands).
  'GP',
  'GF',
  'MQ',
  'YT',
  'RE',
  'MF',
  'AX',
]);

/** A request's country as Cloudflare names it (ISO alpha-2, uppercase); null when unknown (XX, T1 = Tor). */
export function requestCountry(raw: string | null | undefined): string | null {
  const c = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  return /^[A-Z]{2}$/.test(c) && c !== 'XX' && c !== 'T1' ? c : null;
}

/**
 * Whether Google may receive an IP address seen from `country`: only when the country is known and
 * outside the EEA, the UK and Switzerland. An IP of unknown origin (a backend's context.ip, a device
 * stored before countries were kept) is withheld.
 */
export function googleMayReceiveIp(country: string | null | undefined): boolean {
  const c = requestCountry(country);
  return c !== null && !EEA_UK_CH.has(c);
}
