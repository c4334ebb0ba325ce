/**
 * The hub: the single source of truth. Every change — a phone's request, the admin API, a
 * calendar, the PBX, time itself — goes through `execute` (or `refresh`): the policy decides,
 * the store commits, then the per-audience projections are published (retained) and the PBX
 * is kept in step. Works against the embedded broker or any external MQTT broker.
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
  type Response,
} from '../protocol/index.js';
import { Directory } from './directory/directory.js';
import { CallPresence } from './pbx/call-presence.js';
import { VoicemailWatch } from './pbx/voicemail-watch.js';
import { CallStats } from './stats/call-stats.js';
import type { PbxPort } from './pbx/pbx-port.js';
import { PbxSync, type PbxStatus } from './pbx/pbx-sync.js';
import { applyCommand, type Actor, type Command } from './policy/commands.js';
import { messageAudience } from './policy/escalation.js';
import type { PolicyState } from './policy/policy-state.js';
import { nextDue, personDue, refresh } from './policy/refresh.js';
import { resolveCall, type CallResolution } from './policy/resolve-call.js';
import { actorForDevice, requestToCommand } from './requests/handle-request.js';
import { broadcastActive, byStart, type BroadcastRecord } from './state/broadcast-record.js';
import { initialDeptRecord, type DeptRecord } from './state/dept-record.js';
import { escalationsOf, messageJournal, type MessageRecord } from './state/message-record.js';
import { initialRecord, activeDiversion, type PersonRecord } from './state/person-record.js';
import { broadcastList, deptPublic, deviceConfig, personOwn, personPublic } from './state/projections.js';
import type { Store } from './store/store.js';
import { HUB_USERNAME } from './mqtt/access.js';
import { FleetTracker } from './fleet/fleet-tracker.js';

export interface HubOptions {
  directory: Directory;
  /** the directory's version in the store (device configs carry it as their rev) */
  directoryVersion?: number;
  store: Store;
  pbx: PbxPort;
  mqttUrl: string;
  /** password for the hub's own MQTT identity */
  mqttPassword: string;
  clock: Clock;
  logger: Logger;
  /** how often the hub checks whether time has changed something (an end, phone hours, a new import) */
  sweepIntervalMs?: number;
  /** how often the PBX is read back and repaired */
  reconcileIntervalMs?: number;
}

const HUB_CLIENT_ID = 'omstil-hub';
const NO_RECORDS: ReadonlyMap<string, PersonRecord> = new Map();
/** AS-4: done messages stay in memory this long (a repeated "done" is still a no-op), then only in the store */
const KEEP_DONE_MS = 7 * 86_400_000;

export class Hub {
  private client: MqttClient | null = null;
  private dir: Directory;
  private dirVersion: number;
  private readonly people = new Map<string, PersonRecord>();
  private readonly depts = new Map<string, DeptRecord>();
  /** AS-1..AS-4: open messages and recently done ones */
  private readonly messages = new Map<string, MessageRecord>();
  /** RT-3: every crisis broadcast (they are few: all are loaded) */
  private readonly broadcasts = new Map<string, BroadcastRecord>();
  /** RT-3: what the last broadcast list showed (which ones, which in force): a start or an expiry republishes it */
  private broadcastSent: string | null = null;
  /** open messages by recipient (person or group), and groups by member: built when needed */
  private messageIndex: { byRecipient: Map<string, MessageRecord[]>; groupsOf: Map<string, string[]> } | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pbxSync: PbxSync;
  private readonly callPresence: CallPresence;
  /** AS-5: mailboxes' message-waiting state from the PBX */
  private readonly voicemail: VoicemailWatch;
  /** ST-1: every finished call, stored for the statistics */
  private readonly callStats: CallStats;
  /**
   * DV-2: who has a diversion to whom (target → diverter → record), for a person's own topic
   * (`incoming`). Built when needed, kept up to date by commits: scanning every person for each
   * own topic made a start with 20,000 people take ~25 s (every own topic a scan: N²) and cost
   * every request two scans (bench/fleet.ts).
   */
  private diverters: Map<string, Map<string, PersonRecord>> | null = null;
  /** last public projection sent per person, without rev/updatedAt: unchanged ones are not sent again */
  private readonly publicSent = new Map<string, string>();
  /** when `refresh` may next change something */
  private due = 0;
  private readonly commitListeners = new Set<(people: readonly PersonRecord[], entry: Parameters<Store['commit']>[2]) => void>();
  private readonly log: Logger;
  /** every device's birth/Will, firmware and last refused request, for IT (GET /api/v1/devices) */
  readonly fleet: FleetTracker;

