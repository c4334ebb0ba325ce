/** Every text the device UI shows, per language. Components never hold literal text. */
import type { ErrorCode, Presence } from '../../protocol/index.js';
import type { WhenParts } from './format.js';
import type { SinceParts } from '../voicemail-model.js';

/** An error explained to a person: what happened, then (optionally) what to do. */
export interface ErrorSentence {
  /** one sentence without its final full stop; the rule id is appended after it */
  text: string;
  hint?: string;
}

export interface Messages {
  locale: string;
  titlePhone: string;
  titleKiosk: string;
  loading: string;
  badRoute: string;
  noPerson: string;

  /** PR-1 names of the presence states */
  presence: Record<Presence, string>;
  /** accessible label of a presence badge */
  presenceLabel(presence: string, who?: string): string;
  /** "mandag kl. 08.00" */
  when(parts: WhenParts): string;
  /** PR-2: only when someone is back, never why they are away */
  backAt(when: string): string;
  until(when: string): string;

  // DV-1
  divertTo(name: string): string;
  divertToLabel(name: string): string;
  divertNoTarget: string;
  undivert: string;
  undivertLabel(name: string): string;
  pending: string;

  // own diversion state
  ownDiversionNone: string;
  ownDiversionActive(name: string): string;
  ownDiversionDeclined(name: string): string;
  ownDiversionDeclinedHint: string;
  /** the PBX has not taken the latest change yet (it is retried) */
  pbxPending: string;
  /** heading of a notice about a forward set on the desk phone itself */
  pbxNoticeAdopted: string;
  pbxNoticeRefused: string;

  // AS-5
  /** "Telefonsvarer: 2 ubeaflyttede beskeder" */
  voicemailUnheard(n: number): string;
  /** a past instant: "i går kl. 10.12" */
  voicemailSince(parts: SinceParts): string;
  /** AS-5: unheard for more than a day: "Ikke aflyttet i over et døgn (siden tirsdag kl. 10.12)" */
  voicemailFlag(since: string | null): string;
  /** what to do about it */
  voicemailHint: string;

  // DV-2
  incomingHeading: string;
  incoming(name: string): string;
  decline: string;
  declineLabel(name: string): string;

  // DV-5: the offer before a calendar meeting
  /** "Viderestil til Bo Berg under mødet?" */
  meetingQuestion(name: string): string;
  /** "Mødet er kl. 10.00-11.00"; `from` and `to` are 24-hour Copenhagen times */
  meetingTime(from: string, to: string): string;
  /** no colleague can take the calls during the meeting */
  meetingNobody: string;
  /** the one button */
  meetingDivert: string;
  meetingDivertLabel(name: string, from: string, to: string): string;

  colleaguesHeading: string;
  noColleagues: string;
  preferred: string;
  divertHere: string;
  divertHereLabel(name: string): string;
  isYourTarget: string;
  divertedTo(name: string): string;

  // ---- phone: banners (PH-3, PH-5, RT-3), absence (PR-1, PR-2, DV-6), messages (AS-1..AS-4) ----
  /** "i dag" / "i morgen", for dates near now */
  today: string;
  tomorrow: string;
  /** accessible name of the banner list at the top of the phone */
  bannersLabel: string;
  /** PH-3: the own department is closed for calls now */
  closureTitle(dept: string): string;
  closureFallback(name: string): string;
  /** RT-3: a crisis broadcast */
  broadcastTitle: string;
  /** PH-5 */
  peakTitle: string;
  /** "til og med onsdag 25. november" */
  peakUntil(day: string): string;

  /** the main screen's button to the absence form */
  absenceOpen: string;
  absenceOpenLabel: string;
  /** PR-1: shown while away or absent */
  absenceNow(kind: 'away' | 'absent'): string;
  /** no back-at: until further notice */
  absenceOpenEnded: string;
  /** PR-2: the reason, only on the own phone */
  absenceReasonPrivate(reason: string): string;
  backNow: string;
  backNowLabel: string;

