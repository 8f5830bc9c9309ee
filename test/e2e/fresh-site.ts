/**
 * A fresh site as a new author makes it: `create-docusaurus` 3.10's classic
 * TypeScript template (built by rspack, through the `future.v4` flag and the
 * `@docusaurus/faster` dependency it ships), the packed package and the
 * backend's packages installed with the README's own install line, the plugins
 * registered and a first block written as the README's "Add it to your site"
 * says. Plus what real sites have: a French locale with the block translated, a
 * `baseUrl` of `/sub/`, and theme-classic's `MDXComponents` ejected (left as
 * Docusaurus writes it, knowing no `Sandbox`).
 *
 * Needs the npm registry (or a warm npm cache) and `npm run build` first
 * (`npm pack` packs dist/). `npm install` of the site's ~1,400 packages takes
 * most of the time: ~100 s on a 2-core machine with a warm cache.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from './harness.js';

const CREATE_DOCUSAURUS = 'create-docusaurus@3.10.2';
export const BASE_URL = '/sub/';

export interface FreshSite {
  dir: string;
  /** The site's own `node_modules/.bin/docusaurus-sandbox`, from the packed package. */
  cli: string;
  /** The README's first block as written in `docs/intro.mdx`. */
  englishBlock: string;
  /** Its French translation in `i18n/fr/…/intro.mdx`. */
  frenchBlock: string;
}

/**
 * Runs a command to its end; a failure says which and shows its output's end.
 * Asynchronous, so a server this process reads from keeps being read meanwhile.
 */
export function run(command: string, args: string[], cwd: string, timeoutMs = 300_000, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: {...process.env, npm_config_audit: 'false', npm_config_fund: 'false', FORCE_COLOR: '0', NO_COLOR: '1', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-64_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ? `${signal}, after ${timeoutMs / 1000} s at most` : `status ${code}`}):\n${output.slice(-8000)}`));
    });
  });
}

/** The README section's text, from its heading to the next one. */
function readmeSection(title: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${title}\n`);
  assert.ok(start >= 0, `the README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Replaces each `from` (which must be there, once) with its `to`. */
function edit(text: string, edits: Array<[string, string]>, what: string): string {
  return edits.reduce((result, [from, to]) => {
    assert.equal(result.split(from).length, 2, `${what} has ${JSON.stringify(from)} once`);
    return result.replace(from, to);
  }, text);
}

/**
 * The template's config with step 2 of the section (the remark plugin for docs,
 * blog and pages, and the plugin), the site under `baseUrl` and a French locale.
 */
function configureSite(config: string): string {
  return edit(
    config,
    [
      ["import type * as Preset from '@docusaurus/preset-classic';\n", "import type * as Preset from '@docusaurus/preset-classic';\nimport sandbox from 'docusaurus-sandbox/remark';\n"],
      ["          sidebarPath: './sidebars.ts',\n", "          sidebarPath: './sidebars.ts',\n          remarkPlugins: [sandbox],\n"],
      ['          showReadingTime: true,\n', '          showReadingTime: true,\n          remarkPlugins: [sandbox],\n'],
      ['        theme: {\n', '        pages: {remarkPlugins: [sandbox]},\n        theme: {\n'],
      ['  presets: [\n', "  plugins: ['docusaurus-sandbox'],\n  presets: [\n"],
      ["  baseUrl: '/',\n", `  baseUrl: '${BASE_URL}',\n`],
      ["    locales: ['en'],\n", "    locales: ['en', 'fr'],\n"],
    ],
    "the template's docusaurus.config.ts",
  );
}

/** A component of the site's own that imports `@theme/Sandbox` and its props (for `npm run typecheck`). */
const OWN_COMPONENT = `import Sandbox, {type Props} from '@theme/Sandbox';
import type {ReactNode} from 'react';

/** A block with a frame around it. */
export default function FramedSandbox(props: Props): ReactNode {
  const block: string = props.block;
  return (
    <div style={{border: '1px solid'}}>
      <Sandbox block={block} display={props.display} />
    </div>
  );
}
`;

/** Creates the site in `workDir/my-site` and builds it. */
export async function createFreshSite(workDir: string): Promise<FreshSite> {
  const section = readmeSection('Add it to your site');
  const backendInstall = /^npm install ("[^\n]+)$/m.exec(section)?.[1];
  assert.ok(backendInstall, "the section shows the backend's npm install line");
  const englishBlock = /````markdown\n([\s\S]+?)\n````/.exec(section)?.[1] ?? '';
  assert.ok(englishBlock.startsWith('```sandbox '), 'the section shows a first block');
  assert.ok(englishBlock.includes("'Hello from Node'") && englishBlock.includes('title="Hello"'), `the first block is the README's: ${englishBlock}`);
  const frenchBlock = englishBlock.replace("'Hello from Node'", "'Bonjour de Node'").replace('title="Hello"', 'title="Bonjour"');

  await run('npx', ['--yes', CREATE_DOCUSAURUS, 'my-site', 'classic', '--typescript', '--skip-install', '--package-manager', 'npm'], workDir);
  const dir = join(workDir, 'my-site');
  const template = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {dependencies: Record<string, string>};
  assert.ok(template.dependencies['@docusaurus/faster'], 'the template ships Docusaurus Faster (rspack)');

  await run('npm', ['pack', '--pack-destination', workDir, '--ignore-scripts'], ROOT);
  const tarball = readdirSync(workDir).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  // Step 1 and step 4's packages, in one install with the template's own dependencies.
  const backendPackages = [...backendInstall.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
  await run('npm', ['install', '--prefer-offline', join(workDir, tarball), ...backendPackages], dir, 480_000);
  const cli = join(dir, 'node_modules', '.bin', 'docusaurus-sandbox');
  // Step 4's image build, with the site's own CLI (quick when the images are there already).
  await run(cli, ['images', 'build'], dir, 600_000);

  const configFile = join(dir, 'docusaurus.config.ts');
  writeFileSync(configFile, configureSite(readFileSync(configFile, 'utf8')));

  // Step 3, and its translation: the French page is the English one with the block's text translated.
  const intro = `${readFileSync(join(dir, 'docs', 'intro.mdx'), 'utf8')}\n## Run it here\n\n`;
  writeFileSync(join(dir, 'docs', 'intro.mdx'), `${intro}${englishBlock}\n`);
  const frenchDocs = join(dir, 'i18n', 'fr', 'docusaurus-plugin-content-docs', 'current');
  mkdirSync(frenchDocs, {recursive: true});
  writeFileSync(join(frenchDocs, 'intro.mdx'), `${intro.replace('## Run it here', '## Essayez-le ici')}${frenchBlock}\n`);

  await run('npm', ['run', 'swizzle', '@docusaurus/theme-classic', 'MDXComponents', '--', '--eject', '--typescript'], dir, 120_000);
  const ejected = join(dir, 'src', 'theme', 'MDXComponents', 'index.tsx');
  assert.ok(existsSync(ejected), 'the swizzle ejected MDXComponents');
  assert.doesNotMatch(readFileSync(ejected, 'utf8'), /Sandbox/, 'the ejected MDXComponents knows no Sandbox');
  writeFileSync(join(dir, 'src', 'components', 'FramedSandbox.tsx'), OWN_COMPONENT);

  await build(dir);
  return {dir, cli, englishBlock, frenchBlock};
}

/** `npm run build` of the site: every locale, into `build/`. */
export async function build(dir: string): Promise<void> {
  await run('npm', ['run', 'build'], dir, 420_000);
}
