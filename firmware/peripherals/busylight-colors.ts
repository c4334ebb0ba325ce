/**
 * What a busylight shows for a device's view: a colour and steady or blink. Pure.
 * The table and its precedence are documented in docs/peripherals.md ("Colour map").
 */
import type { PersonOwn } from '../../protocol/index.js';

export type Rgb = readonly [red: number, green: number, blue: number];

export interface LightState {
  /** 0..255 each; [0, 0, 0] is dark */
  rgb: Rgb;
  blink: boolean;
}

/** A light driver: shows a state until told otherwise (keepalives are its own business). */
export interface Busylight {
  start(): void;
  /** removes every timer the driver made; no I/O */
  stop(): void;
  show(state: LightState): void;
}

export const COLORS = {
  off: [0, 0, 0],
  green: [0, 255, 0],
  red: [255, 0, 0],
  magenta: [255, 0, 255],
  yellow: [255, 255, 0],
  blue: [0, 0, 255],
} as const satisfies Record<string, Rgb>;

export const OFF: LightState = { rgb: COLORS.off, blink: false };

/** The part of a person's own record (`person/{id}/own`) the light reads. */
export interface LightSource {
  presence: PersonOwn['presence'];
  ownDiversion: Pick<NonNullable<PersonOwn['ownDiversion']>, 'status'> | null;
  messages: ReadonlyArray<Pick<PersonOwn['messages'][number], 'status'>>;
  /** AS-5: the mailbox, where the PBX reports voicemail */
  voicemail?: Pick<NonNullable<PersonOwn['voicemail']>, 'unheard'> | undefined;
}

/** What the device itself knows before the hub does (a headset off its hook). */
export interface LocalSignals {
  onCall?: boolean;
}

/** DV-2: a declined diversion is not in force. */
function diverted(me: LightSource): boolean {
  return me.ownDiversion !== null && me.ownDiversion.status !== 'declined';
}

/** AS-1/AS-4: a message still waiting to be called back; AS-5: a voicemail not yet heard. */
function messageWaiting(me: LightSource): boolean {
  return me.messages.some((m) => m.status === 'waiting') || (me.voicemail?.unheard ?? 0) > 0;
}

function colorFor(me: LightSource, local: LocalSignals): Rgb {
  const presence = local.onCall ? 'on-call' : me.presence;
  switch (presence) {
    case 'off-hours':
      return COLORS.off; // nobody expected at the desk; messages wait for the morning
    case 'on-call':
      return COLORS.red; // on the phone now: before a diversion, the caller in front of the desk must wait
    case 'in-meeting':
      return COLORS.magenta;
    default:
      // DV-1: calls go to a colleague; what a passer-by needs to know first
      if (diverted(me)) return COLORS.blue;
      if (presence === 'absent') return COLORS.off; // not diverted (DV-6 alerts the person): the desk is empty
      return presence === 'away' ? COLORS.yellow : COLORS.green;
  }
}

/** The light for a device's person (`DeviceView.me`): dark without one; a waiting message or unheard voicemail blinks whatever colour is lit. */
export function lightFor(me: LightSource | null | undefined, local: LocalSignals = {}): LightState {
  if (!me) return OFF;
  const rgb = colorFor(me, local);
  const lit = rgb.some((v) => v > 0);
  return { rgb, blink: lit && messageWaiting(me) };
}

export function sameLight(a: LightState, b: LightState): boolean {
  return a.blink === b.blink && a.rgb.every((v, i) => v === b.rgb[i]);
}
