import type { Messages } from './messages.js';

function age(minutes: number): string {
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 60) return `${minutes} min ago`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h ago` : `${h} h ${m} min ago`;
}

export const en: Messages = {
  locale: 'en-GB',
  titlePhone: 'Omstil – phone',
  titleKiosk: 'Omstil – overview',
  loading: 'Loading …',
  badRoute: 'Unknown address. Open this screen as /phone/<device> or /kiosk/<device>.',
  noPerson: 'This phone is not assigned to an employee yet.',

  presence: {
    available: 'Available',
    'on-call': 'On a call',
    'in-meeting': 'In a meeting',
    away: 'Away (short)',
    absent: 'Absent',
    'off-hours': 'Outside phone hours',
  },
  presenceLabel: (presence, who) => (who ? `${who}: ${presence}` : `Status: ${presence}`),
  when: (p) => {
    switch (p.kind) {
      case 'today':
        return `at ${p.time}`;
      case 'tomorrow':
        return `tomorrow at ${p.time}`;
      case 'weekday':
      case 'date':
        return `${p.day} at ${p.time}`;
    }
  },
  backAt: (when) => `Back ${when}`,
  until: (when) => `until ${when}`,

  divertTo: (name) => `Divert to ${name}`,
  divertToLabel: (name) => `Divert all your calls to ${name}`,
  divertNoTarget: 'No preferred colleague can take calls right now – pick one from the list',
  undivert: 'Remove diversion',
  undivertLabel: (name) => `Remove the diversion to ${name} so calls come to you again`,
  pending: 'Sending …',

  ownDiversionNone: 'No diversion – calls come to you',
  ownDiversionActive: (name) => `Your calls go to ${name}`,
  ownDiversionDeclined: (name) => `Declined by ${name}`,
  ownDiversionDeclinedHint: 'The diversion is not in force – calls come to you (DV-2)',
  pbxPending: 'The change is not in the phone system yet – it is retried automatically',
  pbxNoticeAdopted: 'Diversion set on the phone keypad taken over',
  pbxNoticeRefused: 'Diversion set on the phone keypad refused',

  incomingHeading: 'Calls for colleagues that come to you',
  incoming: (name) => `Calls for ${name} now come to you`,
  decline: 'Decline',
  declineLabel: (name) => `Decline calls for ${name}`,

  meetingQuestion: (name) => `Divert to ${name} during the meeting?`,
  meetingTime: (from, to) => `The meeting is ${from}-${to}`,
  meetingNobody: 'Nobody can take your calls during the meeting – they still come to you',
  meetingDivert: 'Yes, divert',
  meetingDivertLabel: (name, from, to) => `Divert your calls to ${name} during the meeting, ${from}-${to}. The diversion ends when the meeting ends`,

  colleaguesHeading: 'Colleagues',
  noColleagues: 'No colleagues to show',
  preferred: 'Preferred',
  divertHere: 'Divert here',
  divertHereLabel: (name) => `Divert your calls to ${name}`,
  isYourTarget: 'Your calls go here',
  divertedTo: (name) => `Diverted to ${name}`,

  connectionLost: 'Connection lost',
  dataFrom: (when, minutes) =>
    `Showing information from ${when.kind === 'today' ? when.time : en.when(when)} (${age(minutes)})`,
  noDataYet: 'No information received yet',
  retrying: 'Retrying …',

  receptionTitle: 'Who can take the phone?',
  colName: 'Name',
  colExtension: 'Ext.',
  colPresence: 'Status',
  colDiversion: 'Diversion',
  otherDept: 'Other',
  emptyDept: 'No employees',
  clockLabel: (time) => `The time is ${time}`,

  errors: {
    'bad-json': { text: 'The message could not be read', hint: 'Please try again.' },
    'invalid-payload': { text: 'The request was missing a detail or had a wrong value', hint: 'Please try again.' },
    'unknown-op': { text: 'The system does not know this action', hint: 'The screen software may need an update.' },
    'payload-too-large': { text: 'The request was too large and was refused' },
    'unknown-device': { text: 'This screen is not registered in the directory', hint: 'Please contact IT.' },
    'unknown-person': { text: 'This person is not in the directory' },
    'no-person': { text: 'This screen is not assigned to an employee and cannot divert calls' },
    forbidden: { text: 'You may not change absence or diversion for this person – only the person and their leader may' },
    'self-diversion': { text: 'You cannot divert calls to yourself' },
    'switchboard-diversion': { text: 'You cannot divert calls to the switchboard', hint: 'Choose a colleague or a group number.' },
    'diversion-cycle': { text: 'This diversion would send calls round in a circle back to you', hint: 'Choose another colleague.' },
    'chain-too-long': { text: 'That colleague is diverted through too many steps (at most 3)', hint: 'Choose another colleague.' },
    'not-diverted-to-you': { text: 'That diversion does not (or no longer) come to you, so it cannot be declined' },
    'target-unavailable': { text: 'That colleague cannot take your calls now (absent or outside phone hours)', hint: 'Please choose another colleague.' },
    'needs-colleague': { text: 'An absence longer than one workday needs the phone diverted to a colleague', hint: 'Please choose a colleague.' },
    'unknown-department': { text: 'The department is not in the directory' },
    'unknown-closure': { text: 'The closure does not exist (any more)' },
    'unknown-number': { text: 'The number is not in the directory' },
    'invalid-time': { text: 'The time must be in the future', hint: 'Please choose another time.' },
    timeout: { text: 'No answer within 10 seconds', hint: 'Please try again.' },
    offline: { text: 'No connection to the telephone system right now', hint: 'Please try again shortly.' },
    internal: { text: 'Something went wrong in the system', hint: 'Please try again, and contact IT if it keeps happening.' },
  },
};
