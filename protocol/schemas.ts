/**
 * Payload schemas for every topic and request (zod). Types are inferred from the schemas,
 * so a field exists in exactly one place.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { ID_PATTERN } from './ids.js';
import { ERROR_CODES } from './errors.js';

// zod/mini carries no messages of its own: errors name the field and say why in English
z.config(en());

/** Largest request payload the hub reads; anything larger is refused unread (`payload-too-large`). */
export const MAX_REQUEST_BYTES = 16 * 1024;

export const Id = z.string().check(z.regex(ID_PATTERN, 'must be an id: a-z, 0-9 and -, at most 64 characters'));
export const IsoTime = z.iso.datetime({ offset: true });

/** PR-1 */
export const Presence = z.enum(['available', 'on-call', 'in-meeting', 'away', 'absent', 'off-hours']);
export type Presence = z.infer<typeof Presence>;

/** Text in both languages the UI speaks (Danish first). */
export const LocalizedText = z.strictObject({ da: z.string(), en: z.string() });

/** A local clock time, 24-hour (`24:00` ends a day). */
export const ClockTime = z.string().check(z.regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be HH:mm'));
export const LocalDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'));

export const DeviceKind = z.enum(['phone', 'kiosk']);
export type DeviceKind = z.infer<typeof DeviceKind>;

/** Retained on device/{id}/status. Birth sets online:true; the MQTT Will sets online:false. */
export const DeviceStatus = z.strictObject({
  online: z.boolean(),
  kind: DeviceKind,
  fw: z.string().check(z.maxLength(64)),
  since: IsoTime,
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Retained on device/{id}/config by the hub: what this device is for and what it shows. */
export const DeviceConfig = z.strictObject({
  deviceId: Id,
  kind: DeviceKind,
  personId: z.nullable(Id),
  deptId: z.nullable(Id),
  /** people outside the own department the phone shows (preferred colleagues), in order */
  watch: z.array(Id).check(z.maxLength(50)),
  preferred: z.array(Id).check(z.maxLength(50)),
  /** PR-4: a leader's phone also follows its staff's own topics */
  staff: z.array(Id).check(z.maxLength(200)),
  rev: z.int().check(z.nonnegative()),
});
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export const HubStatus = z.strictObject({ online: z.boolean(), since: IsoTime });
export type HubStatus = z.infer<typeof HubStatus>;

/** What everyone may see of a diversion (DV-1). Only diversions in force are public. */
export const PublicDiversion = z.strictObject({
  to: Id,
  toName: z.string(),
  until: z.nullable(IsoTime),
});

/**
 * person/{id}/public: colleagues, kiosks, voicebot. PR-2: no reason, ever.
 * `extension` is null for people in sensitive departments (RT-1).
 */
export const PersonPublic = z.strictObject({
  personId: Id,
  name: z.string(),
  deptId: Id,
  title: z.nullable(z.string()),
  /** RT-1 / AS-3: the switchboard ("Omstillingen") takes no messages and no diversions (DV-3) */
  role: z.enum(['employee', 'switchboard']),
  /** RT-1/RT-2: the directory's keywords for what the person handles (public directory facts) */
  competencies: z.array(z.string()),
  extension: z.nullable(z.string()),
  presence: Presence,
  backAt: z.nullable(IsoTime),
  diversion: z.nullable(PublicDiversion),
  rev: z.int().check(z.nonnegative()),
  updatedAt: IsoTime,
});
export type PersonPublic = z.infer<typeof PersonPublic>;

export const OwnDiversion = z.strictObject({
  to: Id,
  toName: z.string(),
  since: IsoTime,
  until: z.nullable(IsoTime),
  /** DV-2: `active` until the target accepts or declines; a declined diversion is not in force */
  status: z.enum(['active', 'accepted', 'declined']),
});

export const IncomingDiversion = z.strictObject({
  from: Id,
  fromName: z.string(),
  since: IsoTime,
  until: z.nullable(IsoTime),
});

/** AS-1: the longest message text a caller's request may have */
export const MAX_MESSAGE_CHARS = 1000;
/** AS-1: the longest caller name */
export const MAX_CALLER_NAME_CHARS = 100;
/** a caller's phone number as a receptionist types it: digits, spaces, +, -, at most 20 */
export const CallerNumber = z.string().check(z.regex(/^\+?[0-9][0-9 -]{5,19}$/, 'must be a phone number: digits, spaces, + and -'));

/**
 * AS-1..AS-4: a message taken for someone to call back. Personal data: only on the recipient's
 * own topic (and the own topics of a recipient group's members), never on public topics.
 */
export const CallbackMessage = z.strictObject({
  id: Id,
  /** who is to call back: a person or a function number (AS-3 may route it to the colleague covering, the group or the leader) */
  for: Id,
  forName: z.string(),
  /** who the caller asked for, when that is not `for` (AS-3) */
  askedFor: z.nullable(Id),
  askedForName: z.nullable(z.string()),
  callerName: z.string().check(z.minLength(1), z.maxLength(MAX_CALLER_NAME_CHARS)),
  callerNumber: CallerNumber,
  text: z.string().check(z.maxLength(MAX_MESSAGE_CHARS)),
  /** who took it, to show as it is: the person's name when a phone took it, else the device id (a kiosk) or `admin:<name>` (the admin API) */
  takenBy: z.string(),
  takenAt: IsoTime,
  /** AS-2: call back by then */
  due: IsoTime,
  /** AS-1, or AS-3 when it went to someone other than who was asked for */
  rule: z.string(),
  status: z.enum(['waiting', 'acknowledged', 'done']),
  /**
   * AS-4: the message is overdue (past `due`, not done) and escalated: level 1 to the recipient's
   * department group, level 2 to their leader. Absent: not escalated.
   */
  escalation: z.optional(
    z.strictObject({
      level: z.union([z.literal(1), z.literal(2)]),
      /** the recipient it escalated from (`for`) */
      from: Id,
      fromName: z.string(),
      /** the latest step's target: a function number (level 1) or the leader (level 2) */
      to: Id,
      toName: z.string(),
      /** the due time it passed */
      overdueSince: IsoTime,
      /** when the latest step happened */
      at: IsoTime,
      /** this phone has the message only because it escalated to it (or its group) */
      toMe: z.boolean(),
    }),
  ),
});
export type CallbackMessage = z.infer<typeof CallbackMessage>;

/**
 * AS-5: the person's mailbox as the PBX reports it: counts only, never who called. Private
 * (PR-2): only on the own topic (and so the leader's phone).
 */
export const OwnVoicemail = z.strictObject({
  /** messages not yet heard */
  unheard: z.int().check(z.nonnegative()),
  /** since when the mailbox has had unheard messages (the oldest unheard one); null at 0 */
  unheardSince: z.nullable(IsoTime),
  /** AS-5: set when unheard for more than a day; null: not flagged */
  flaggedAt: z.nullable(IsoTime),
});
export type OwnVoicemail = z.infer<typeof OwnVoicemail>;

/** person/{id}/own: the employee's own phone (and their leader's). May carry private fields. */
export const PersonOwn = z.strictObject({
  ...PersonPublic.shape,
  ownDiversion: z.nullable(OwnDiversion),
  /** DV-2: who diverts to me now */
  incoming: z.array(IncomingDiversion),
  /** PR-2: private; only on this topic */
  absenceReason: z.nullable(z.string()),
  /** DV-6 / PR-4: rules the person's state breaks now, for them and their leader to fix */
  alerts: z.array(z.strictObject({ rule: z.string(), text: LocalizedText })),
  /** AS-1/AS-4: messages waiting for me to call back (and those I acknowledged), oldest due first; for me or a function number I am a member of */
  messages: z.array(CallbackMessage).check(z.maxLength(200)),
  /** the PBX's side of this phone */
  pbx: z.strictObject({
    /** applied: calls route by omstil's state; pending: the PBX has not taken the latest change yet (retried, nothing is lost) */
    forward: z.enum(['applied', 'pending']),
    /** a forward set on the desk phone itself (feature code) and what omstil made of it: adopted, or refused with the rule */
    notice: z.nullable(z
      .strictObject({ at: IsoTime, kind: z.enum(['adopted', 'refused']), to: z.nullable(z.string()), rule: z.nullable(z.string()), text: LocalizedText })),
  }),
  /** DV-5: a calendar meeting starts soon (or has started) and the phone is not diverted: offer one press */
  meetingPrompt: z.nullable(z
    .strictObject({
      start: IsoTime,
      end: IsoTime,
      /** who the one press diverts to; null when nobody can take the calls */
      suggestion: z.nullable(z.strictObject({ id: Id, name: z.string() })),
    })),
  /** AS-5: the mailbox, where the PBX reports voicemail; absent: it reports none for this person */
  voicemail: z.optional(OwnVoicemail),
});
export type PersonOwn = z.infer<typeof PersonOwn>;

/** PH-3: what callers get while a department is closed inside its phone hours. */
export const ClosureOffer = z.enum(['message', 'callback', 'fallback']);
export type ClosureOffer = z.infer<typeof ClosureOffer>;

export const PublicClosure = z.strictObject({
  id: Id,
  start: IsoTime,
  end: IsoTime,
  /** PH-3: set when the closure was ended before its planned end */
  endedEarly: z.boolean(),
  message: LocalizedText,
  offer: ClosureOffer,
  /** for `fallback`: who answers instead */
  fallback: z.nullable(z.strictObject({ id: Id, name: z.string() })),
});
export type PublicClosure = z.infer<typeof PublicClosure>;

/** PH-5: an expected peak (e.g. the day tax cards are sent). */
export const PeakNotice = z.strictObject({ id: Id, from: LocalDate, to: LocalDate, text: LocalizedText });
export type PeakNotice = z.infer<typeof PeakNotice>;

export const OpenSpan = z.strictObject({ from: ClockTime, to: ClockTime });

/** dept/{id}/public: what reception, phones and the voicebot show about a department. */
export const DeptPublic = z.strictObject({
  deptId: Id,
  name: z.string(),
  /** PH-1: OpenStreetMap opening_hours syntax, Europe/Copenhagen */
  phoneHours: z.string(),
  sensitive: z.boolean(),
  tasks: z.array(z.string()),
  /** PH-4: the department's group (function) numbers, with their own task keywords (RT-2) */
  groups: z.array(z.strictObject({ id: Id, name: z.string(), number: z.string(), tasks: z.array(z.string()) })),
  /** PH-1 and PH-3: answering calls now (inside phone hours and not closed) */
  openNow: z.boolean(),
  /** today's phone hours (local), and the holiday that closes it */
  today: z.strictObject({ date: LocalDate, holiday: z.nullable(z.string()), open: z.array(OpenSpan) }),
  /** when `openNow` next changes by the phone hours */
  nextChange: z.nullable(IsoTime),
  /** PH-2: what callers hear outside phone hours */
  outsideHours: LocalizedText,
  closures: z.array(PublicClosure),
  peaks: z.array(PeakNotice),
  rev: z.int().check(z.nonnegative()),
  updatedAt: IsoTime,
});
export type DeptPublic = z.infer<typeof DeptPublic>;

// ---- RT-3: crisis broadcasts, retained on broadcast ----

/** RT-3: the longest broadcast text, per language (a screen banner and a voicebot sentence) */
export const MAX_BROADCAST_CHARS = 300;
/** RT-3: how many broadcasts may be in force or planned (not yet expired) at once */
export const MAX_BROADCASTS = 3;

/** RT-3: Danish is required; without English, English screens and the voicebot use the Danish. */
export const BroadcastText = z.strictObject({
  da: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_BROADCAST_CHARS)),
  en: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_BROADCAST_CHARS))),
});
export type BroadcastText = z.infer<typeof BroadcastText>;