  constructor(private readonly opts: HubOptions) {
    this.log = opts.logger;
    this.fleet = new FleetTracker(opts.directory);
    this.dir = opts.directory;
    this.dirVersion = opts.directoryVersion ?? 0;
    const self = this;
    this.pbxSync = new PbxSync({
      pbx: opts.pbx,
      logger: opts.logger.child('pbx'),
      hub: {
        get state() {
          return self.state;
        },
        now: () => this.now(),
        execute: (actor, cmd) => this.execute(actor, cmd),
        journal: (entry) => this.opts.store.commit([], [], entry),
        pbxStatusChanged: (ids) => {
          for (const id of ids) {
            const rec = this.people.get(id);
            if (rec) this.publishPerson(rec);
          }
        },
      },
    });
    this.callPresence = new CallPresence({ pbx: opts.pbx, hub: this, logger: opts.logger.child('calls') });
    this.voicemail = new VoicemailWatch({ pbx: opts.pbx, hub: this, logger: opts.logger.child('voicemail') });
    this.callStats = new CallStats({ pbx: opts.pbx, hub: this, store: opts.store, logger: opts.logger.child('stats') });
  }

  get directory(): Directory {
    return this.dir;
  }

  /** The policy's view of the hub's state (read-only). */
  get state(): PolicyState {
    return { dir: this.dir, people: this.people, depts: this.depts, messages: this.messages, broadcasts: this.broadcasts };
  }

  /** RT-3: the broadcasts in force or planned, and those over in the last `keepDays` days, by start. */
  broadcastRecords(keepDays = 7): BroadcastRecord[] {
    const since = this.now().getTime() - keepDays * 86_400_000;
    return [...this.broadcasts.values()].filter((b) => Date.parse(b.expires) > since).sort(byStart);
  }

