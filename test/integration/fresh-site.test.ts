/**
 * The README's "Add it to your site", done as a new author would: a fresh
 * `create-docusaurus` classic TypeScript site, the packed package and the
 * README's backend install line, the plugins registered as the section shows,
 * a first block, `npm run build`, then `docusaurus-sandbox serve build`: the
 * block answers POST /api/sessions with 201 and passes `check`.
 * Needs the npm registry (or its cache), Docker and `npm run build` first.
 * It takes 3–5 minutes on a 2-core machine, most of it `npm install` of the
 * site's ~1,400 packages, too long for every run of the integration suite: it
 * runs when SANDBOX_TEST_FRESH_SITE=1 is set, and is skipped with that reason
 * otherwise.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CREATE_DOCUSAURUS = 'create-docusaurus@3.10.2';
const OPT_IN = process.env.SANDBOX_TEST_FRESH_SITE === '1';

function run(command: string, args: string[], cwd: string, timeout = 300_000): string {
  const result = spawnSync(command, args, {cwd, encoding: 'utf8', timeout, env: {...process.env, npm_config_audit: 'false', npm_config_fund: 'false'}});
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The README section's text, from its heading to the next one. */
function readmeSection(title: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${title}\n`);
  assert.ok(start >= 0, `the README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Step 2 of the section, applied to the template's config: the remark plugin for docs, blog and pages, and the plugin. */
function registerPlugins(config: string): string {
  const edits: Array<[string, string]> = [
    ["import type * as Preset from '@docusaurus/preset-classic';\n", "import type * as Preset from '@docusaurus/preset-classic';\nimport sandbox from 'docusaurus-sandbox/remark';\n"],
    ["          sidebarPath: './sidebars.ts',\n", "          sidebarPath: './sidebars.ts',\n          remarkPlugins: [sandbox],\n"],
    ['          showReadingTime: true,\n', '          showReadingTime: true,\n          remarkPlugins: [sandbox],\n'],
    ['        theme: {\n', '        pages: {remarkPlugins: [sandbox]},\n        theme: {\n'],
    ['  presets: [\n', "  plugins: ['docusaurus-sandbox'],\n  presets: [\n"],
  ];
  return edits.reduce((text, [from, to]) => {
    assert.ok(text.includes(from), `the template's docusaurus.config.ts has ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, config);
}

describe('a fresh create-docusaurus site, set up as the README says (Docker, npm registry)', {skip: OPT_IN ? needDocker() : 'set SANDBOX_TEST_FRESH_SITE=1 to run it (3–5 minutes, needs the npm registry)', timeout: 600_000}, () => {
  const workDir = mkdtempSync(join(tmpdir(), 'sandbox-fresh-site-'));
  const siteDir = join(workDir, 'my-site');
  let server: ChildProcess | undefined;

  before(async () => {
    await buildImages({envs: ['node']});
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    rmSync(workDir, {recursive: true, force: true});
  });

  it('builds, serves and runs its first block', async () => {
    const section = readmeSection('Add it to your site');
    const backendInstall = /^npm install ("[^\n]+)$/m.exec(section)?.[1];
    assert.ok(backendInstall, "the section shows the backend's npm install line");
    const firstBlock = /````markdown\n([\s\S]+?)\n````/.exec(section)?.[1];
    assert.ok(firstBlock?.startsWith('```sandbox '), 'the section shows a first block');

    run('npx', ['--yes', CREATE_DOCUSAURUS, 'my-site', 'classic', '--typescript', '--skip-install', '--package-manager', 'npm'], workDir);
    run('npm', ['pack', '--pack-destination', workDir, '--ignore-scripts'], ROOT);
    const tarball = join(workDir, readdirSync(workDir).find((name) => name.endsWith('.tgz'))!);

    // Step 1 and step 4's packages, in one install with the template's own dependencies.
    const backendPackages = [...backendInstall.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
    run('npm', ['install', '--prefer-offline', tarball, ...backendPackages], siteDir, 480_000);

    const configFile = join(siteDir, 'docusaurus.config.ts');
    writeFileSync(configFile, registerPlugins(readFileSync(configFile, 'utf8')));
    const intro = join(siteDir, 'docs', 'intro.mdx');
    writeFileSync(intro, `${readFileSync(intro, 'utf8')}\n## Run it here\n\n${firstBlock}\n`);

    run('npm', ['run', 'build'], siteDir);
    const manifest = JSON.parse(readFileSync(join(siteDir, 'build', 'sandbox-manifest.json'), 'utf8')) as {blocks: Array<{id: string; env: string}>};
    assert.equal(manifest.blocks.length, 1);
    assert.equal(manifest.blocks[0]!.env, 'node');

    const started = spawn(join(siteDir, 'node_modules', '.bin', 'docusaurus-sandbox'), ['serve', 'build', '--port', '0', '--log-level', 'warn'], {cwd: siteDir, stdio: ['ignore', 'pipe', 'pipe']});
    server = started;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not listen within 30 s:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (http:\/\/\S+)/.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(listening[1]!);
        }
      };
      started.stdout.on('data', read);
      started.stderr.on('data', read);
      started.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });

    const page = await fetch(new URL('/docs/intro', url));
    assert.equal(page.status, 200);
    const created = await fetch(new URL('/api/sessions', url), {
      method: 'POST',
      headers: {'content-type': 'application/json', origin: new URL(url).origin},
      body: JSON.stringify({block: manifest.blocks[0]!.id}),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const session = (await created.json()) as {id: string; ws: string};
    assert.ok(session.id && session.ws);

    const check = run(join(siteDir, 'node_modules', '.bin', 'docusaurus-sandbox'), ['check', 'build', '--server', url], siteDir, 120_000);
    assert.match(check, /1 passed, 0 failed/);
  });
});