  absenceTitle: string;
  absenceWhen: string;
  choiceToday: string;
  /** "Til og med i morgen" / "Til og med mandag" */
  choiceThrough(day: string): string;
  choiceDate: string;
  dateLabel: string;
  hourLabel: string;
  minuteLabel: string;
  /** the hand-picked time is not after now / not a date */
  customPast: string;
  customInvalid: string;
  coverLegend: string;
  /** DV-6: required for an absence longer than one workday */
  coverHint: string;
  coverNone: string;
  coverKeep(name: string): string;
  coverGroup: string;
  reasonLabel: string;
  /** PR-2, said plainly next to the field */
  reasonPrivate: string;
  autoReplyLabel: string;
  autoReplyHint: string;
  absenceSubmit: string;
  absenceSubmitLabel(when: string): string;
  absenceCancel: string;
  /** one press takes the hub's suggestion and sets the absence */
  takeSuggestion(name: string): string;

  messagesHeading: string;
  /** the count badge near the top */
  messagesBadge(n: number): string;
  messagesBadgeLabel(n: number, overdue: number): string;
  messageFor(name: string): string;
  messageAskedFor(name: string): string;
  /** "Taget af Receptionen i dag kl. 09.12" */
  messageTaken(by: string, when: string): string;
  /** taken by a system (no person to name) */
  messageTakenAt(when: string): string;
  reception: string;
  callerNumber: string;
  messageDue(when: string): string;
  messageOverdue(when: string): string;
  /** AS-4: an overdue message that came to me by escalation: "Overskredet siden i går kl. 10.00 – eskaleret fra Anna Holm" */
  messageEscalatedFrom(from: string, since: string): string;
  /** AS-4: my (or my group's) overdue message went on to a group or a leader */
  messageEscalatedTo(to: string, since: string): string;
  overdueTag: string;
  seenTag: string;
  messageSeen: string;
  messageSeenLabel(caller: string): string;
  messageDone: string;
  messageDoneLabel(caller: string, number: string): string;

  connectionLost: string;
  dataFrom(when: WhenParts, minutes: number): string;
  noDataYet: string;
  retrying: string;

  receptionTitle: string;
  colName: string;
  colExtension: string;
  colPresence: string;
  colDiversion: string;
  otherDept: string;
  emptyDept: string;
  clockLabel(time: string): string;
  /** the reception terminal: department board (PH-1..PH-5), directory search (RT-2), take a message (AS-1..AS-3) */
  kiosk: KioskMessages;
  /** the fleet page for IT (/fleet on the admin API's port) */
  fleet: FleetMessages;

  errors: Record<ErrorCode, ErrorSentence>;
}

/** The reception terminal's words (om-reception-view, om-dept-board, om-dept-card, om-directory-search, om-message-form). */
export interface KioskMessages {
  // ---- department board (PH-1..PH-5) ----
  boardHeading: string;
  /** the status, always as text next to its colour and icon */
  open: string;
  closed: string;
  closedNow: string;
  /** accessible label of the status: "Borgerservice: Åben" */
  statusLabel(dept: string, status: string): string;
  /** "Telefontid i dag 08.00–18.00" */
  hoursToday(spans: string): string;
  noHoursToday: string;
  /** "08.00–12.00 og 13.00–16.00" */
  joinSpans(spans: string[]): string;
  holidayToday(name: string): string;
  /** "Lukker kl. 18.00" (when: "kl. 18.00", "i morgen kl. 08.00", ...) */
  closesAt(when: string): string;
  opensAt(when: string): string;
  /** PH-3: closed inside phone hours now, until the end: "Lukket indtil kl. 12.00" */
  closureNow(until: WhenParts): string;
  /** PH-3: a closure to come: "Lukket mandag kl. 10.00 til kl. 12.00" (`to` is `today` when it ends the day it starts) */
  closurePlanned(from: WhenParts, to: WhenParts): string;
  /** PH-3: ended before its planned end, announced at once */
  closureEndedEarly(when: string): string;
  closureFallback(name: string): string;
  /** PH-5 */
  peakToday: string;
  peakUpcoming(dates: string): string;
  /** PH-2: the heading of what callers hear when the department is closed */
  outsideHoursHeading: string;
  /** PH-4 */
  functionNumbers: string;
  /** RT-1 */
  sensitiveDept: string;

