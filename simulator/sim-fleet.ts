/**
 * N virtual phones and M kiosks, each running the real firmware core, with their phones
 * registered on the simulated PBX so that calls ring (and are answered) on them.
 */
import type { Directory } from '../broker/directory/directory.js';
import { DeviceCore } from '../firmware/device-core.js';
import type { Clock, Logger } from '../protocol/index.js';
import type { CallResult, SimulatedPbx } from './simulated-pbx.js';

export interface SimFleetOptions {
  directory: Directory;
  mqttUrl: string;
  clock: Clock;
  logger: Logger;
  /** how many of the directory's phones to run (default all) */
  phones?: number;
  /** how many of the directory's kiosks to run (default all) */
  kiosks?: number;
  pbx?: SimulatedPbx;
  /** run exactly these devices (overrides phones/kiosks) */
  only?: string[];
  /** how many devices connect at once while starting */
  connectConcurrency?: number;
  onProgress?: (e: { state: 'connecting'; done: number; total: number }) => void;
}

export class SimFleet {
  readonly cores = new Map<string, DeviceCore>();
  /** calls each simulated phone has answered, by device id */
  readonly answered = new Map<string, CallResult[]>();
  private readonly registered: string[] = [];

  constructor(private readonly opts: SimFleetOptions) {}

  get phones(): DeviceCore[] {
    return [...this.cores.values()].filter((c) => c.mirror.kind === 'phone');
  }

  get kiosks(): DeviceCore[] {
    return [...this.cores.values()].filter((c) => c.mirror.kind === 'kiosk');
  }

  core(deviceId: string): DeviceCore {
    const c = this.cores.get(deviceId);
    if (!c) throw new Error(`no simulated device "${deviceId}"`);
    return c;
  }

  async start(): Promise<void> {
    const { directory, logger } = this.opts;
    const only = this.opts.only;
    const all = [...directory.devices.values()].filter((d) => !only || only.includes(d.id));
    const phones = all.filter((d) => d.kind === 'phone').slice(0, this.opts.phones ?? Infinity);
    const kiosks = all.filter((d) => d.kind === 'kiosk').slice(0, this.opts.kiosks ?? Infinity);
    for (const dev of [...phones, ...kiosks]) {
      const core = new DeviceCore({ deviceId: dev.id, kind: dev.kind, mqttUrl: this.opts.mqttUrl, clock: this.opts.clock, logger: logger.child(dev.id) });
      this.cores.set(dev.id, core);
      const person = dev.person ? directory.people.get(dev.person) : undefined;
      if (person && this.opts.pbx) {
        this.answered.set(dev.id, []);
        this.opts.pbx.register(person.extension, (call) => {
          // a simulated employee picks up whatever rings
          this.answered.get(dev.id)!.push({ callId: call.callId, from: call.from, to: call.to, route: [], answeredBy: call.ringing, outcome: 'answered' });
          return true;
        });
        this.registered.push(person.extension);
      }
    }
    const list = [...this.cores.values()];
    const width = this.opts.connectConcurrency ?? 50;
    let done = 0;
    for (let i = 0; i < list.length; i += width) {
      await Promise.all(list.slice(i, i + width).map((c) => c.start()));
      done = Math.min(list.length, i + width);
      this.opts.onProgress?.({ state: 'connecting', done, total: list.length });
    }
  }

  async stop(): Promise<void> {
    for (const ext of this.registered) this.opts.pbx?.unregister(ext);
    this.registered.length = 0;
    await Promise.all([...this.cores.values()].map((c) => c.stop()));
  }
}
