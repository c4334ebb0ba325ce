/** The Clock port: everything that needs "now" gets it from here, so tests can fake time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told. */
export class FakeClock implements Clock {
  constructor(private t: number = Date.parse('2026-11-23T09:00:00+01:00')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}
