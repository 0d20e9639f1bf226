/**
 * CPU time a process has used so far, all its threads together (Linux `/proc/<pid>/stat`:
 * utime + stime). The bench divides it by messages to show where each message's CPU goes;
 * elsewhere it reports null.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux Node supports

export function cpuSeconds(
  pid: number | undefined,
  opts: { mainThreadOnly?: boolean } = {},
): number | null {
  if (pid === undefined) return null;
  try {
    // A process's main thread has the process's id as its thread id.
    const path = opts.mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const stat = readFileSync(path, 'utf8');
    // Field 2 (comm) may hold spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU time of every process with this command name (`postgres`: the server and all its
 * backends), or null when there are none — then the database runs inside the server (SQLite).
 * On a shared machine this counts other clients' queries too.
 */
export function cpuSecondsOfAll(command: string): number | null {
  let total: number | null = null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== command) continue;
    } catch {
      continue; // gone meanwhile
    }
    const seconds = cpuSeconds(Number(pid));
    if (seconds !== null) total = (total ?? 0) + seconds;
  }
  return total;
}
