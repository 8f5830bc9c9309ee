/**
 * What `npm pack` puts in the tarball a site installs: the built entry points
 * of every `exports` entry and of the `bin`, the theme (compiled and its
 * TypeScript source for swizzling), LICENSE and README, the files the README
 * and the packed docs link to, and no tests, fixtures or repo-only scripts.
 * Needs `npm run build` first (the tarball lists dist/).
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {posix} from 'node:path';
import {before, describe, it} from 'node:test';
import {backendPackages, type PackageManifest} from '../../server/cli/backend-packages.js';

const ROOT = new URL('../../', import.meta.url);

interface PackedFile {
  path: string;
  size: number;
}

type ExportTarget = string | {[condition: string]: ExportTarget};

interface Manifest extends PackageManifest {
  exports: Record<string, ExportTarget>;
  bin: Record<string, string>;
  files: string[];
  license: string;
  repository?: string | {url: string};
  homepage?: string;
}

function packedFiles(): PackedFile[] {
  const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8'});
  assert.equal(result.status, 0, `npm pack --dry-run failed: ${result.stderr}`);
  const [pack] = JSON.parse(result.stdout) as Array<{files: PackedFile[]}>;
  return pack!.files;
}

function targets(target: ExportTarget): string[] {
  return typeof target === 'string' ? [target] : Object.values(target).flatMap(targets);
}

/** Files under a folder of the repository, as package paths, skipping tests and fixtures. */
function repoFiles(folder: string): string[] {
  return readdirSync(new URL(folder, ROOT), {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile())
    .map((entry) => posix.join(posix.relative(new URL('.', ROOT).pathname, entry.parentPath), entry.name))
    .filter((path) => !/__tests__|__fixtures__/.test(path));
}

/** Relative link targets of a Markdown text, outside code fences, without their #fragment. */
function relativeLinks(markdown: string): string[] {
  let fence: string | undefined;
  const prose: string[] = [];
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) prose.push(line);
  }
  return [...prose.join('\n').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^([a-z]+:|#|\/)/i.test(target))
    .map((target) => target.replace(/#.*$/, ''));
}

describe('the npm package', () => {
  const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as Manifest;
  let files: PackedFile[] = [];
  let paths = new Set<string>();
  const packed = (path: string) => paths.has(path) || [...paths].some((candidate) => candidate.startsWith(path.endsWith('/') ? path : `${path}/`));

  before(() => {
    files = packedFiles();
    paths = new Set(files.map((file) => file.path));
    assert.ok(paths.has('dist/plugin/index.js'), 'dist/ is not built: run npm run build first');
  });

  it('ships no tests, fixtures, test helpers or repo-only scripts', () => {
    const unwanted = [...paths].filter((path) => /(^|\/)(__tests__|__fixtures__|test|helpers)\/|\.test\.[cm]?[jt]sx?$/.test(path));
    assert.deepEqual(unwanted, []);
    const scripts = [...paths].filter((path) => path.startsWith('scripts/')).sort();
    assert.deepEqual(scripts, ['scripts/ensure-docker.sh', 'scripts/install-system-deps.sh'], 'only the scripts a user runs (the server\'s messages name them)');
  });

  it('lists in files only what exists', () => {
    for (const entry of manifest.files.filter((pattern) => !pattern.startsWith('!'))) {
      const prefix = entry.replace(/\/?\*.*$/, '');
      assert.ok(packed(prefix), `files lists ${entry}, which puts nothing in the tarball`);
    }
  });

  it('holds LICENSE (the MIT licence package.json names), README and package.json', () => {
    for (const path of ['LICENSE', 'README.md', 'package.json']) assert.ok(paths.has(path), `${path} is packed`);
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(new URL('LICENSE', ROOT), 'utf8'), /^MIT License\n/);
  });

  it('holds the built file of every exports entry and of the bin', () => {
    const wanted = [...Object.values(manifest.exports).flatMap(targets), ...Object.values(manifest.bin)].map((target) => posix.normalize(target));
    for (const path of wanted) assert.ok(paths.has(path), `${path} (from exports or bin) is packed`);
  });

  it('holds the theme, compiled for Docusaurus and as TypeScript for swizzling', () => {
    const theme = [...repoFiles('theme'), ...repoFiles('dist/theme')];
    assert.ok(theme.some((path) => path.startsWith('dist/theme/Sandbox/')), 'dist/theme is built');
    for (const path of theme) assert.ok(paths.has(path), `${path} is packed`);
  });

  it('resolves every relative link of the packed README and docs to a packed file', () => {
    const markdown = [...paths].filter((path) => path.endsWith('.md'));
    assert.ok(markdown.includes('README.md'));
    const broken: string[] = [];
    for (const file of markdown) {
      for (const link of relativeLinks(readFileSync(new URL(file, ROOT), 'utf8'))) {
        const target = posix.normalize(posix.join(posix.dirname(file), link));
        if (!packed(target)) broken.push(`${file} → ${link}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('keeps the server stack out of a site that only builds, and the README names the install line for those who run it', () => {
    const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
    const backend = backendPackages(manifest);
    assert.ok(backend.length > 0);
    for (const {name, range} of backend) assert.ok(readme.includes(`"${name}@${range}"`), `the README's backend install line names "${name}@${range}"`);
  });

  it('invents no repository or homepage: when present they are https URLs', () => {
    const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
    for (const url of [repository, manifest.homepage]) if (url !== undefined) assert.match(url, /^(git\+)?https:\/\//);
  });
});
