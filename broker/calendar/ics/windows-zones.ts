/**
 * PR-3: Windows time-zone names → IANA. Outlook and Exchange write `TZID:Romance Standard Time`
 * (Copenhagen's Windows zone) instead of an IANA name, usually with a VTIMEZONE beside it but not
 * always. This is the "001" (default territory) column of CLDR's windowsZones.xml for the zones a
 * Danish municipality meets: all of Europe (with Greenland and the Faroe Islands), UTC, North
 * America and the large Asian and Pacific zones. Pure data.
 */

const WINDOWS_TO_IANA: Readonly<Record<string, string>> = {
  // UTC and the Atlantic edge of Europe
  'UTC': 'Etc/UTC',
  'GMT Standard Time': 'Europe/London', // Dublin, Edinburgh, Lisbon, London (and the Faroes)
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  'Greenland Standard Time': 'America/Godthab',
  'Morocco Standard Time': 'Africa/Casablanca',
  // UTC+01:00
  'W. Europe Standard Time': 'Europe/Berlin', // Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna
  'Central Europe Standard Time': 'Europe/Budapest', // Belgrade, Bratislava, Budapest, Ljubljana, Prague
  'Romance Standard Time': 'Europe/Paris', // Brussels, Copenhagen, Madrid, Paris (CLDR "DK": Europe/Copenhagen, same rules)
  'Central European Standard Time': 'Europe/Warsaw', // Sarajevo, Skopje, Warsaw, Zagreb
  'W. Central Africa Standard Time': 'Africa/Lagos',
  // UTC+02:00
  'GTB Standard Time': 'Europe/Bucharest', // Athens, Bucharest
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev', // Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Egypt Standard Time': 'Africa/Cairo',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Middle East Standard Time': 'Asia/Beirut',
  // UTC+03:00 and the rest of European Russia
  'Turkey Standard Time': 'Europe/Istanbul',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'Volgograd Standard Time': 'Europe/Volgograd',
  'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Saratov Standard Time': 'Europe/Saratov',
  'Russia Time Zone 3': 'Europe/Samara',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Arab Standard Time': 'Asia/Riyadh',
  'Arabian Standard Time': 'Asia/Dubai',
  'Iran Standard Time': 'Asia/Tehran',
  // Asia and the Pacific
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Calcutta',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Taipei Standard Time': 'Asia/Taipei',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  // The Americas
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indianapolis',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'SA Pacific Standard Time': 'America/Bogota',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
};

/** Keyed by the lower-cased name (a Map: no `constructor` or `toString` from a prototype). */
const BY_NAME = new Map(Object.entries(WINDOWS_TO_IANA).map(([k, v]) => [k.toLowerCase(), v]));

/** The IANA zone for a Windows zone name (`Romance Standard Time` → `Europe/Paris`), or null. Case-insensitive. */
export function windowsToIana(name: string): string | null {
  return BY_NAME.get(name.trim().toLowerCase()) ?? null;
}

/** Every Windows name in the table (for tests and the admin view). */
export function windowsZoneNames(): string[] {
  return Object.keys(WINDOWS_TO_IANA);
}