  // ---- directory search (RT-2) ----
  searchHeading: string;
  searchLabel: string;
  searchPlaceholder: string;
  searchHint: string;
  resultCount(depts: number, people: number): string;
  noResults(query: string): string;
  moreResults(shown: number, total: number): string;
  deptHits: string;
  peopleHits: string;
  allPeople: string;
  /** why a department (or a person, by competency) matched */
  matchedTask(task: string): string;
  matchedGroup(group: string): string;
  department: string;
  extension: string;
  functionNumber: string;
  /** RT-1: in place of a personal extension */
  useFunctionNumber: string;

  // ---- take a message (AS-1..AS-3) ----
  takeMessage: string;
  takeMessageLabel(name: string): string;
  /** AS-3: in place of "Tag besked" for the switchboard */
  noSwitchboardMessage: string;
  formTitle(name: string): string;
  formGroupNote(dept: string): string;
  callerName: string;
  callerNameHint(max: number): string;
  callerNumber: string;
  callerNumberHint(min: number, max: number): string;
  messageText: string;
  messageTextHint(max: number): string;
  charCount(n: number, max: number): string;
  /** AS-3 */
  callerInformed(name: string): string;
  callerInformedHint: string;
  send: string;
  close: string;
  closeLabel: string;
  fieldRequired: Record<'callerName' | 'callerNumber', string>;
  nameTooLong(max: number): string;
  numberInvalid(min: number, max: number): string;
  textTooLong(n: number, max: number): string;
  fixFields: string;
  targetGone: string;
  /** AS-1 */
  sentTo(name: string): string;
  /** AS-3: it went to someone other than who was asked for */
  sentInstead(forName: string, askedName: string): string;
  /** AS-2: "Ringes op senest tirsdag 24. november kl. 10.00" */
  due(day: string, time: string): string;
  formCleared: string;
}

/** The fleet page's words (om-fleet-view): every device for IT. */
export interface FleetMessages {
  title: string;
  heading: string;
  loading: string;
  // ---- log in with the admin token ----
  loginHeading: string;
  loginIntro: string;
  tokenLabel: string;
  login: string;
  checking: string;
  wrongToken: string;
  unreachable: string;
  logout: string;
  // ---- summary and filters ----
  /** "38 af 40 online" */
  summary(online: number, total: number): string;
  summaryOffline(n: number): string;
  summaryNeverSeen(n: number): string;
  summaryErrors(n: number): string;
  summaryUnknown(n: number): string;
  filterLegend: string;
  filterAll(n: number): string;
  /** offline and never seen */
  filterOffline(n: number): string;
  filterErrors(n: number): string;
  // ---- the table ----
  tableLabel: string;
  colDevice: string;
  colKind: string;
  colOwner: string;
  colStatus: string;
  colSince: string;
  colFw: string;
  colError: string;
  colUpdate: string;
  /** a firmware update's state (protocol/ota.ts OtaState, plus the hub's own: pending, cancelled); unknown states show as sent */
  update: Record<string, string>;
  /** the bar's accessible name: "Opdatering af phone-anna" */
  updateOf(deviceId: string): string;
  kind: Record<'phone' | 'kiosk', string>;
  state: Record<'online' | 'offline' | 'never-seen', string>;
  /** a kiosk belongs to no person */
  reception: string;
  /** "for 12 sek. siden" */
  ago(seconds: number): string;
  /** offline at the latest then (the Will was there before the hub started) */
  atLatest(when: string): string;
  noneMatch: string;
  // ---- status from ids not in the directory ----
  unknownHeading: string;
  unknownIntro: string;
  colSeen: string;
}
