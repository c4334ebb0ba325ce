/**
 * The hub: the single source of truth. Takes requests from devices over MQTT, applies them
 * through the policy, commits them, then publishes the per-audience projections (retained)
 * and keeps the PBX in step. Works against the embedded broker or any external MQTT broker.
 */
import mqtt, { type MqttClient } from 'mqtt';
import {
  buildTopic,
  decodeRequest,
  filters,
  OmstilError,
  parseTopic,
  type Clock,
  type Logger,
  type Request,
  type Response,
} from '../protocol/index.js';
import type { Directory } from './directory/directory.js';
import type { PbxPort } from './pbx/pbx-port.js';
import { expireDiversions, handleRequest } from './requests/handle-request.js';
import { initialRecord, activeDiversion, type PersonRecord } from './state/person-record.js';
import { deptPublic, deviceConfig, personOwn, personPublic } from './state/projections.js';
import type { Store } from './store/store.js';
import { HUB_USERNAME } from './mqtt/access.js';

export interface HubOptions {
  directory: Directory;
  store: Store;
  pbx: PbxPort;
  mqttUrl: string;
  /** password for the hub's own MQTT identity */
  mqttPassword: string;
  clock: Clock;
  logger: Logger;
  /** how often timed diversions are checked for their end */
  sweepIntervalMs?: number;
  /** how often the PBX is read back and repaired */
  reconcileIntervalMs?: number;
}

const HUB_CLIENT_ID = 'omstil-hub';

export class Hub {
  private client: MqttClient | null = null;
  private readonly records = new Map<string, PersonRecord>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** forwards the PBX is known to have: extension → target extension */
  private applied = new Map<string, string>();
  /** last public projection sent per person, without rev/updatedAt: unchanged ones are not sent again */
  private readonly publicSent = new Map<string, string>();
  private readonly log: Logger;

  constructor(private readonly opts: HubOptions) {
    this.log = opts.logger;
  }

  get directory(): Directory {
    return this.opts.directory;
  }

  record(personId: string): PersonRecord | undefined {
    return this.records.get(personId);
  }

