/** AS-2: call-back deadlines in Danish workdays, per the department's setting. */
import type { Directory } from '../directory/directory.js';
import { addWorkdays } from './hours/workdays.js';

/** When a call-back promised at `at` for `deptId` is due (1 workday by default, at most 2). */
export function callbackDue(dir: Directory, deptId: string, at: Date): Date {
  return addWorkdays(at, dir.departments.get(deptId)?.callbackWorkdays ?? 1);
}
