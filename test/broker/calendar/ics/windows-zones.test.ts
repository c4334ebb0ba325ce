import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IANAZone } from 'luxon';
import { windowsToIana, windowsZoneNames } from '../../../../broker/calendar/ics/windows-zones.js';

const t = suite('broker/calendar/ics/windows-zones');

t('PR-3: the Windows names Outlook writes map to IANA zones (CLDR "001")', () => {
  const expected: Record<string, string> = {
    'Romance Standard Time': 'Europe/Paris',
    'W. Europe Standard Time': 'Europe/Berlin',
    'GMT Standard Time': 'Europe/London',
    'Central Europe Standard Time': 'Europe/Budapest',
    'Central European Standard Time': 'Europe/Warsaw',
    'UTC': 'Etc/UTC',
    'Eastern Standard Time': 'America/New_York',
    'Central Standard Time': 'America/Chicago',
    'Pacific Standard Time': 'America/Los_Angeles',
    'FLE Standard Time': 'Europe/Kiev',
    'E. Europe Standard Time': 'Europe/Chisinau',
    'GTB Standard Time': 'Europe/Bucharest',
    'Greenland Standard Time': 'America/Godthab',
    'Russian Standard Time': 'Europe/Moscow',
    'Turkey Standard Time': 'Europe/Istanbul',
    'India Standard Time': 'Asia/Calcutta',
    'China Standard Time': 'Asia/Shanghai',
    'Tokyo Standard Time': 'Asia/Tokyo',
  };
  for (const [win, iana] of Object.entries(expected)) assert.is(windowsToIana(win), iana, win);
});

t('every zone in the table is one the runtime knows', () => {
  const names = windowsZoneNames();
  assert.ok(names.length >= 40, `only ${names.length} names`);
  for (const n of names) assert.ok(IANAZone.isValidZone(windowsToIana(n)!), `${n} → ${windowsToIana(n)}`);
});

t('lookup ignores case and surrounding spaces; unknown names and prototype keys give null', () => {
  assert.is(windowsToIana('romance standard time'), 'Europe/Paris');
  assert.is(windowsToIana('  Romance Standard Time '), 'Europe/Paris');
  assert.is(windowsToIana('Mars Standard Time'), null);
  assert.is(windowsToIana('constructor'), null);
  assert.is(windowsToIana('toString'), null);
  assert.is(windowsToIana(''), null);
});

t.run();
