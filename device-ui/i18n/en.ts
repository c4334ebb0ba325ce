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
  // "until 12:00", not "until at 12:00"; "until tomorrow at 12:00"
  until: (when) => `until ${when.replace(/^at /, '')}`,

  divertTo: (name) => `Divert to ${name}`,
  divertToLabel: (name) => `Divert to ${name}: all your calls`,
  divertNoTarget: 'No preferred colleague can take calls right now – pick one from the list',
  undivert: 'Remove diversion',
  undivertLabel: (name) => `Remove diversion to ${name} so calls come to you again`,
  pending: 'Sending …',

  ownDiversionNone: 'No diversion – calls come to you',
  ownDiversionActive: (name) => `Your calls go to ${name}`,
  ownDiversionDeclined: (name) => `Declined by ${name}`,
  ownDiversionDeclinedHint: 'The diversion is not in force – calls come to you (DV-2)',
  pbxPending: 'The change is not in the phone system yet – it is retried automatically',
  pbxNoticeAdopted: 'Diversion set on the phone keypad taken over',
  pbxNoticeRefused: 'Diversion set on the phone keypad refused',

  voicemailUnheard: (n) => `Voicemail: ${n === 1 ? '1 unheard message' : `${n} unheard messages`}`,
  voicemailSince: (p) => {
    switch (p.kind) {
      case 'today':
        return p.time;
      case 'yesterday':
        return `yesterday ${p.time}`;
      case 'weekday':
      case 'date':
        return `${p.day} ${p.time}`;
    }
  },
  voicemailFlag: (since) => `Not listened to for over a day${since ? ` (since ${since})` : ''}`,
  voicemailHint: 'Listen to the messages on your voicemail (AS-5).',

  incomingHeading: 'Calls for colleagues that come to you',
  incoming: (name) => `Calls for ${name} now come to you`,
  decline: 'Decline',
  declineLabel: (name) => `Decline calls for ${name}`,

  meetingQuestion: (name) => `Divert to ${name} during the meeting?`,
  meetingTime: (from, to) => `The meeting is ${from}-${to}`,
  meetingNobody: 'Nobody can take your calls during the meeting – they still come to you',
  meetingDivert: 'Yes, divert',
  meetingDivertLabel: (name, from, to) => `Yes, divert to ${name} during the meeting, ${from}-${to}. The diversion ends when the meeting ends`,

  colleaguesHeading: 'Colleagues',
  noColleagues: 'No colleagues to show',
  preferred: 'Preferred',
  divertHere: 'Divert here',
  divertHereLabel: (name) => `Divert here: your calls to ${name}`,
  isYourTarget: 'Your calls go here',
  divertedTo: (name) => `Diverted to ${name}`,

  // ---- phone: banners, absence, messages ----
  today: 'today',
  tomorrow: 'tomorrow',
  bannersLabel: 'Notices for the department',
  closureTitle: (dept) => `${dept} is closed for calls`,
  closureFallback: (name) => `Calls go to ${name}.`,
  broadcastTitle: 'Important notice',
  peakTitle: 'Many calls expected',
  peakUntil: (day) => `through ${day}`,

  absenceOpen: 'Absence',
  absenceOpenLabel: 'Absence: set when you are back and who takes your calls',
  absenceNow: (kind) => (kind === 'absent' ? 'You are marked as absent' : 'You are marked as away (short)'),
  absenceOpenEnded: 'Back: until further notice',
  absenceReasonPrivate: (reason) => `Reason: ${reason} (only you and your leader can see it)`,
  backNow: 'Back now',
  backNowLabel: 'Back now: mark yourself back so your calls come to you again',

  absenceTitle: 'Set absence',
  absenceWhen: 'When are you back?',
  choiceToday: 'Rest of today',
  choiceThrough: (day) => `Through ${day}`,
  choiceDate: 'Pick a date',
  dateLabel: 'Date',
  hourLabel: 'Hour',
  minuteLabel: 'Minute',
  customPast: 'The time must be in the future.',
  customInvalid: 'Pick a date and a time.',
  coverLegend: 'Who takes your calls?',
  coverHint: 'Required for an absence longer than one workday (DV-6). Preferred colleagues come first.',
  coverNone: 'No diversion',
  coverKeep: (name) => `As now: your calls go to ${name}`,
  coverGroup: 'Group number',
  reasonLabel: 'Reason (optional)',
  reasonPrivate: 'Private: only you and your leader can see the reason. Colleagues, reception and citizens only see when you are back (PR-2).',
  autoReplyLabel: 'Automatic reply in Outlook',
  autoReplyHint: 'Your automatic reply says when you are back and who takes your calls.',
  absenceSubmit: 'Set absence',
  absenceSubmitLabel: (when) => `Set absence, back ${when}`,
  absenceCancel: 'Cancel',
  takeSuggestion: (name) => `Divert to ${name} and set absence`,

  messagesHeading: 'Messages – call back',
  messagesBadge: (n) => (n === 1 ? '1 message' : `${n} messages`),
  messagesBadgeLabel: (n, overdue) =>
    `${n === 1 ? '1 message' : `${n} messages`} to call back${overdue > 0 ? `, ${overdue} overdue` : ''}. Go to the messages`,
  messageFor: (name) => `For ${name}`,
  messageAskedFor: (name) => `Asked for ${name}`,
  messageTaken: (by, when) => `Taken by ${by} ${when}`,
  messageTakenAt: (when) => `Taken ${when}`,
  reception: 'reception',
  callerNumber: 'Phone number',
  messageDue: (when) => `Call back, due ${when}`,
  messageOverdue: (when) => `Was due ${when}`,
  messageEscalatedFrom: (from, since) => `Overdue since ${since} – escalated from ${from}`,
  messageEscalatedTo: (to, since) => `Overdue since ${since} – escalated to ${to}`,
  overdueTag: 'Overdue',
  seenTag: 'Seen',
  messageSeen: 'Seen',
  messageSeenLabel: (caller) => `Seen: mark the message from ${caller} as seen`,
  messageDone: 'Called back',
  messageDoneLabel: (caller, number) => `Called back: mark that you have called ${caller} back on ${number}`,

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
  kiosk: {
    boardHeading: 'Departments and phone hours',
    open: 'Open',
    closed: 'Closed',
    closedNow: 'Closed now',
    statusLabel: (dept, status) => `${dept}: ${status}`,
    hoursToday: (spans) => `Phone hours today ${spans}`,
    noHoursToday: 'No phone hours today',
    joinSpans: (spans) => (spans.length <= 1 ? spans.join('') : `${spans.slice(0, -1).join(', ')} and ${spans[spans.length - 1]}`),
    holidayToday: (name) => `Closed today: ${name}`,
    closesAt: (when) => `Closes ${when}`,
    opensAt: (when) => `Opens ${when}`,
    closureNow: (until) => `Closed until ${until.kind === 'today' ? until.time : en.when(until)}`,
    closurePlanned: (from, to) => `Closed ${en.when(from)} to ${to.kind === 'today' ? to.time : en.when(to)}`,
    closureEndedEarly: (when) => `Open again – the closure ended early ${when}`,
    closureFallback: (name) => `Calls are answered by ${name}`,
    peakToday: 'Busy day expected today',
    peakUpcoming: (dates) => `Busy days expected ${dates}`,
    outsideHoursHeading: 'Callers hear',
    functionNumbers: 'Function numbers',
    sensitiveDept: 'Extensions are not given out – use the function number',

    searchHeading: 'Find the right place',
    searchLabel: 'Search by name, department or task',
    searchPlaceholder: 'E.g. Anna, Jobcenter or kørekort',
    searchHint: 'Upper and lower case are the same, and æ, ø and å can be typed as ae, oe and aa.',
    resultCount: (depts, people) =>
      `${[depts ? `${depts} ${depts === 1 ? 'department' : 'departments'}` : '', people ? `${people} ${people === 1 ? 'employee' : 'employees'}` : ''].filter(Boolean).join(' and ')} found`,
    noResults: (query) => `Nothing found for “${query}”. Try another name or a task.`,
    moreResults: (shown, total) => `Showing ${shown} of ${total} – type more to narrow it down`,
    deptHits: 'Departments',
    peopleHits: 'Employees',
    allPeople: 'All employees',
    matchedTask: (task) => `Task: ${task}`,
    matchedGroup: (group) => `Function number: ${group}`,
    department: 'Department',
    extension: 'Ext.',
    functionNumber: 'Function no.',
    useFunctionNumber: 'Sensitive department: use the function number',

    takeMessage: 'Take a message',
    takeMessageLabel: (name) => `Take a message for ${name}`,
    noSwitchboardMessage: 'Messages go to the person or function the caller wants (AS-3).',
    formTitle: (name) => `Message for ${name}`,
    formGroupNote: (dept) => `Function number of ${dept}: the message goes to the department's staff.`,
    callerName: "Caller's name",
    callerNameHint: (max) => `At most ${max} characters.`,
    callerNumber: "Caller's phone number",
    callerNumberHint: (min, max) => `${min}–${max} characters: digits, spaces, + and -.`,
    messageText: 'Message',
    messageTextHint: (max) => `What is it about, and when suits the caller to be called back? At most ${max} characters. Shift+Enter for a new line.`,
    charCount: (n, max) => `${n} of ${max} characters`,
    callerInformed: (name) => `The caller knows ${name} is away and wants the message to go to ${name} anyway`,
    callerInformedHint: 'Otherwise the message goes to the colleague covering (AS-3).',
    send: 'Send message',
    close: 'Close',
    closeLabel: 'Close the message without sending',
    fieldRequired: { callerName: "Enter the caller's name.", callerNumber: "Enter the caller's phone number." },
    nameTooLong: (max) => `The name can be at most ${max} characters.`,
    numberInvalid: (min, max) => `The phone number must have ${min}–${max} characters, only digits, spaces, + and -.`,
    textTooLong: (n, max) => `The message is ${n} characters – at most ${max}.`,
    fixFields: 'Please correct the marked fields.',
    targetGone: 'The recipient is no longer in the directory.',
    sentTo: (name) => `The message has been sent to ${name}.`,
    sentInstead: (forName, askedName) => `The message goes to ${forName} instead of ${askedName} (AS-3).`,
    due: (day, time) => `To be called back by ${day} at ${time}`,
    formCleared: 'The fields are cleared for the next message.',
  },

  fleet: {
    title: 'Omstil – devices (IT)',
    heading: 'Devices',
    loading: 'Loading the devices …',
    loginHeading: 'Log in with the admin token',
    loginIntro: 'This overview needs the hub’s admin token. It is in the file admin-token in the hub’s data folder (omstil up prints where).',
    tokenLabel: 'Admin token',
    login: 'Log in',
    checking: 'Checking the token …',
    wrongToken: 'Wrong admin token. Copy it again from the file admin-token and try again.',
    unreachable: 'The hub does not answer. Try again in a moment.',
    logout: 'Log out',
    summary: (online, total) => `${online} of ${total} online`,
    summaryOffline: (n) => `${n} offline`,
    summaryNeverSeen: (n) => `${n} never seen`,
    summaryErrors: (n) => `${n} with errors`,
    summaryUnknown: (n) => `${n} unknown`,
    filterLegend: 'Show',
    filterAll: (n) => `All (${n})`,
    filterOffline: (n) => `Offline and never seen (${n})`,
    filterErrors: (n) => `With errors (${n})`,
    tableLabel: 'Devices in the directory',
    colDevice: 'Device',
    colKind: 'Kind',
    colOwner: 'Belongs to',
    colStatus: 'Status',
    colSince: 'Since',
    colFw: 'Firmware',
    colError: 'Last error',
    colUpdate: 'Update',
    update: {
      pending: 'Waiting',
      offered: 'Offered',
      downloading: 'Downloading',
      verifying: 'Verifying',
      staged: 'Ready to restart',
      rebooting: 'Restarting',
      confirmed: 'Updated',
      'rolled-back': 'Rolled back',
      refused: 'Refused',
      failed: 'Failed',
      cancelled: 'Cancelled',
    },
    updateOf: (id) => `Update of ${id}`,
    kind: { phone: 'phone', kiosk: 'kiosk' },
    state: { online: 'Online', offline: 'Offline', 'never-seen': 'Never seen' },
    reception: 'Reception',
    ago: (s) => {
      if (s < 5) return 'just now';
      if (s < 60) return `${s} s ago`;
      const m = Math.floor(s / 60);
      if (m < 60) return `${m} min ago`;
      const h = Math.floor(m / 60);
      if (h < 48) return m % 60 === 0 ? `${h} h ago` : `${h} h ${m % 60} min ago`;
      return `${Math.floor(h / 24)} days ago`;
    },
    atLatest: (when) => `${when} at the latest`,
    noneMatch: 'No device matches the filter.',
    unknownHeading: 'Unknown devices',
    unknownIntro: 'Status from device ids that are not in the directory.',
    colSeen: 'Last heard',
  },
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
    'unknown-broadcast': { text: 'The notice does not exist' },
    'too-many-broadcasts': { text: 'There are too many active notices already' },
    'unknown-number': { text: 'The number is not in the directory' },
    'invalid-time': { text: 'The time must be in the future', hint: 'Please choose another time.' },
    timeout: { text: 'No answer within 10 seconds', hint: 'Please try again.' },
    offline: { text: 'No connection to the telephone system right now', hint: 'Please try again shortly.' },
    internal: { text: 'Something went wrong in the system', hint: 'Please try again, and contact IT if it keeps happening.' },
  },
};
