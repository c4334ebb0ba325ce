/** What an import changes (RT-1): added, changed and removed records per kind, for the import report. */
import type { DirectoryData } from './directory.js';

type Kind = 'departments' | 'groups' | 'people' | 'devices';
const KINDS: Kind[] = ['departments', 'groups', 'people', 'devices'];

export interface DirectoryDiff {
  added: Record<Kind, string[]>;
  changed: Record<Kind, string[]>;
  removed: Record<Kind, string[]>;
  /** municipality name or settings */
  settingsChanged: boolean;
}

export function diffDirectories(before: DirectoryData | null, after: DirectoryData): DirectoryDiff {
  const empty = () => ({ departments: [], groups: [], people: [], devices: [] }) as Record<Kind, string[]>;
  const diff: DirectoryDiff = { added: empty(), changed: empty(), removed: empty(), settingsChanged: false };
  diff.settingsChanged = before !== null && (before.municipality !== after.municipality || JSON.stringify(before.settings) !== JSON.stringify(after.settings));
  for (const kind of KINDS) {
    const old = new Map<string, string>((before?.[kind] ?? []).map((x) => [x.id, JSON.stringify(x)]));
    for (const x of after[kind]) {
      const prev = old.get(x.id);
      if (prev === undefined) diff.added[kind].push(x.id);
      else if (prev !== JSON.stringify(x)) diff.changed[kind].push(x.id);
      old.delete(x.id);
    }
    diff.removed[kind].push(...old.keys());
  }
  return diff;
}

/** "3 people added, 1 department changed" or "no changes". */
export function describeDiff(diff: DirectoryDiff): string {
  const parts: string[] = [];
  const noun: Record<Kind, [string, string]> = { departments: ['department', 'departments'], groups: ['group', 'groups'], people: ['person', 'people'], devices: ['device', 'devices'] };
  for (const [what, lists] of [['added', diff.added], ['changed', diff.changed], ['removed', diff.removed]] as const) {
    for (const kind of KINDS) {
      const n = lists[kind].length;
      if (n) parts.push(`${n} ${noun[kind][n === 1 ? 0 : 1]} ${what}`);
    }
  }
  if (diff.settingsChanged) parts.push('municipality settings changed');
  return parts.length ? parts.join(', ') : 'no changes';
}
