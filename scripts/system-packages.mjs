// The Debian packages the tests need (scripts/system-packages.txt): which are missing on this machine, and
// installing them with apt-get where that is possible (as root), so `npm test` works on a fresh clone as it
// does under `.ci/run`. Elsewhere it names the command to run and stops.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const LIST = new URL('./system-packages.txt', import.meta.url);

/** [package, what proves it is there: a path or a command on PATH] for each line of the list. */
export function requiredPackages() {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/));
}

function present(probe) {
  if (probe.startsWith('/')) return existsSync(probe);
  return spawnSync('sh', ['-c', `command -v ${probe}`], { stdio: 'ignore' }).status === 0;
}

export function missingPackages() {
  return requiredPackages()
    .filter(([, probe]) => !present(probe))
    .map(([name]) => name);
}

/** Installs what is missing, or exits with the command a person must run. Quiet when nothing is missing. */
export function ensureSystemPackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const canInstall = process.getuid?.() === 0 && present('apt-get');
  if (!canInstall) {
    console.error(
      `The tests need Debian packages that are not installed. Run, as root:\n  apt-get update && ${command}`,
    );
    process.exit(1);
  }
  console.log(`Installing the Debian packages the tests need: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`apt-get ${args[0]} failed (exit ${r.status}); run it by hand:\n  apt-get update && ${command}`);
      process.exit(1);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemPackages();
