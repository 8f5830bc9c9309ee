/**
 * A process's name and CPU time from Linux's /proc/<pid>/stat (utime + stime,
 * in ticks of USER_HZ, 100 on Linux); undefined when it cannot be read
 * (process gone, not Linux).
 */
import {readFileSync} from 'node:fs';

const MS_PER_TICK = 1000 / 100;

export function processCpu(pid: number | string): {name: string; cpuMs: number} | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name is in parentheses and may contain spaces: fields count from the last ')'.
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {name, cpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK};
}
