/**
 * `docusaurus-sandbox doctor`: can this machine run sandboxes as configured?
 * Checks the engine, each environment's image, the tools the launcher needs
 * inside each image (by running a tiny hardened container through the same
 * path a session takes, one seeded file included) and each OCI runtime the
 * configuration names or the engine registers besides runc.
 */
import {hostname} from 'node:os';
import type Dockerode from 'dockerode';
import type {EnvironmentConfig, SandboxConfig} from '../../config/index.js';
import {systemClock, type Clock} from '../clock.js';
import {DockerRuntime} from './docker.js';
import type {EngineInfo} from './types.js';

/** What the launcher and the seeding need inside every image. */
export const REQUIRED_TOOLS = ['sh', 'tar', 'base64', 'head', 'stty'] as const;

const PROBE_TIMEOUT = 30_000;
const PROBE_OUTPUT_LIMIT = 64 * 1024;
const DONE_MARKER = 'doctor-probe-done';

export interface ProbeResult {
  ok: boolean;
  /** Tools of REQUIRED_TOOLS the image lacks. */
  missing: string[];
  detail: string;
}

export interface EnvironmentReport {
  name: string;
  image: string;
  runtime?: string;
  present: boolean;
  /** Absent when the image is missing or the engine is down. */
  probe?: ProbeResult;
}

export interface RuntimeReport {
  name: string;
  registered: boolean;
  works: boolean;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  engine: EngineInfo;
  environments: EnvironmentReport[];
  runtimes: RuntimeReport[];
  /** One line per problem, each with its fix. */
  problems: string[];
}

/** Runtimes that are the engine's default under other names. */
const DEFAULT_RUNTIMES = new Set(['runc', 'io.containerd.runc.v2', 'io.containerd.runtime.v1.linux']);

const PROBE_COMMAND = `for tool in ${REQUIRED_TOOLS.join(' ')}; do command -v "$tool" >/dev/null 2>&1 || echo "missing:$tool"; done; test -f .doctor && echo ${DONE_MARKER}`;

/** Runs the probe in a hardened container; never throws. */
export async function probeEnvironment(runtime: DockerRuntime, name: string, env: EnvironmentConfig, clock: Pick<Clock, 'now'> = systemClock): Promise<ProbeResult> {
  let output = '';
  try {
    const container = await runtime.start(
      {
        sessionId: `doctor-${process.pid}-${clock.now().toString(36)}`,
        envName: name,
        env,
        files: [{path: '.doctor', content: 'probe\n'}],
        cmd: PROBE_COMMAND,
        interactive: false,
        cols: 80,
        rows: 24,
      },
      {signal: AbortSignal.timeout(PROBE_TIMEOUT)},
    );
    try {
      container.stream.on('data', (chunk: Buffer) => {
        if (output.length < PROBE_OUTPUT_LIMIT) output += chunk.toString('utf8');
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), PROBE_TIMEOUT);
      });
      const exit = await Promise.race([container.exited, timedOut]);
      clearTimeout(timer);
      if (exit === 'timeout') return {ok: false, missing: [], detail: `the probe did not end within ${PROBE_TIMEOUT / 1000} s`};
      const missing = [...output.matchAll(/missing:(\w+)/g)].map((match) => match[1]!);
      const seeded = output.includes(DONE_MARKER);
      const ok = exit.code === 0 && missing.length === 0 && seeded;
      const detail = ok
        ? `tools ${REQUIRED_TOOLS.join(' ')} present; seeding works`
        : `exit code ${exit.code}${missing.length ? `; missing ${missing.join(', ')}` : ''}${seeded ? '' : '; the seeded file did not arrive'}: ${output.trim().slice(0, 300)}`;
      return {ok, missing, detail};
    } finally {
      await container.remove();
    }
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return {ok: false, missing: [], detail: `${error instanceof Error ? error.message : String(error)}${cause}`};
  }
}

export interface DoctorOptions {
  docker?: Dockerode;
  /** Skip running probe containers (faster; only presence is checked). */
  probe?: boolean;
}