/**
 * RT-3: a crisis message (e.g. where to get sandbags in a storm flood) for every reception
 * terminal, phone and the voicebot, shown from `start` until `expires` by each screen's clock.
 */
export const Broadcast = z
  .strictObject({
    id: Id,
    text: BroadcastText,
    start: IsoTime,
    /** after `start`; a broadcast ended early has expired at that moment (and is no longer listed) */
    expires: IsoTime,
    createdAt: IsoTime,
  }).check(z.refine((b) => Date.parse(b.expires) > Date.parse(b.start), { path: ['expires'], message: 'must be after start' }));
export type Broadcast = z.infer<typeof Broadcast>;

/**
 * broadcast: every broadcast not yet expired, in force or planned, by start. `rev` grows with
 * every added or ended broadcast; a start or an expiry alone republishes the same rev.
 */
export const BroadcastList = z.strictObject({
  broadcasts: z.array(Broadcast).check(z.maxLength(MAX_BROADCASTS)),
  rev: z.int().check(z.nonnegative()),
  updatedAt: IsoTime,
});
export type BroadcastList = z.infer<typeof BroadcastList>;

// ---- requests on device/{id}/req, replies on device/{id}/res ----

export const RequestId = z.string().check(z.minLength(1), z.maxLength(64));

/** PR-4: a leader acts for their own staff by naming them in `person`; omitted, the phone's own person. */
const OnBehalf = { person: z.optional(Id) };
/** PR-2: an absence reason is free text kept private at the hub */
export const MAX_REASON_CHARS = 200;