  async start(): Promise<void> {
    const { directory, store, clock } = this.opts;
    const now = clock.now();
    for (const rec of store.loadPeople()) if (directory.people.has(rec.personId)) this.records.set(rec.personId, rec);
    for (const id of directory.people.keys()) if (!this.records.has(id)) this.records.set(id, initialRecord(id, now));

    const client = await mqtt.connectAsync(this.opts.mqttUrl, {
      clientId: HUB_CLIENT_ID,
      username: HUB_USERNAME,
      password: this.opts.mqttPassword,
      clean: true,
      reconnectPeriod: 1000,
      will: { topic: buildTopic({ kind: 'hub-status' }), payload: Buffer.from(JSON.stringify({ online: false, since: now.toISOString() })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.log.warn('mqtt error', { err: err.message }));
    client.on('connect', () => this.publishAll()); // after a broker restart, the truth goes out again
    await client.subscribeAsync(filters.allDeviceReq, { qos: 1 });
    this.publishAll();
    await this.reconcile();
    this.timers.push(setInterval(() => this.sweep(), this.opts.sweepIntervalMs ?? 1000));
    this.timers.push(setInterval(() => void this.reconcile(), this.opts.reconcileIntervalMs ?? 30_000));
    this.log.info('hub started', { people: directory.people.size, devices: directory.devices.size, pbx: this.opts.pbx.name });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    const client = this.client;
    this.client = null;
    if (client) {
      await this.publish(buildTopic({ kind: 'hub-status' }), { online: false, since: this.opts.clock.now().toISOString() });
      await client.endAsync();
    }
  }

  /** Publishes every retained projection: on start and after reconnecting to the broker. */
  private publishAll(): void {
    const { directory, clock } = this.opts;
    for (const dept of directory.departments.values()) this.publish(buildTopic({ kind: 'dept-public', deptId: dept.id }), deptPublic(dept, 0));
    for (const dev of directory.devices.values()) this.publish(buildTopic({ kind: 'device-config', deviceId: dev.id }), deviceConfig(dev, directory, 0));
    for (const rec of this.records.values()) this.publishPerson(rec, true);
    this.publish(buildTopic({ kind: 'hub-status' }), { online: true, since: clock.now().toISOString() });
  }

  /**
   * Publishes a person's projections. The public one goes out only when what it shows changed
   * (a diversion *to* someone changes only their own view): half the fan-out per diversion.
   */
  private publishPerson(rec: PersonRecord, force = false): void {
    const dir = this.opts.directory;
    const pub = personPublic(rec, dir);
    const { rev: _rev, updatedAt: _at, ...shown } = pub;
    const key = JSON.stringify(shown);
    if (force || this.publicSent.get(rec.personId) !== key) {
      this.publicSent.set(rec.personId, key);
      this.publish(buildTopic({ kind: 'person-public', personId: rec.personId }), pub);
      this.publish(buildTopic({ kind: 'dept-member', deptId: pub.deptId, personId: rec.personId }), pub);
    }
    this.publish(buildTopic({ kind: 'person-own', personId: rec.personId }), personOwn(rec, dir, this.records));
  }

  private publish(topic: string, body: unknown, retain = true): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    return new Promise((resolve) => {
      client.publish(topic, JSON.stringify(body), { qos: 1, retain }, (err) => {
        if (err) this.log.warn('publish failed', { topic, err: err.message });
        resolve();
      });
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (t?.kind !== 'device-req') {
      this.log.warn('dropped message on unexpected topic', { topic });
      return;
    }
    const deviceId = t.deviceId;
    const reply = (res: Response) => void this.publish(buildTopic({ kind: 'device-res', deviceId }), res, false);
    const decoded = decodeRequest(payload);
    if (!decoded.ok) {
      this.log.info('request refused', { device: deviceId, code: decoded.error.code, msg: decoded.error.message });
      reply({ id: decoded.id, ok: false, error: decoded.error.toBody() });
      return;
    }
    const req = decoded.value;
    try {
      const data = this.apply(deviceId, req);
      reply(data === undefined ? { id: req.id, ok: true } : { id: req.id, ok: true, data });
    } catch (err) {
      if (err instanceof OmstilError) {
        this.log.info('request refused', { device: deviceId, op: req.op, code: err.code, rule: err.rule });
        reply({ id: req.id, ok: false, error: err.toBody() });
      } else {
        this.log.error('request failed', { device: deviceId, op: req.op, err: (err as Error).stack });
        reply({ id: req.id, ok: false, error: { code: 'internal', message: 'internal error; the hub has logged it' } });
      }
    }
  }

  /** Applies one request: decide (pure) → commit (durable) → publish → PBX. */
  private apply(deviceId: string, req: Request): unknown {
    const { directory, clock } = this.opts;
    const now = clock.now();
    const device = directory.devices.get(deviceId);
    const outcome = handleRequest(directory, this.records, { deviceId, personId: device?.person ?? null }, req, now);
    if (outcome.changed.length) this.commit(outcome.changed, { at: now.toISOString(), actor: deviceId, op: req.op, detail: req.args });
    return outcome.data;
  }

  private commit(changed: PersonRecord[], entry: Parameters<Store['commit']>[1]): void {
    this.opts.store.commit(changed, entry); // durable before anything is published or acknowledged
    for (const rec of changed) this.records.set(rec.personId, rec);
    for (const rec of changed) this.publishPerson(rec);
    void this.pushForwards(changed);
  }

  private sweep(): void {
    const now = this.opts.clock.now();
    const changed = expireDiversions(this.records, now);
    if (changed.length) this.commit(changed, { at: now.toISOString(), actor: 'hub', op: 'expire-diversions', detail: changed.map((c) => c.personId) });
  }

  private desiredForward(rec: PersonRecord): string | null {
    const d = activeDiversion(rec);
    return d ? (this.opts.directory.people.get(d.to)?.extension ?? null) : null;
  }

  private async pushForwards(changed: readonly PersonRecord[]): Promise<void> {
    for (const rec of changed) {
      const ext = this.opts.directory.people.get(rec.personId)?.extension;
      if (!ext) continue;
      const want = this.desiredForward(rec);
      if ((this.applied.get(ext) ?? null) === want) continue;
      try {
        await this.opts.pbx.applyForward(ext, want);
        if (want) this.applied.set(ext, want);
        else this.applied.delete(ext);
      } catch (err) {
        this.log.warn('pbx forward failed; reconcile will retry', { ext, want, err: (err as Error).message });
      }
    }
  }

  /** Reads the PBX's forwards and repairs every difference from the hub's truth. */
  async reconcile(): Promise<number> {
    try {
      this.applied = await this.opts.pbx.readForwards();
    } catch (err) {
      this.log.warn('pbx read failed', { err: (err as Error).message });
      return 0;
    }
    const stale = new Set(this.applied.keys());
    let repaired = 0;
    for (const rec of this.records.values()) {
      const ext = this.opts.directory.people.get(rec.personId)?.extension;
      if (ext) stale.delete(ext);
    }
    for (const ext of stale) {
      await this.opts.pbx.applyForward(ext, null).then(() => this.applied.delete(ext), () => {});
      repaired++;
    }
    const before = new Map(this.applied);
    await this.pushForwards([...this.records.values()]);
    for (const [ext, to] of this.applied) if (before.get(ext) !== to) repaired++;
    for (const ext of before.keys()) if (!this.applied.has(ext)) repaired++;
    if (repaired) this.log.info('pbx reconciled', { repaired });
    return repaired;
  }
}