export async function doctor(config: SandboxConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const runtime = new DockerRuntime({
    instanceId: `doctor-${hostname()}-${process.pid}`,
    ...(options.docker === undefined ? {} : {docker: options.docker}),
  });
  const problems: string[] = [];
  const engine = await runtime.engine();
  const environments: EnvironmentReport[] = [];
  const runtimes: RuntimeReport[] = [];
  if (!engine.reachable) {
    problems.push(`the Docker engine does not answer (${engine.error ?? 'unknown error'}): run \`bash scripts/ensure-docker.sh\` or start Docker`);
    for (const [name, env] of Object.entries(config.environments)) {
      environments.push({name, image: env.image, ...(env.runtime ? {runtime: env.runtime} : {}), present: false});
    }
    return {ok: false, engine, environments, runtimes, problems};
  }

  for (const [name, env] of Object.entries(config.environments)) {
    let present = false;
    try {
      present = await runtime.hasImage(env.image);
    } catch (error) {
      problems.push(`${name}: could not inspect ${env.image}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const report: EnvironmentReport = {name, image: env.image, ...(env.runtime ? {runtime: env.runtime} : {}), present};
    if (!present) {
      problems.push(`${name}: image ${env.image} is missing: run \`docusaurus-sandbox images build\` (bundled) or build/pull it`);
    } else if (env.runtime !== undefined && !engine.runtimes.includes(env.runtime)) {
      problems.push(`${name}: runtime "${env.runtime}" is not registered with the engine: add it to /etc/docker/daemon.json`);
    } else if (options.probe !== false) {
      report.probe = await probeEnvironment(runtime, name, env);
      if (!report.probe.ok) problems.push(`${name}: ${env.image} cannot run sandboxes: ${report.probe.detail}`);
    }
    environments.push(report);
  }

  // Each non-default runtime: registered ones and those an environment names.
  const wanted = new Set([
    ...engine.runtimes.filter((name) => !DEFAULT_RUNTIMES.has(name)),
    ...Object.values(config.environments).flatMap((env) => (env.runtime ? [env.runtime] : [])),
  ]);
  const probeEnv = environments.find((env) => env.present);
  for (const name of [...wanted].sort()) {
    const registered = engine.runtimes.includes(name);
    if (!registered) {
      runtimes.push({name, registered, works: false, detail: 'not registered with the engine'});
      continue;
    }
    if (probeEnv === undefined || options.probe === false) {
      runtimes.push({name, registered, works: false, detail: 'not tried (no image present or probes off)'});
      continue;
    }
    const env = config.environments[probeEnv.name]!;
    const result = await probeEnvironment(runtime, probeEnv.name, {...env, runtime: name});
    runtimes.push({name, registered, works: result.ok, detail: result.ok ? `runs ${probeEnv.image}` : result.detail});
    if (!result.ok && Object.values(config.environments).some((environment) => environment.runtime === name)) {
      problems.push(`runtime ${name} is registered but does not run sandboxes: ${result.detail}`);
    }
  }
  return {ok: problems.length === 0, engine, environments, runtimes, problems};
}

/** The report for humans, one line per fact. */
export function formatDoctorReport(report: DoctorReport): string {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  const lines: string[] = [];
  const {engine} = report;
  lines.push(
    engine.reachable
      ? `${mark(true)} Docker engine ${engine.version ?? '?'} (runtimes: ${engine.runtimes.join(', ') || 'none'})`
      : `${mark(false)} Docker engine unreachable: ${engine.error ?? 'unknown error'}`,
  );
  for (const env of report.environments) {
    const runtime = env.runtime ? ` [runtime ${env.runtime}]` : '';
    if (!env.present) lines.push(`${mark(false)} ${env.name}: ${env.image}${runtime} missing`);
    else if (env.runtime !== undefined && !engine.runtimes.includes(env.runtime)) {
      lines.push(`${mark(false)} ${env.name}: ${env.image}${runtime}: runtime not registered`);
    } else if (env.probe === undefined) lines.push(`${mark(true)} ${env.name}: ${env.image}${runtime} present (not probed)`);
    else lines.push(`${mark(env.probe.ok)} ${env.name}: ${env.image}${runtime}: ${env.probe.detail}`);
  }
  for (const runtime of report.runtimes) {
    lines.push(`${mark(runtime.works)} runtime ${runtime.name}: ${runtime.works ? 'works' : runtime.detail}${runtime.works ? ` (${runtime.detail})` : ''}`);
  }
  if (report.problems.length > 0) {
    lines.push('', `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}:`);
    for (const problem of report.problems) lines.push(`  - ${problem}`);
  } else {
    lines.push('', 'All checks passed.');
  }
  return lines.join('\n');
}