  /** Called after every commit (after publishing), e.g. to set an Outlook auto-reply. Returns an unsubscribe function. */
  onCommit(listener: (people: readonly PersonRecord[], entry: Parameters<Store['commit']>[2]) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** The hub's clock (tests run it from a fixed weekday). */
  now(): Date {
    return this.opts.clock.now();
  }

  record(personId: string): PersonRecord | undefined {
    return this.people.get(personId);
  }

  dept(deptId: string): DeptRecord | undefined {
    return this.depts.get(deptId);
  }

  /** AS-1: a message the hub holds (open, or done within the last week); older done ones are in the store. */
  message(id: string): MessageRecord | undefined {
    return this.messages.get(id) ?? this.opts.store.message(id) ?? undefined;
  }

  /**
   * AS-4: the open messages a person's own topic shows: for them, for the groups they are a
   * member of, and those escalated to them or to one of those groups.
   */
  messagesOf(personId: string): MessageRecord[] {
    const idx = this.indexMessages();
    const out = new Set(idx.byRecipient.get(personId) ?? []);
    for (const g of idx.groupsOf.get(personId) ?? []) for (const m of idx.byRecipient.get(g) ?? []) out.add(m);
    return [...out];
  }

  /** open messages by every id that has them: the recipient and each escalation target */
  private indexMessages(): NonNullable<Hub['messageIndex']> {
    if (this.messageIndex) return this.messageIndex;
    const byRecipient = new Map<string, MessageRecord[]>();
    for (const m of this.messages.values()) {
      if (m.status === 'done') continue;
      for (const key of new Set([m.for, ...escalationsOf(m).map((e) => e.to)])) {
        const list = byRecipient.get(key);
        if (list) list.push(m);
        else byRecipient.set(key, [m]);
      }
    }
    const groupsOf = new Map<string, string[]>();
    for (const g of this.dir.groups.values()) {
      for (const member of g.members) {
        const list = groupsOf.get(member);
        if (list) list.push(g.id);
        else groupsOf.set(member, [g.id]);
      }
    }
    this.messageIndex = { byRecipient, groupsOf };
    return this.messageIndex;
  }

  /** AS-1/AS-4: whose own topics show a message: its recipient (every member of a recipient group) and whoever it escalated to. */
  private audienceOf(m: MessageRecord): readonly string[] {
    return messageAudience(this.dir, m);
  }

  /** PH-4 and friends: who a number reaches now (or at `at`). */
  resolveCall(number: string, at: Date = this.opts.clock.now()): CallResolution {
    return resolveCall(this.state, number, at);
  }

  async start(): Promise<void> {
    const { store, clock } = this.opts;
    const now = clock.now();
    for (const rec of store.loadPeople()) this.people.set(rec.personId, rec);
    this.diverters = null;
    for (const rec of store.loadDepts()) this.depts.set(rec.deptId, rec);
    for (const m of store.loadMessages(new Date(now.getTime() - KEEP_DONE_MS))) this.messages.set(m.id, m);
    for (const b of store.loadBroadcasts()) this.broadcasts.set(b.id, b);
    this.messageIndex = null;
    this.fillIn(now);

    const client = await mqtt.connectAsync(this.opts.mqttUrl, {
      clientId: HUB_CLIENT_ID,
      username: HUB_USERNAME,
      password: this.opts.mqttPassword,
      clean: true,
      reconnectPeriod: 1000,
      will: { topic: buildTopic({ kind: 'hub-status' }), payload: Buffer.from(JSON.stringify({ online: false, since: now.toISOString() })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain));
    client.on('error', (err) => this.log.warn('mqtt error', { err: err.message }));
    client.on('connect', () => this.publishAll()); // after a broker restart, the truth goes out again
    await client.subscribeAsync(filters.allDeviceReq, { qos: 1 });
    await client.subscribeAsync(filters.allDeviceStatus, { qos: 1 }); // births and Wills, for the fleet view
    this.tick(true); // what changed while the hub was down (phone hours, ends) before anything is published
    this.publishAll();
    await this.reconcile();
    this.callPresence.start();
    this.voicemail.start();
    this.callStats.start();
    this.timers.push(setInterval(() => this.tick(), this.opts.sweepIntervalMs ?? 1000));
    this.timers.push(setInterval(() => void this.reconcile(), this.opts.reconcileIntervalMs ?? 30_000));
    this.log.info('hub started', { people: this.dir.people.size, devices: this.dir.devices.size, pbx: this.opts.pbx.name });
  }

  /** Records for everyone in the directory: people and departments new to the store start fresh. */
  private fillIn(now: Date): void {
    for (const id of this.dir.people.keys()) if (!this.people.has(id)) this.people.set(id, initialRecord(id, now));
    for (const id of this.dir.departments.keys()) if (!this.depts.has(id)) this.depts.set(id, initialDeptRecord(id, now));
  }

  async stop(): Promise<void> {
    this.pbxSync.stop();
    this.callPresence.stop();
    this.voicemail.stop();
    this.callStats.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    const client = this.client;
    this.client = null;
    if (client) {
      await this.publish(buildTopic({ kind: 'hub-status' }), { online: false, since: this.opts.clock.now().toISOString() });
      await client.endAsync();
    }
  }

  /** A person's record changes: the diverters index follows. */
  private setPerson(rec: PersonRecord): void {
    const before = this.people.get(rec.personId);
    this.people.set(rec.personId, rec);
    const index = this.diverters;
    if (!index) return;
    if (before?.diversion) index.get(before.diversion.to)?.delete(rec.personId);
    if (rec.diversion) {
      const into = index.get(rec.diversion.to) ?? new Map<string, PersonRecord>();
      index.set(rec.diversion.to, into.set(rec.personId, rec));
    }
  }

  /** The records of everyone with a diversion (any status) to `personId`: what `personOwn` needs to list the incoming ones. */
  private divertersTo(personId: string): ReadonlyMap<string, PersonRecord> {
    if (!this.diverters) {
      const index = new Map<string, Map<string, PersonRecord>>();
      for (const rec of this.people.values()) {
        if (!rec.diversion) continue;
        const into = index.get(rec.diversion.to) ?? new Map<string, PersonRecord>();
        index.set(rec.diversion.to, into.set(rec.personId, rec));
      }
      this.diverters = index;
    }
    return this.diverters.get(personId) ?? NO_RECORDS;
  }

  /** Publishes every retained projection: on start and after reconnecting to the broker. */
  private publishAll(): void {
    const { clock } = this.opts;
    for (const id of this.dir.departments.keys()) this.publishDept(this.depts.get(id)!);
    for (const dev of this.dir.devices.values()) this.publish(buildTopic({ kind: 'device-config', deviceId: dev.id }), deviceConfig(dev, this.dir, this.dirVersion));
    for (const id of this.dir.people.keys()) this.publishPerson(this.people.get(id)!, true);
    this.publishBroadcasts(true);
    this.publish(buildTopic({ kind: 'hub-status' }), { online: true, since: clock.now().toISOString() });
  }

  /**
   * RT-3: the retained broadcast list, when what it shows changed: after a change, and when a
   * broadcast starts or expires (the sweep runs at those instants: `nextDue`).
   */
  private publishBroadcasts(force = false): void {
    const now = this.opts.clock.now();
    const list = broadcastList(this.broadcasts.values(), now);
    const live = [...this.broadcasts.values()].filter((b) => broadcastActive(b, now)).map((b) => b.id);
    const key = JSON.stringify([list.rev, list.broadcasts.map((b) => b.id), live.sort()]);
    if (!force && key === this.broadcastSent) return;
    this.broadcastSent = key;
    this.publish(buildTopic({ kind: 'broadcast' }), list);
  }

  private publishDept(rec: DeptRecord): void {
    if (!this.dir.departments.has(rec.deptId)) return;
    this.publish(buildTopic({ kind: 'dept-public', deptId: rec.deptId }), deptPublic(this.state, rec, this.opts.clock.now()));
  }

  /**
   * Publishes a person's projections. The public one goes out only when what it shows changed
   * (a diversion *to* someone changes only their own view): half the fan-out per diversion.
   */
  private publishPerson(rec: PersonRecord, force = false): void {
    const dir = this.dir;
    if (!dir.people.has(rec.personId)) return;
    const pub = personPublic(rec, dir);
    const { rev: _rev, updatedAt: _at, ...shown } = pub;
    const key = JSON.stringify(shown);
    if (force || this.publicSent.get(rec.personId) !== key) {
      this.publicSent.set(rec.personId, key);
      this.publish(buildTopic({ kind: 'person-public', personId: rec.personId }), pub);
      this.publish(buildTopic({ kind: 'dept-member', deptId: pub.deptId, personId: rec.personId }), pub);
    }
    this.publish(buildTopic({ kind: 'person-own', personId: rec.personId }), personOwn(rec, dir, this.divertersTo(rec.personId), this.pbxSync.statusOf(rec.personId), this.messagesOf(rec.personId)));
  }

  /** `raw` sends `body` as it is: an empty retained payload clears a topic. */
  private publish(topic: string, body: unknown, retain = true, raw = false): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    return new Promise((resolve) => {
      client.publish(topic, raw ? String(body) : JSON.stringify(body), { qos: 1, retain }, (err) => {
        if (err) this.log.warn('publish failed', { topic, err: err.message });
        resolve();
      });
    });
  }

  private onMessage(topic: string, payload: Buffer, retained = false): void {
    const t = parseTopic(topic);
    if (t?.kind === 'device-status') {
      if (!this.fleet.status(t.deviceId, payload, this.now(), retained)) this.log.warn('unreadable device status', { device: t.deviceId });
      return;
    }
    if (t?.kind !== 'device-req') {
      this.log.warn('dropped message on unexpected topic', { topic });
      return;
    }
    // the reply goes out after the projections the change published (step 5 of one press)
    void this.publish(buildTopic({ kind: 'device-res', deviceId: t.deviceId }), this.handleRequest(t.deviceId, payload), false);
  }

  /**
   * One request from a device, as its `req` topic brings it: decode (size, JSON, op, schema) →
   * the device's actor → a policy command → `execute` → the reply for its `res` topic. Never
   * throws: a refusal is `ok:false` with its code (and rule, field; the fleet view keeps it),
   * and nothing changes then; an unexpected error is logged and answered `internal`.
   */
  handleRequest(deviceId: string, payload: Buffer): Response {
    const seen: { id: string | null; op?: string } = { id: null };
    try {
      return this.answerRequest(deviceId, payload, seen);
    } catch (err) {
      try {
        this.log.error('request failed', { device: deviceId, op: seen.op, err: err instanceof Error ? err.stack : String(err) });
      } catch {
        // the device still gets its answer
      }
      return { id: seen.id, ok: false, error: { code: 'internal', message: 'internal error; the hub has logged it' } };
    }
  }

  /** `handleRequest` without the last guard; `seen` keeps the request's id and op for it. */
  private answerRequest(deviceId: string, payload: Buffer, seen: { id: string | null; op?: string }): Response {
    const decoded = decodeRequest(payload);
    if (!decoded.ok) {
      seen.id = decoded.id;
      this.log.info('request refused', { device: deviceId, code: decoded.error.code, msg: decoded.error.message });
      this.fleet.refused(deviceId, { at: this.now(), code: decoded.error.code, rule: decoded.error.rule });
      return { id: decoded.id, ok: false, error: decoded.error.toBody() };
    }
    const req = decoded.value;
    seen.id = req.id;
    seen.op = req.op;
    try {
      const actor = actorForDevice(this.dir, deviceId);
      const data = this.execute(actor, requestToCommand(actor, req), req.args);
      return data === undefined ? { id: req.id, ok: true } : { id: req.id, ok: true, data };
    } catch (err) {
      if (!(err instanceof OmstilError)) throw err;
      this.log.info('request refused', { device: deviceId, op: req.op, code: err.code, rule: err.rule });
      this.fleet.refused(deviceId, { at: this.now(), code: err.code, rule: err.rule, op: req.op });
      return { id: req.id, ok: false, error: err.toBody() };
    }
  }

  /**
   * Applies one change from any source: decide (pure policy) → commit (durable) → publish →
   * PBX. Throws OmstilError (with the rule) when the policy refuses; nothing changes then.
   */
  execute(actor: Actor, cmd: Command, detail: unknown = cmd): unknown {
    const now = this.opts.clock.now();
    const outcome = applyCommand(this.state, actor, cmd, now);
    if (outcome.people.length || outcome.depts.length || outcome.messages.length || outcome.broadcasts.length) {
      // a message's caller data stays in its record: the journal gets what the policy says (AS-1)
      const journal = outcome.journal === undefined ? detail : outcome.journal;
      this.commit(outcome.people, outcome.depts, { at: now.toISOString(), actor: actorName(actor), op: cmd.op, detail: journal }, outcome.messages, outcome.broadcasts);
    }
    return outcome.data;
  }

  private commit(people: PersonRecord[], depts: DeptRecord[], entry: Parameters<Store['commit']>[2], messages: readonly MessageRecord[] = [], broadcasts: readonly BroadcastRecord[] = []): void {
    this.opts.store.commit(people, depts, entry, messages, broadcasts); // durable before anything is published or acknowledged
    for (const rec of people) this.setPerson(rec);
    for (const rec of depts) this.depts.set(rec.deptId, rec);
    for (const m of messages) this.messages.set(m.id, m);
    for (const b of broadcasts) this.broadcasts.set(b.id, b);
    if (messages.length) this.messageIndex = null;
    // A change of departments (closures), messages or broadcasts: the sweep recomputes everything
    // at once. A change of people alone changes nobody else's presence and no department (a
    // presence follows from the person's own record and the department's hours; commands already
    // set it): the sweep is due at their own next ends, not at once. A sweep over every person
    // costs time in proportion to the municipality (~30-85 ms a second at 20,000 people) and
    // stalled every request behind it after each press (bench/fleet.ts).
    if (depts.length || messages.length || broadcasts.length) this.due = 0;
    else for (const rec of people) this.due = Math.min(this.due, personDue(rec));
    for (const rec of people) this.publishPerson(rec);
    // AS-1/AS-4: everyone whose own topic shows a new or changed message (their leaders follow it)
    const shown = new Set(people.map((p) => p.personId));
    for (const m of messages) {
      for (const id of this.audienceOf(m)) {
        if (shown.has(id)) continue;
        shown.add(id);
        const rec = this.people.get(id);
        if (rec) this.publishPerson(rec);
      }
    }
    for (const rec of depts) this.publishDept(rec);
    // RT-3: a broadcast added or ended early is announced at once
    if (broadcasts.length) this.publishBroadcasts();
    this.pbxSync.changed(people, depts.length > 0);
    for (const l of this.commitListeners) {
      try {
        l(people, entry);
      } catch (err) {
        this.log.error('commit listener failed', { err: (err as Error).stack });
      }
    }
  }

  /** Every second: a new directory import, and whatever time has changed (PR-1, PH-1, PH-3, DV-1 ends). */
  private tick(force = false): void {
    try {
      const version = this.opts.store.directoryVersion();
      if (version > this.dirVersion) this.reloadDirectory();
      const now = this.opts.clock.now();
      if (!force && now.getTime() < this.due) return;
      const changed = refresh(this.state, now);
      if (changed.people.length || changed.depts.length || changed.messages.length) {
        // AS-4: escalations are journalled without the caller's data (messageJournal)
        const messages = changed.messages.length ? { messages: changed.messages.map(messageJournal) } : {};
        this.commit(changed.people, changed.depts, { at: now.toISOString(), actor: 'hub', op: 'refresh', detail: { people: changed.people.map((c) => c.personId), depts: changed.depts.map((d) => d.deptId), ...messages } }, changed.messages);
      }
      this.publishBroadcasts(); // RT-3: one started or expired
      this.due = nextDue(this.state, now).getTime();
      this.forgetDoneMessages(now);
    } catch (err) {
      this.log.error('refresh failed; will retry', { err: (err as Error).stack });
    }
  }

  /** AS-4: done messages older than a week leave memory; the store keeps them (the audit trail). */
  private forgetDoneMessages(now: Date): void {
    const before = now.getTime() - KEEP_DONE_MS;
    for (const [id, m] of this.messages) if (m.status === 'done' && Date.parse(m.updatedAt) < before) this.messages.delete(id);
  }

  /**
   * RT-1: a new directory was imported. People, departments and devices that are gone have
   * their retained topics cleared (their records stay in the store); diversions to someone
   * gone end; everything else is published again.
   */
  private reloadDirectory(): void {
    const stored = this.opts.store.loadDirectory();
    if (!stored) return;
    let next: Directory;
    try {
      next = Directory.parse(stored.data, `directory version ${stored.version}`);
    } catch (err) {
      this.log.error('stored directory is invalid; keeping the one in force', { version: stored.version, err: (err as Error).message });
      this.dirVersion = stored.version;
      return;
    }
    const old = this.dir;
    this.dir = next;
    this.fleet.setDirectory(next);
    this.dirVersion = stored.version;
    this.messageIndex = null; // group members may have changed
    const clear = (topic: string) => void this.publish(topic, '', true, true);
    for (const p of old.people.values()) {
      if (next.people.has(p.id)) continue;
      clear(buildTopic({ kind: 'person-public', personId: p.id }));
      clear(buildTopic({ kind: 'person-own', personId: p.id }));
      clear(buildTopic({ kind: 'dept-member', deptId: p.dept, personId: p.id }));
      this.people.delete(p.id);
      this.diverters = null;
      this.publicSent.delete(p.id);
    }
    for (const p of next.people.values()) {
      const before = old.people.get(p.id);
      if (before && before.dept !== p.dept) clear(buildTopic({ kind: 'dept-member', deptId: before.dept, personId: p.id }));
    }
    for (const d of old.devices.keys()) if (!next.devices.has(d)) clear(buildTopic({ kind: 'device-config', deviceId: d }));
    for (const d of old.departments.keys()) {
      if (next.departments.has(d)) continue;
      clear(buildTopic({ kind: 'dept-public', deptId: d }));
      this.depts.delete(d);
    }
    this.fillIn(this.opts.clock.now());
    this.log.info('directory reloaded', { version: stored.version, source: stored.source, people: next.people.size, devices: next.devices.size });
    // diversions to someone no longer in the directory end (DV-4: no dead ends)
    const hub: Actor = { source: 'hub', id: 'directory', personId: null };
    for (const rec of [...this.people.values()]) {
      if (rec.diversion && !next.target(rec.diversion.to)) this.execute(hub, { op: 'undivert', person: rec.personId }, { reason: 'target removed from the directory', to: rec.diversion.to });
    }
    this.tick(true); // presence and department boards under the new directory
    this.publicSent.clear();
    this.publishAll();
    void this.reconcile();
  }

  /** Reads the PBX back and repairs it (see PbxSync); the number of repairs. */
  reconcile(): Promise<number> {
    return this.pbxSync.reconcile();
  }

  /** What a person's own phone shows about the PBX (pending forward, a desk-phone forward taken in or refused). */
  pbxStatus(personId: string): PbxStatus {
    return this.pbxSync.statusOf(personId);
  }

  /** Waits until every change so far has been pushed to the PBX (or has failed and waits for a retry). */
  pbxFlushed(): Promise<void> {
    return this.pbxSync.flush();
  }
}

function actorName(actor: Actor): string {
  return actor.source === 'phone' ? actor.id : `${actor.source}:${actor.id}`;
}
