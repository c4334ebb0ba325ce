/** PH-3: what callers hear and reception shows during a closure, generated when none was written. */
import type { Texts } from '../../protocol/index.js';
import type { ClosureRecord } from '../state/dept-record.js';
import { formatWhen } from './hours/hours-text.js';

export function closureText(deptName: string, closure: ClosureRecord, at: Date): Texts {
  if (closure.message) return closure.message;
  const end = new Date(closure.end);
  const offer = {
    message: { da: ' Læg en besked, så vender vi tilbage.', en: ' Leave a message and we will get back to you.' },
    callback: { da: ' Læg dit nummer, så ringer vi dig op.', en: ' Leave your number and we will call you back.' },
    fallback: { da: '', en: '' },
  }[closure.offer];
  return {
    da: `${deptName} er lukket indtil ${formatWhen(at, end, 'da', 'dated')}.${offer.da}`,
    en: `${deptName} is closed until ${formatWhen(at, end, 'en', 'dated')}.${offer.en}`,
  };
}
