/**
 * Every MQTT topic of omstil is built and parsed here, and nowhere else.
 * Root `omstil/v1/`; ids are `[a-z0-9-]` (see ids.ts).
 */
import { isId } from './ids.js';

export const ROOT = 'omstil/v1';

export type Topic =
  | { kind: 'hub-status' }
  | { kind: 'device-status'; deviceId: string }
  | { kind: 'device-config'; deviceId: string }
  | { kind: 'device-req'; deviceId: string }
  | { kind: 'device-res'; deviceId: string }
  | { kind: 'person-public'; personId: string }
  | { kind: 'person-own'; personId: string }
  | { kind: 'dept-public'; deptId: string }
  | { kind: 'dept-member'; deptId: string; personId: string }
  /** RT-3: crisis broadcasts, hub → all */
  | { kind: 'broadcast' }
  /** OTA (protocol/ota.ts): offer/cancel hub → device, want device → hub, chunk hub → device, progress device → hub */
  | { kind: 'device-ota'; deviceId: string; part: OtaPart };

export const OTA_PARTS = ['offer', 'want', 'chunk', 'progress'] as const;
export type OtaPart = (typeof OTA_PARTS)[number];

export type TopicKind = Topic['kind'];

/** Which topics the hub keeps retained (the truth a device gets on (re)connect). */
export const RETAINED: Record<TopicKind, boolean> = {
  'hub-status': true,
  'device-status': true,
  'device-config': true,
  'device-req': false,
  'device-res': false,
  'person-public': true,
  'person-own': true,
  'dept-public': true,
  'dept-member': true,
  broadcast: true,
  'device-ota': false,
};

export function buildTopic(t: Topic): string {
  switch (t.kind) {
    case 'hub-status':
      return `${ROOT}/hub/status`;
    case 'device-status':
      return `${ROOT}/device/${id(t.deviceId)}/status`;
    case 'device-config':
      return `${ROOT}/device/${id(t.deviceId)}/config`;
    case 'device-req':
      return `${ROOT}/device/${id(t.deviceId)}/req`;
    case 'device-res':
      return `${ROOT}/device/${id(t.deviceId)}/res`;
    case 'person-public':
      return `${ROOT}/person/${id(t.personId)}/public`;
    case 'person-own':
      return `${ROOT}/person/${id(t.personId)}/own`;
    case 'dept-public':
      return `${ROOT}/dept/${id(t.deptId)}/public`;
    case 'dept-member':
      return `${ROOT}/dept/${id(t.deptId)}/member/${id(t.personId)}`;
    case 'broadcast':
      return `${ROOT}/broadcast`;
    case 'device-ota':
      if (!(OTA_PARTS as readonly string[]).includes(t.part)) throw new TypeError(`not an OTA topic part: ${JSON.stringify(t.part)}`);
      return `${ROOT}/device/${id(t.deviceId)}/ota/${t.part}`;
  }
}

/** Parses a concrete topic (no wildcards). Returns null for anything that is not ours. */
export function parseTopic(topic: string): Topic | null {
  const parts = topic.split('/');
  if (parts[0] !== 'omstil' || parts[1] !== 'v1') return null;
  const [, , area, a, b, c, d] = parts;
  const n = parts.length;
  if (area === 'hub' && n === 4 && a === 'status') return { kind: 'hub-status' };
  if (area === 'broadcast' && n === 3) return { kind: 'broadcast' };
  if (area === 'device' && n === 6 && isId(a) && b === 'ota' && (OTA_PARTS as readonly string[]).includes(c!)) {
    return { kind: 'device-ota', deviceId: a, part: c as OtaPart };
  }
  if (area === 'device' && n === 5 && isId(a)) {
    switch (b) {
      case 'status':
        return { kind: 'device-status', deviceId: a };
      case 'config':
        return { kind: 'device-config', deviceId: a };
      case 'req':
        return { kind: 'device-req', deviceId: a };
      case 'res':
        return { kind: 'device-res', deviceId: a };
    }
    return null;
  }
  if (area === 'person' && n === 5 && isId(a)) {
    if (b === 'public') return { kind: 'person-public', personId: a };
    if (b === 'own') return { kind: 'person-own', personId: a };
    return null;
  }
  if (area === 'dept' && isId(a)) {
    if (n === 5 && b === 'public') return { kind: 'dept-public', deptId: a };
    if (n === 6 && b === 'member' && isId(c) && d === undefined) return { kind: 'dept-member', deptId: a, personId: c };
  }
  return null;
}

/** Subscription filters. A phone subscribes to its department's members, never to everyone. */
export const filters = {
  allDeviceReq: `${ROOT}/device/+/req`,
  allDeviceStatus: `${ROOT}/device/+/status`,
  allPersonPublic: `${ROOT}/person/+/public`,
  allDeptPublic: `${ROOT}/dept/+/public`,
  /** RT-3: every device follows the crisis broadcasts */
  broadcast: `${ROOT}/broadcast`,
  deptMembers: (deptId: string) => `${ROOT}/dept/${id(deptId)}/member/+`,
  /** every department's members (an external broker's access rules: public to every device) */
  allDeptMembers: `${ROOT}/dept/+/member/+`,
  /** everything of omstil (the hub's access on an external broker) */
  all: `${ROOT.split('/')[0]}/#`,
  /** the hub: every device's OTA wants and progress */
  allOtaWant: `${ROOT}/device/+/ota/want`,
  allOtaProgress: `${ROOT}/device/+/ota/progress`,
};

function id(value: string): string {
  if (!isId(value)) throw new TypeError(`not an omstil id: ${JSON.stringify(value)}`);
  return value;
}
