/**
 * Child processes of the benchmark (the Agora server, the baseline, the trace instances): start,
 * wait for /health, sample memory, stop — and never leave one running, whatever happens to the
 * harness (normal end, error, Ctrl-C, kill).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: used on the way out, when nothing can be awaited). */
function killAllNow() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

let installed = false;
/** Installs the exit hooks once: children die with the harness. */
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping the servers`);
      killAllNow();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  child: ChildProcess;
  /** The last lines of its log (for error messages). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` in `cwd` with `env`, output to `logFile`, and waits until `GET url/health`
 * answers 200 (at most `timeoutMs`).
 * @throws when the process exits or never becomes healthy; its log tail is in the message.
 */
export async function startServer(opts: {
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  timeoutMs?: number;
}): Promise<Server> {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      children.delete(child);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const tail = (n = 30) => {
    try {
      return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
    } catch {
      return '';
    }
  };
  const server: Server = {
    name: opts.name,
    pid: child.pid!,
    url,
    logFile: opts.logFile,
    child,
    tail,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${opts.name} ${exited} before answering /health. Log ${opts.logFile}:\n${tail()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return server;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${opts.name} did not answer GET /health with 200 within ${(opts.timeoutMs ?? 60_000) / 1000} s. Log ${opts.logFile}:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status), or undefined. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` returns the peak (bytes). */
export function sampleRss(pid: number, everyMs = 100): { stop(): number | undefined } {
  let peak: number | undefined;
  const take = () => {
    const v = rssBytes(pid);
    if (v !== undefined && (peak === undefined || v > peak)) peak = v;
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

let clockTicks: number | undefined;
/** CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat; undefined off Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clockTicks = 100;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}