/** DV-1: divert to a colleague or a group number, optionally until a time */
export const DivertArgs = z.strictObject({ target: Id, until: z.optional(z.nullable(IsoTime)), ...OnBehalf });
export const UndivertArgs = z.strictObject({ ...OnBehalf });
/** DV-2: the target of a diversion accepts or declines it */
export const DeclineArgs = z.strictObject({ from: Id });
export const AcceptArgs = z.strictObject({ from: Id });
/**
 * PR-1: away or absent until `until` (null: until further notice). Shorter than one workday
 * is `away`, longer `absent`; DV-6: longer than one workday needs `divertTo` or a diversion in force.
 */
export const SetAbsenceArgs = z.strictObject({
  until: z.nullable(IsoTime),
  reason: z.optional(z.nullable(z.string().check(z.maxLength(MAX_REASON_CHARS)))),
  divertTo: z.optional(z.nullable(Id)),
  /** also set the Outlook automatic reply (Microsoft Graph) with back-at and who to contact instead */
  autoReply: z.optional(z.boolean()),
  ...OnBehalf,
});
export const ClearAbsenceArgs = z.strictObject({ ...OnBehalf });
/**
 * AS-1: take a message for a person or a function number (a kiosk, or any phone). The hub routes
 * it (AS-3) and sets its due time (AS-2); the reply's data is `TakeMessageReply`.
 */
