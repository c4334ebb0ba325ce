import { PRESENCE_DA } from '../../protocol/labels.js';
import type { Messages } from './messages.js';

function age(minutes: number): string {
  if (minutes < 1) return 'under 1 min. siden';
  if (minutes < 60) return `for ${minutes} min. siden`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `for ${h} t. siden` : `for ${h} t. ${m} min. siden`;
}

export const da: Messages = {
  locale: 'da-DK',
  titlePhone: 'Omstil – telefon',
  titleKiosk: 'Omstil – oversigt',
  loading: 'Henter oplysninger …',
  badRoute: 'Ukendt adresse. Skærmen skal åbnes som /phone/<enhed> eller /kiosk/<enhed>.',
  noPerson: 'Denne telefon er ikke tilknyttet en medarbejder endnu.',

  presence: PRESENCE_DA,
  presenceLabel: (presence, who) => (who ? `${who}: ${presence}` : `Status: ${presence}`),
  when: (p) => {
    switch (p.kind) {
      case 'today':
        return `kl. ${p.time}`;
      case 'tomorrow':
        return `i morgen kl. ${p.time}`;
      case 'weekday':
      case 'date':
        return `${p.day} kl. ${p.time}`;
    }
  },
  backAt: (when) => `Tilbage ${when}`,
  until: (when) => `indtil ${when}`,

  divertTo: (name) => `Viderestil til ${name}`,
  divertToLabel: (name) => `Viderestil til ${name}: alle dine opkald`,
  divertNoTarget: 'Ingen foretrukken kollega kan tage imod opkald lige nu – vælg en på listen',
  undivert: 'Fjern viderestilling',
  undivertLabel: (name) => `Fjern viderestilling til ${name}, så opkald kommer til dig igen`,
  pending: 'Sender …',

  ownDiversionNone: 'Ingen viderestilling – opkald kommer til dig',
  ownDiversionActive: (name) => `Dine opkald går til ${name}`,
  ownDiversionDeclined: (name) => `Afvist af ${name}`,
  ownDiversionDeclinedHint: 'Viderestillingen er ikke i kraft – opkald kommer til dig (DV-2)',
  pbxPending: 'Ændringen er endnu ikke sat i telefonsystemet – den prøves igen af sig selv',
  pbxNoticeAdopted: 'Viderestilling fra telefonens tastatur overtaget',
  pbxNoticeRefused: 'Viderestilling fra telefonens tastatur afvist',

  voicemailUnheard: (n) => `Telefonsvarer: ${n === 1 ? '1 ubeaflyttet besked' : `${n} ubeaflyttede beskeder`}`,
  voicemailSince: (p) => {
    switch (p.kind) {
      case 'today':
        return `kl. ${p.time}`;
      case 'yesterday':
        return `i går kl. ${p.time}`;
      case 'weekday':
      case 'date':
        return `${p.day} kl. ${p.time}`;
    }
  },
  voicemailFlag: (since) => `Ikke aflyttet i over et døgn${since ? ` (siden ${since})` : ''}`,
  voicemailHint: 'Aflyt beskederne på telefonsvareren (AS-5).',

  incomingHeading: 'Opkald til dig fra kolleger',
  incoming: (name) => `Opkald til ${name} kommer nu til dig`,
  decline: 'Afvis',
  declineLabel: (name) => `Afvis opkald til ${name}`,

  meetingQuestion: (name) => `Viderestil til ${name} under mødet?`,
  meetingTime: (from, to) => `Mødet er kl. ${from}-${to}`,
  meetingNobody: 'Ingen kollega kan tage dine opkald under mødet – de kommer stadig til dig',
  meetingDivert: 'Ja, viderestil',
  meetingDivertLabel: (name, from, to) => `Ja, viderestil til ${name} under mødet kl. ${from}-${to}. Viderestillingen ophører, når mødet slutter`,

  colleaguesHeading: 'Kolleger',
  noColleagues: 'Ingen kolleger at vise',
  preferred: 'Foretrukken',
  divertHere: 'Viderestil hertil',
  divertHereLabel: (name) => `Viderestil hertil: dine opkald til ${name}`,
  isYourTarget: 'Dine opkald går hertil',
  divertedTo: (name) => `Viderestillet til ${name}`,

  // ---- phone: banners, absence, messages ----
  today: 'i dag',
  tomorrow: 'i morgen',
  bannersLabel: 'Meddelelser til afdelingen',
  closureTitle: (dept) => `${dept} holder telefonlukket`,
  closureFallback: (name) => `Opkald går til ${name}.`,
  broadcastTitle: 'Vigtig meddelelse',
  peakTitle: 'Mange opkald ventes',
  peakUntil: (day) => `til og med ${day}`,

  absenceOpen: 'Fravær',
  absenceOpenLabel: 'Fravær: sæt hvornår du er tilbage, og hvem der tager dine opkald',
  absenceNow: (kind) => (kind === 'absent' ? 'Du er meldt fraværende' : 'Du er meldt kort fraværende'),
  absenceOpenEnded: 'Tilbage: indtil videre',
  absenceReasonPrivate: (reason) => `Årsag: ${reason} (kun du og din leder kan se den)`,
  backNow: 'Tilbage nu',
  backNowLabel: 'Tilbage nu: meld dig tilbage, så dine opkald kommer til dig igen',

  absenceTitle: 'Sæt fravær',
  absenceWhen: 'Hvornår er du tilbage?',
  choiceToday: 'Resten af i dag',
  choiceThrough: (day) => `Til og med ${day}`,
  choiceDate: 'Vælg dato',
  dateLabel: 'Dato',
  hourLabel: 'Time',
  minuteLabel: 'Minut',
  customPast: 'Tidspunktet skal ligge i fremtiden.',
  customInvalid: 'Vælg en dato og et klokkeslæt.',
  coverLegend: 'Hvem tager dine opkald?',
  coverHint: 'Skal vælges ved fravær ud over en arbejdsdag (DV-6). Foretrukne kolleger står først.',
  coverNone: 'Ingen viderestilling',
  coverKeep: (name) => `Som nu: dine opkald går til ${name}`,
  coverGroup: 'Fællesnummer',
  reasonLabel: 'Årsag (kan udelades)',
  reasonPrivate: 'Privat: kun du og din leder kan se årsagen. Kolleger, reception og borgere ser kun, hvornår du er tilbage (PR-2).',
  autoReplyLabel: 'Autosvar i Outlook',
  autoReplyHint: 'Dit automatiske svar siger, hvornår du er tilbage, og hvem der tager dine opkald.',
  absenceSubmit: 'Sæt fravær',
  absenceSubmitLabel: (when) => `Sæt fravær, tilbage ${when}`,
  absenceCancel: 'Annuller',
  takeSuggestion: (name) => `Viderestil til ${name} og sæt fravær`,

  messagesHeading: 'Beskeder – ring op',
  messagesBadge: (n) => (n === 1 ? '1 besked' : `${n} beskeder`),
  messagesBadgeLabel: (n, overdue) =>
    `${n === 1 ? '1 besked' : `${n} beskeder`} at ringe op${overdue > 0 ? `, ${overdue} overskredet` : ''}. Gå til beskederne`,
  messageFor: (name) => `Til ${name}`,
  messageAskedFor: (name) => `Spurgte efter ${name}`,
  messageTaken: (by, when) => `Taget af ${by} ${when}`,
  messageTakenAt: (when) => `Taget ${when}`,
  reception: 'Receptionen',
  callerNumber: 'Telefonnummer',
  messageDue: (when) => `Ring op senest ${when}`,
  messageOverdue: (when) => `Fristen var ${when}`,
  messageEscalatedFrom: (from, since) => `Overskredet siden ${since} – eskaleret fra ${from}`,
  messageEscalatedTo: (to, since) => `Overskredet siden ${since} – eskaleret til ${to}`,
  overdueTag: 'Overskredet',
  seenTag: 'Set',
  messageSeen: 'Set',
  messageSeenLabel: (caller) => `Set: markér beskeden fra ${caller} som set`,
  messageDone: 'Ringet op',
  messageDoneLabel: (caller, number) => `Ringet op: markér at du har ringet ${caller} op på ${number}`,

  connectionLost: 'Forbindelse afbrudt',
  dataFrom: (when, minutes) => `Viser oplysninger fra ${da.when(when)} (${age(minutes)})`,
  noDataYet: 'Ingen oplysninger modtaget endnu',
  retrying: 'Forsøger igen …',

  receptionTitle: 'Hvem kan tage telefonen?',
  colName: 'Navn',
  colExtension: 'Lokalnr.',
  colPresence: 'Status',
  colDiversion: 'Viderestilling',
  otherDept: 'Øvrige',
  emptyDept: 'Ingen medarbejdere',
  clockLabel: (time) => `Klokken er ${time}`,
  kiosk: {
    boardHeading: 'Afdelinger og telefontider',
    open: 'Åben',
    closed: 'Lukket',
    closedNow: 'Lukket nu',
    statusLabel: (dept, status) => `${dept}: ${status}`,
    hoursToday: (spans) => `Telefontid i dag ${spans}`,
    noHoursToday: 'Ingen telefontid i dag',
    joinSpans: (spans) => (spans.length <= 1 ? spans.join('') : `${spans.slice(0, -1).join(', ')} og ${spans[spans.length - 1]}`),
    holidayToday: (name) => `Lukket i dag: ${name}`,
    closesAt: (when) => `Lukker ${when}`,
    opensAt: (when) => `Åbner ${when}`,
    closureNow: (until) => `Lukket indtil ${da.when(until)}`,
    closurePlanned: (from, to) => `Lukket ${da.when(from)} til ${da.when(to)}`,
    closureEndedEarly: (when) => `Åben igen – lukningen sluttede før tid ${when}`,
    closureFallback: (name) => `Opkald besvares af ${name}`,
    peakToday: 'Forventet travlhed i dag',
    peakUpcoming: (dates) => `Forventet travlhed ${dates}`,
    outsideHoursHeading: 'Opkaldere hører',
    functionNumbers: 'Fællesnumre',
    sensitiveDept: 'Lokalnumre oplyses ikke – brug fællesnummeret',

    searchHeading: 'Find den rette',
    searchLabel: 'Søg efter navn, afdeling eller opgave',
    searchPlaceholder: 'Fx Anna, Jobcenter eller kørekort',
    searchHint: 'Store og små bogstaver er ligegyldige, og æ, ø og å kan skrives ae, oe og aa.',
    resultCount: (depts, people) =>
      `${[depts ? `${depts} ${depts === 1 ? 'afdeling' : 'afdelinger'}` : '', people ? `${people} ${people === 1 ? 'medarbejder' : 'medarbejdere'}` : ''].filter(Boolean).join(' og ')} fundet`,
    noResults: (query) => `Intet fundet for »${query}«. Prøv et andet navn eller en opgave.`,
    moreResults: (shown, total) => `Viser ${shown} af ${total} – skriv mere for at indsnævre`,
    deptHits: 'Afdelinger',
    peopleHits: 'Medarbejdere',
    allPeople: 'Alle medarbejdere',
    matchedTask: (task) => `Opgave: ${task}`,
    matchedGroup: (group) => `Fællesnummer: ${group}`,
    department: 'Afdeling',
    extension: 'Lokalnr.',
    functionNumber: 'Fællesnr.',
    useFunctionNumber: 'Følsom afdeling: brug fællesnummeret',

    takeMessage: 'Tag besked',
    takeMessageLabel: (name) => `Tag besked til ${name}`,
    noSwitchboardMessage: 'Beskeder lægges til den person eller funktion, borgeren søger (AS-3).',
    formTitle: (name) => `Besked til ${name}`,
    formGroupNote: (dept) => `Fællesnummer i ${dept}: beskeden går til afdelingens medarbejdere.`,
    callerName: 'Opkalderens navn',
    callerNameHint: (max) => `Højst ${max} tegn.`,
    callerNumber: 'Opkalderens telefonnummer',
    callerNumberHint: (min, max) => `${min}–${max} tegn: cifre, mellemrum, + og -.`,
    messageText: 'Besked',
    messageTextHint: (max) => `Hvad drejer det sig om, og hvornår passer det at blive ringet op? Højst ${max} tegn. Skift+Enter giver ny linje.`,
    charCount: (n, max) => `${n} af ${max} tegn`,
    callerInformed: (name) => `Opkalderen ved, at ${name} er fraværende, og vil have beskeden til ${name} alligevel`,
    callerInformedHint: 'Ellers går beskeden til den kollega, der dækker (AS-3).',
    send: 'Send besked',
    close: 'Luk',
    closeLabel: 'Luk beskeden uden at sende',
    fieldRequired: { callerName: 'Skriv opkalderens navn.', callerNumber: 'Skriv opkalderens telefonnummer.' },
    nameTooLong: (max) => `Navnet må højst være ${max} tegn.`,
    numberInvalid: (min, max) => `Telefonnummeret skal have ${min}–${max} tegn og kun cifre, mellemrum, + og -.`,
    textTooLong: (n, max) => `Beskeden er ${n} tegn – højst ${max}.`,
    fixFields: 'Ret de markerede felter.',
    targetGone: 'Modtageren findes ikke længere i telefonbogen.',
    sentTo: (name) => `Beskeden er sendt til ${name}.`,
    sentInstead: (forName, askedName) => `Beskeden går til ${forName} i stedet for ${askedName} (AS-3).`,
    due: (day, time) => `Ringes op senest ${day} kl. ${time}`,
    formCleared: 'Felterne er tømt til næste besked.',
  },

  fleet: {
    title: 'Omstil – enheder (IT)',
    heading: 'Enheder',
    loading: 'Henter enhederne …',
    loginHeading: 'Log ind med admin-nøglen',
    loginIntro: 'Oversigten kræver hubbens admin-nøgle. Den står i filen admin-token i hubbens datamappe (omstil up skriver, hvor den er).',
    tokenLabel: 'Admin-nøgle',
    login: 'Log ind',
    checking: 'Kontrollerer nøglen …',
    wrongToken: 'Forkert admin-nøgle. Kopiér den igen fra filen admin-token, og prøv igen.',
    unreachable: 'Hubben svarer ikke. Prøv igen om lidt.',
    logout: 'Log ud',
    summary: (online, total) => `${online} af ${total} online`,
    summaryOffline: (n) => `${n} offline`,
    summaryNeverSeen: (n) => `${n} aldrig set`,
    summaryErrors: (n) => `${n} med fejl`,
    summaryUnknown: (n) => `${n} ukendte`,
    filterLegend: 'Vis',
    filterAll: (n) => `Alle (${n})`,
    filterOffline: (n) => `Offline og aldrig set (${n})`,
    filterErrors: (n) => `Med fejl (${n})`,
    tableLabel: 'Enheder i telefonbogen',
    colDevice: 'Enhed',
    colKind: 'Type',
    colOwner: 'Tilhører',
    colStatus: 'Status',
    colSince: 'Siden',
    colFw: 'Firmware',
    colError: 'Seneste fejl',
    colUpdate: 'Opdatering',
    update: {
      pending: 'Venter',
      offered: 'Tilbudt',
      downloading: 'Henter',
      verifying: 'Kontrollerer',
      staged: 'Klar til genstart',
      rebooting: 'Genstarter',
      confirmed: 'Opdateret',
      'rolled-back': 'Rullet tilbage',
      refused: 'Afvist',
      failed: 'Fejlet',
      cancelled: 'Annulleret',
    },
    updateOf: (id) => `Opdatering af ${id}`,
    kind: { phone: 'telefon', kiosk: 'kiosk' },
    state: { online: 'Online', offline: 'Offline', 'never-seen': 'Aldrig set' },
    reception: 'Receptionen',
    ago: (s) => {
      if (s < 5) return 'lige nu';
      if (s < 60) return `for ${s} sek. siden`;
      const m = Math.floor(s / 60);
      if (m < 60) return `for ${m} min. siden`;
      const h = Math.floor(m / 60);
      if (h < 48) return m % 60 === 0 ? `for ${h} t. siden` : `for ${h} t. ${m % 60} min. siden`;
      return `for ${Math.floor(h / 24)} dage siden`;
    },
    atLatest: (when) => `senest ${when}`,
    noneMatch: 'Ingen enheder passer til filteret.',
    unknownHeading: 'Ukendte enheder',
    unknownIntro: 'Status fra enheds-id’er, der ikke står i telefonbogen.',
    colSeen: 'Sidst hørt',
  },
  errors: {
    'bad-json': { text: 'Beskeden kunne ikke læses', hint: 'Prøv igen.' },
    'invalid-payload': { text: 'Forespørgslen manglede en oplysning eller havde en forkert værdi', hint: 'Prøv igen.' },
    'unknown-op': { text: 'Handlingen kendes ikke af systemet', hint: 'Skærmens software skal måske opdateres.' },
    'payload-too-large': { text: 'Forespørgslen var for stor og blev afvist' },
    'unknown-device': { text: 'Denne skærm er ikke registreret i telefonbogen', hint: 'Kontakt IT.' },
    'unknown-person': { text: 'Personen findes ikke i telefonbogen' },
    'no-person': { text: 'Denne skærm er ikke tilknyttet en medarbejder og kan ikke viderestille' },
    forbidden: { text: 'Du må ikke ændre fravær eller viderestilling for denne person – kun personen selv og dennes leder' },
    'self-diversion': { text: 'Du kan ikke viderestille til dig selv' },
    'switchboard-diversion': { text: 'Du kan ikke viderestille til Omstillingen', hint: 'Vælg en kollega eller et gruppenummer.' },
    'diversion-cycle': { text: 'Viderestillingen ville sende opkaldene i ring tilbage til dig', hint: 'Vælg en anden kollega.' },
    'chain-too-long': { text: 'Kollegaen er selv viderestillet i for mange led (højst 3)', hint: 'Vælg en anden kollega.' },
    'not-diverted-to-you': { text: 'Den viderestilling går ikke (længere) til dig, så den kan ikke afvises' },
    'target-unavailable': { text: 'Kollegaen kan ikke tage dine opkald nu (fraværende eller uden telefontid)', hint: 'Vælg en anden kollega.' },
    'needs-colleague': { text: 'Fravær ud over en arbejdsdag kræver, at telefonen viderestilles til en kollega', hint: 'Vælg en kollega.' },
    'unknown-department': { text: 'Afdelingen findes ikke i telefonbogen' },
    'unknown-closure': { text: 'Lukningen findes ikke (længere)' },
    'unknown-broadcast': { text: 'Meddelelsen findes ikke' },
    'too-many-broadcasts': { text: 'Der er allerede for mange aktive meddelelser' },
    'unknown-number': { text: 'Nummeret findes ikke i telefonbogen' },
    'invalid-time': { text: 'Tidspunktet skal ligge i fremtiden', hint: 'Vælg et andet tidspunkt.' },
    timeout: { text: 'Intet svar inden for 10 sekunder', hint: 'Prøv igen.' },
    offline: { text: 'Ingen forbindelse til omstillingssystemet lige nu', hint: 'Prøv igen om lidt.' },
    internal: { text: 'Der opstod en fejl i systemet', hint: 'Prøv igen, og kontakt IT hvis det bliver ved.' },
  },
};
