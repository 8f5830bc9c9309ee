/**
 * Tests that need Docker or Chromium call these at the top. Locally a missing
 * requirement skips the suite with the reason; in CI (CI is set) it fails, so a
 * green CI always means the real engine and browser were exercised.
 */
import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';

export const inCI = Boolean(process.env.CI);

function requirement(name: string, present: () => boolean, fix: string): string | false {
  if (present()) return false;
  const reason = `${name} is not available: ${fix}`;
  if (inCI) throw new Error(`CI requires ${reason}`);
  return reason;
}

let dockerAnswered: boolean | undefined;
export function dockerAnswers(): boolean {
  dockerAnswered ??= (() => {
    try {
      execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {stdio: 'ignore', timeout: 10_000});
      return true;
    } catch {
      return false;
    }
  })();
  return dockerAnswered;
}

/** For `describe(name, {skip: needDocker()}, ...)`: false when Docker answers, else the skip reason (throws in CI). */
export const needDocker = () => requirement('the Docker engine', dockerAnswers, 'run `bash scripts/ensure-docker.sh`');

export const CHROMIUM = '/usr/bin/chromium';
export const needChromium = () =>
  requirement('Chromium', () => existsSync(CHROMIUM), 'run `apt-get install -y --no-install-recommends chromium`');

let registryAnswered: boolean | undefined;
/** For tests that install packages: false when the npm registry answers `npm ping`, else the skip reason (throws in CI). */
export const needNpmRegistry = () =>
  requirement(
    'the npm registry',
    () =>
      (registryAnswered ??= (() => {
        try {
          execFileSync('npm', ['ping'], {stdio: 'ignore', timeout: 30_000});
          return true;
        } catch {
          return false;
        }
      })()),
    'connect this machine to the registry npm is configured with (`npm config get registry`)',
  );

/** The one-machine cluster (`npm run cluster`): root (network namespaces), nginx, redis-server and dockerd. */
export const needCluster = () =>
  requirement(
    'the cluster tools (root, nginx, redis-server, dockerd)',
    () => process.getuid?.() === 0 && ['nginx', 'redis-server', 'dockerd'].every((tool) => {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
        return true;
      } catch {
        return false;
      }
    }) && dockerAnswers(),
    'run `bash scripts/install-system-deps.sh --cluster` as root',
  );
