/**
 * Device requests as policy commands: a phone's request names its own person unless a
 * leader names one of their staff (PR-4, checked by the policy).
 */
import { OmstilError, type Request } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import type { Actor, Command } from '../policy/commands.js';
import { newMessageId } from './message-id.js';

export function actorForDevice(dir: Directory, deviceId: string): Actor {
  const device = dir.devices.get(deviceId);
  if (!device) throw new OmstilError('unknown-device', `unknown device "${deviceId}"`, { field: 'device' });
  // a kiosk acts as a phone without a person: every person op is refused with no-person
  return { source: 'phone', id: deviceId, personId: device.person };
}

/** `newId` names a message taken by `take-message` (tests pass their own). */
export function requestToCommand(actor: Actor, req: Request, newId: () => string = newMessageId): Command {
  const own = () => {
    if (actor.personId === null) {
      throw new OmstilError('no-person', `${req.op} needs a phone that belongs to a person; ${actor.id} has none`, {
        field: 'device',
        text: { da: 'Det kan kun gøres fra en medarbejders telefon.', en: "only an employee's phone can do that" },
      });
    }
    return actor.personId;
  };
  switch (req.op) {
    case 'divert':
      return { op: 'divert', person: req.args.person ?? own(), target: req.args.target, until: req.args.until ?? null };
    case 'undivert':
      return { op: 'undivert', person: req.args.person ?? own() };
    case 'accept-diversion':
    case 'decline-diversion':
      return { op: req.op, person: own(), from: req.args.from };
    case 'set-absence':
      return {
        op: 'set-status',
        person: req.args.person ?? own(),
        kind: null,
        until: req.args.until,
        reason: req.args.reason ?? null,
        divertTo: req.args.divertTo ?? null,
        ...(req.args.autoReply ? { autoReply: true } : {}),
      };
    case 'clear-absence':
      return { op: 'clear-status', person: req.args.person ?? own() };
    // AS-1: any phone or kiosk takes a message; AS-4: the recipient moves it on (checked by the policy)
    case 'take-message':
      return { op: 'take-message', id: newId(), for: req.args.for, callerName: req.args.callerName, callerNumber: req.args.callerNumber, text: req.args.text, callerInformed: req.args.callerInformed ?? false };
    case 'message-status':
      return { op: 'message-status', message: req.args.message, status: req.args.status };
  }
}
