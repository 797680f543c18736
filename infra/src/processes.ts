import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Polls `check` until it returns a truthy value or the deadline passes (then throws, naming `what`). */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  { timeoutMs, intervalMs = 250, what }: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while any process of the group led by `pid` is alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid recorded in the file, if that process still runs. */
export function runningPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export interface DetachedProcess {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/**
 * Starts a process in its own process group (so a Ctrl-C meant for the caller does not reach it and
 * `stopProcessGroup` can end it with everything it spawned), output appended to its log file.
 */
export function startDetached(spec: DetachedProcess): number {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const log = fs.openSync(spec.logFile, 'a');
  try {
    fs.writeSync(log, `\n--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    fs.writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/**
 * SIGTERM to the whole group, then SIGKILL if it has not exited by the deadline.
 * Resolves once no process of the group is left.
 */
export async function stopProcessGroup(pid: number, { timeoutMs = 15_000 } = {}): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!groupAlive(pid) && !isAlive(pid)) return 'not-running';
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const gone = () => !groupAlive(pid) && !isAlive(pid);
  try {
    await waitUntil(gone, { timeoutMs, intervalMs: 100, what: `process ${pid} to stop` });
    return 'stopped';
  } catch {
    signal('SIGKILL');
    await waitUntil(gone, { timeoutMs: 5000, intervalMs: 100, what: `process ${pid} to die` });
    return 'killed';
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '';
  }
}
