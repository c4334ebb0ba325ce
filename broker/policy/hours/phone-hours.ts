/**
 * PH-1: phone hours in OpenStreetMap `opening_hours` syntax. Europe/Copenhagen; Danish public
 * holidays from date-holidays.
 */
import opening_hours from 'opening_hours';

/** Null when `expr` is valid opening_hours syntax, else the library's message. */
export function checkPhoneHours(expr: string): string | null {
  try {
    new opening_hours(expr, { lat: 55.68, lon: 12.57, address: { country_code: 'dk', state: '' } }, 0);
    return null;
  } catch (err) {
    return String((err as Error).message ?? err).split('\n')[0]!;
  }
}