export const TakeMessageArgs = z.strictObject({
  for: Id,
  callerName: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_CALLER_NAME_CHARS)),
  callerNumber: CallerNumber,
  text: z.string().check(z.maxLength(MAX_MESSAGE_CHARS)),
  /** AS-3: the caller was told the person is away and still wants the message to go to them */
  callerInformed: z.optional(z.boolean()),
});
export const TakeMessageReply = z.strictObject({ id: Id, for: Id, forName: z.string(), due: IsoTime, rule: z.string() });
export type TakeMessageReply = z.infer<typeof TakeMessageReply>;
/** AS-4: the recipient has seen it (acknowledged) or called back (done) */
export const MessageStatusArgs = z.strictObject({ message: Id, status: z.enum(['acknowledged', 'done']) });

export const Request = z.discriminatedUnion('op', [
  z.strictObject({ id: RequestId, op: z.literal('divert'), args: DivertArgs }),
  z.strictObject({ id: RequestId, op: z.literal('undivert'), args: UndivertArgs }),
  z.strictObject({ id: RequestId, op: z.literal('decline-diversion'), args: DeclineArgs }),
  z.strictObject({ id: RequestId, op: z.literal('accept-diversion'), args: AcceptArgs }),
  z.strictObject({ id: RequestId, op: z.literal('set-absence'), args: SetAbsenceArgs }),
  z.strictObject({ id: RequestId, op: z.literal('clear-absence'), args: ClearAbsenceArgs }),
  z.strictObject({ id: RequestId, op: z.literal('take-message'), args: TakeMessageArgs }),
  z.strictObject({ id: RequestId, op: z.literal('message-status'), args: MessageStatusArgs }),
]);
export type Request = z.infer<typeof Request>;
export type Op = Request['op'];
export const OPS: readonly Op[] = ['divert', 'undivert', 'decline-diversion', 'accept-diversion', 'set-absence', 'clear-absence', 'take-message', 'message-status'];
export type ArgsOf<O extends Op> = Extract<Request, { op: O }>['args'];

export const ErrorBodySchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  rule: z.optional(z.string()),
  field: z.optional(z.string()),
  text: z.optional(LocalizedText),
  suggestion: z.optional(z.strictObject({ id: Id, name: z.string() })),
});

/** Discriminated by `ok`, so a refusal names the wrong field rather than the whole payload. */
export const Response = z.discriminatedUnion('ok', [
  z.strictObject({ id: RequestId, ok: z.literal(true), data: z.optional(z.unknown()) }),
  z.strictObject({ id: z.nullable(RequestId), ok: z.literal(false), error: ErrorBodySchema }),
]);
export type Response = z.infer<typeof Response>;
