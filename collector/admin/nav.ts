// The admin's sections, in menu order. A section appears here once its backend exists.
export const NAV = [
  { path: '/overview', label: 'Overview' },
  { path: '/people', label: 'People' },
  { path: '/audiences', label: 'Audiences' },
  { path: '/ladders', label: 'Ladders' },
  { path: '/destinations', label: 'Destinations' },
  { path: '/identity', label: 'Identity' },
  { path: '/sources', label: 'Sources' },
  { path: '/conversions', label: 'Conversions' },
  { path: '/install', label: 'Install' },
  { path: '/keys', label: 'API keys' },
  { path: '/change-log', label: 'Change log' },
] as const;

export type Section = (typeof NAV)[number]['path'];
