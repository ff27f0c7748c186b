import { type ChildProcess, spawn } from 'node:child_process';

/** What a finished command printed and how it ended. */
export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects a started child's output until it exits. `killWhen` SIGKILLs it as soon as its stderr matches (the
 * crash tests); past `timeoutMs` it is killed too, so a hung command fails its test instead of the whole run.
 */
export function finished(child: ChildProcess, opts: { killWhen?: RegExp; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
      if (opts.killWhen?.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Runs a command to its end (see finished), its output piped. */
export function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; killWhen?: RegExp; timeoutMs?: number } = {},
): Promise<Run> {
  const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child, opts);
}

const REPO_ROOT = new URL('../../', import.meta.url).pathname;
/** The published entry point (`npx annalist`). */
const BIN = new URL('../../bin/annalist.js', import.meta.url).pathname;

/**
 * Runs `annalist ARGS` as a person runs it: bin/annalist.js, the esbuild bundle of src/ (rebuilt by it whenever a
 * source is newer), in the repository, with `env` over this process's environment (a key set to undefined is left
 * out: a DATABASE_URL of the test's own, say). Not `--import tsx src/cli.ts`: compiling every module in each child
 * cost about 3 s of CPU per command, in suites that run dozens.
 */
export function runAnnalist(
  args: string[],
  env: Record<string, string | undefined> = {},
  opts: { killWhen?: RegExp; timeoutMs?: number } = {},
): Promise<Run> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return runCommand(process.execPath, [BIN, ...args], {
    ...opts,
    cwd: REPO_ROOT,
    env: merged,
  });
}

/**
 * `annalist serve` (the published entry point) on a free loopback port, with `env` over this process's environment;
 * `started` receives the child at once (to be stopped by the caller even if it never listens). Resolves with its
 * address once it says it listens; rejects if it exits first or takes over a minute.
 */
export function serveAnnalist(env: Record<string, string>, started: (child: ChildProcess) => void): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    // Quiet unless the test asks for a level (LOG_LEVEL in `env`).
    env: { ...process.env, LOG_LEVEL: 'error', ...env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`annalist serve did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`annalist serve exited (${code ?? signal}): ${out}`));
    });
  });
}
