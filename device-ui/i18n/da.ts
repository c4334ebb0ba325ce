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
  divertToLabel: (name) => `Viderestil alle dine opkald til ${name}`,
  divertNoTarget: 'Ingen foretrukken kollega kan tage imod opkald lige nu – vælg en på listen',
  undivert: 'Fjern viderestilling',
  undivertLabel: (name) => `Fjern viderestillingen til ${name}, så opkald kommer til dig igen`,
  pending: 'Sender …',

  ownDiversionNone: 'Ingen viderestilling – opkald kommer til dig',
  ownDiversionActive: (name) => `Dine opkald går til ${name}`,
  ownDiversionDeclined: (name) => `Afvist af ${name}`,
  ownDiversionDeclinedHint: 'Viderestillingen er ikke i kraft – opkald kommer til dig (DV-2)',
  pbxPending: 'Ændringen er endnu ikke sat i telefonsystemet – den prøves igen af sig selv',
  pbxNoticeAdopted: 'Viderestilling fra telefonens tastatur overtaget',
  pbxNoticeRefused: 'Viderestilling fra telefonens tastatur afvist',

  incomingHeading: 'Opkald til dig fra kolleger',
  incoming: (name) => `Opkald til ${name} kommer nu til dig`,
  decline: 'Afvis',
  declineLabel: (name) => `Afvis opkald til ${name}`,

  meetingQuestion: (name) => `Viderestil til ${name} under mødet?`,
  meetingTime: (from, to) => `Mødet er kl. ${from}-${to}`,
  meetingNobody: 'Ingen kollega kan tage dine opkald under mødet – de kommer stadig til dig',
  meetingDivert: 'Ja, viderestil',
  meetingDivertLabel: (name, from, to) => `Viderestil dine opkald til ${name} under mødet kl. ${from}-${to}. Viderestillingen ophører, når mødet slutter`,

  colleaguesHeading: 'Kolleger',
  noColleagues: 'Ingen kolleger at vise',
  preferred: 'Foretrukken',
  divertHere: 'Viderestil hertil',
  divertHereLabel: (name) => `Viderestil dine opkald til ${name}`,
  isYourTarget: 'Dine opkald går hertil',
  divertedTo: (name) => `Viderestillet til ${name}`,

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
    'unknown-number': { text: 'Nummeret findes ikke i telefonbogen' },
    'invalid-time': { text: 'Tidspunktet skal ligge i fremtiden', hint: 'Vælg et andet tidspunkt.' },
    timeout: { text: 'Intet svar inden for 10 sekunder', hint: 'Prøv igen.' },
    offline: { text: 'Ingen forbindelse til omstillingssystemet lige nu', hint: 'Prøv igen om lidt.' },
    internal: { text: 'Der opstod en fejl i systemet', hint: 'Prøv igen, og kontakt IT hvis det bliver ved.' },
  },
};
