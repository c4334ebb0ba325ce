/**
 * What a device knows of the hub's truth, built from retained topics. Pure.
 * Every payload is validated before it is shown; an update older than what the mirror
 * has (lower rev) is dropped, so a late or replayed message can never show old state.
 */
import {
  BroadcastList,
  DeptPublic,
  DeviceConfig,
  HubStatus,
  PersonOwn,
  PersonPublic,
  decodeJson,
  type Broadcast,
  type DeviceKind,
  type DeviceView,
  type Topic,
} from '../protocol/index.js';

export type ApplyResult = 'changed' | 'stale' | 'invalid' | 'ignored';

export class StateMirror {
  config: DeviceConfig | null = null;
  me: PersonOwn | null = null;
  hubOnline = false;
  asOf: string | null = null;
  readonly people = new Map<string, PersonPublic>();
  readonly depts = new Map<string, DeptPublic>();
  /** PR-4: a leader's phone also knows its staff's own state (reasons included, PR-2 allows it) */
  readonly staff = new Map<string, PersonOwn>();
  /** RT-3: the crisis broadcasts not yet expired when the hub sent them (the screen shows those in force by its clock) */
  broadcasts: Broadcast[] = [];
  /** the rev of the broadcast list held (-1: none yet) */
  private broadcastRev = -1;
  /** messages dropped because a newer revision was already shown */
  staleDropped = 0;

  constructor(
    readonly deviceId: string,
    readonly kind: DeviceKind,
  ) {}

  apply(topic: Topic, text: string, now: Date): ApplyResult {
    const r = this.applyInner(topic, text);
    if (r === 'changed' || r === 'stale') this.asOf = now.toISOString();
    if (r === 'stale') this.staleDropped++;
    return r;
  }

  private applyInner(topic: Topic, text: string): ApplyResult {
    // the hub clears the retained topics of people and departments removed from the directory
    if (text === '') return this.clear(topic);
    switch (topic.kind) {
      case 'hub-status': {
        const d = decodeJson(HubStatus, text);
        if (!d.ok) return 'invalid';
        this.hubOnline = d.value.online;
        return 'changed';
      }
      case 'device-config': {
        if (topic.deviceId !== this.deviceId) return 'ignored';
        const d = decodeJson(DeviceConfig, text);
        if (!d.ok || d.value.deviceId !== this.deviceId) return 'invalid';
        if (this.config && d.value.rev < this.config.rev) return 'stale';
        this.config = d.value;
        return 'changed';
      }
      case 'person-own': {
        const d = decodeJson(PersonOwn, text);
        if (!d.ok) return 'invalid';
        if (this.config?.staff.includes(topic.personId) && this.config.personId !== topic.personId) {
          if (d.value.personId !== topic.personId) return 'invalid';
          const prev = this.staff.get(topic.personId);
          if (prev && d.value.rev < prev.rev) return 'stale';
          this.staff.set(topic.personId, d.value);
          return 'changed';
        }
        if (this.config?.personId !== topic.personId) return 'ignored';
        // like the public topics: a payload about someone else is never shown as "me" (PR-2)
        if (d.value.personId !== topic.personId) return 'invalid';
        if (this.me && d.value.rev < this.me.rev) return 'stale';
        this.me = d.value;
        return 'changed';
      }
      case 'person-public':
      case 'dept-member': {
        const d = decodeJson(PersonPublic, text);
        if (!d.ok || d.value.personId !== topic.personId) return 'invalid';
        if (topic.kind === 'dept-member' && d.value.deptId !== topic.deptId) return 'invalid';
        const prev = this.people.get(topic.personId);
        if (prev && d.value.rev < prev.rev) return 'stale';
        this.people.set(topic.personId, d.value);
        return 'changed';
      }
      case 'dept-public': {
        const d = decodeJson(DeptPublic, text);
        if (!d.ok || d.value.deptId !== topic.deptId) return 'invalid';
        const prev = this.depts.get(topic.deptId);
        if (prev && d.value.rev < prev.rev) return 'stale';
        this.depts.set(topic.deptId, d.value);
        return 'changed';
      }
      case 'broadcast': {
        const d = decodeJson(BroadcastList, text);
        if (!d.ok) return 'invalid';
        if (d.value.rev < this.broadcastRev) return 'stale';
        this.broadcastRev = d.value.rev;
        this.broadcasts = d.value.broadcasts;
        return 'changed';
      }
      default:
        return 'ignored';
    }
  }

  private clear(topic: Topic): ApplyResult {
    switch (topic.kind) {
      case 'person-public':
      case 'dept-member':
        return this.people.delete(topic.personId) ? 'changed' : 'ignored';
      case 'person-own':
        return this.staff.delete(topic.personId) ? 'changed' : 'ignored';
      case 'dept-public':
        return this.depts.delete(topic.deptId) ? 'changed' : 'ignored';
      case 'broadcast': {
        const had = this.broadcasts.length > 0;
        this.broadcasts = [];
        this.broadcastRev = -1;
        return had ? 'changed' : 'ignored';
      }
      default:
        return 'ignored';
    }
  }

  view(connected: boolean): DeviceView {
    const people = [...this.people.values()].sort((a, b) => a.name.localeCompare(b.name, 'da'));
    const depts = [...this.depts.values()].sort((a, b) => a.name.localeCompare(b.name, 'da'));
    return {
      deviceId: this.deviceId,
      kind: this.kind,
      connected: connected && this.hubOnline,
      asOf: this.asOf,
      me: this.me,
      preferred: this.config?.preferred ?? [],
      people,
      depts,
      broadcasts: this.broadcasts,
    };
  }
}
