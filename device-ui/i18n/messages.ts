/** Every text the device UI shows, per language. Components never hold literal text. */
import type { ErrorCode, Presence } from '../../protocol/index.js';
import type { WhenParts } from './format.js';

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

  errors: Record<ErrorCode, ErrorSentence>;
}
