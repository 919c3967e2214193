/**
 * What a benchmark result is printed next to: the machine, the commit it was built from, and the other load on
 * the machine (on a shared machine, the noise in every latency figure).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** `2 cores (AMD EPYC …), 24 GB, Debian GNU/Linux 12 (bookworm), Node v20.x`. */
export function describeMachine() {
  const os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(safeRead('/etc/os-release'))?.[1] ?? process.platform;
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GB, ${os}, Node ${process.version}`;
}

/** The short hash of HEAD, with `+ uncommitted changes` when the work tree differs from it. */
export function describeCommit() {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${hash} + uncommitted changes` : hash;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The 1-, 5- and 15-minute load averages, e.g. `0.52 0.81 1.10`. */
export const loadAverage = () => loadavg().map((n) => n.toFixed(2)).join(' ');

/**
 * The processes using the most CPU right now, the benchmark's own (`ownPids`) left out: `ps`'s %CPU is an
 * average over each process's life, so this names the other work rather than measuring it.
 * @returns {string[]} lines such as `vitest 87% (pid 1234)`
 */
export function busiestOtherProcesses(ownPids, top = 5) {
  try {
    const rows = execFileSync('ps', ['-eo', 'pid=,pcpu=,comm=', '--sort=-pcpu'], { encoding: 'utf8' }).trim().split('\n');
    return rows
      .map((row) => row.trim().split(/\s+/))
      .filter(([pid, pcpu]) => !ownPids.includes(Number(pid)) && Number(pcpu) >= 1 && Number(pid) !== process.pid)
      .slice(0, top)
      .map(([pid, pcpu, comm]) => `${comm} ${pcpu}% (pid ${pid})`);
  } catch {
    return [];
  }
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
