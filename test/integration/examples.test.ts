/**
 * Every example an author may copy passes `check`: the blocks of README.md
 * (its own blocks and the Markdown it shows as source) and the Markdown the
 * site's pages show as source, each read by the build's own scanner and run
 * through the same in-process runner `check` uses. The site's rendered blocks
 * are checked by `check site/build` (check.test.ts, CI); here, that its
 * manifest holds every block of every page.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {before, describe, it} from 'node:test';
import type {Code, Root} from 'mdast';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {visit} from 'unist-util-visit';
import {loadConfig, MANIFEST_FILE, TRANSCRIPTS_FILE, type SandboxBlock, type SandboxConfig, type SandboxManifest, type TranscriptsFile} from '../../config/index.js';
import {scanMarkdown} from '../../plugin/remark/scan.js';
import {runCheck} from '../../server/cli/check.js';
import {buildImages} from '../../server/runtime/images.js';
import {plainText} from '../../server/terminal-text.js';
import {needDocker} from '../helpers/requirements.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SITE = join(ROOT, 'site');
const SHOWN_AS_SOURCE = new Set(['markdown', 'md', 'mdx']);

/**
 * The blocks of a page: its own, and those of every Markdown example it shows
 * in a longer fence (```` ```markdown ````), at the example's line in the page.
 */
function pageExamples(text: string, source: string, config: SandboxConfig): {own: SandboxBlock[]; shown: SandboxBlock[]} {
  const own = scanMarkdown(text, {source, config});
  const shown: SandboxBlock[] = [];
  const tree = unified().use(remarkParse).parse(text) as Root;
  visit(tree, 'code', (node: Code) => {
    if (!SHOWN_AS_SOURCE.has(node.lang ?? '') || !node.position) return;
    // The example's first line is the line after the opening fence.
    const offset = node.position.start.line;
    for (const block of scanMarkdown(node.value, {source, config})) shown.push({...block, line: block.line + offset});
  });
  return {own, shown};
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((path) => /\.mdx?$/.test(path))
    .map((path) => join(dir, path))
    .sort();
}

interface JsonReport {
  blocks: Array<{id: string; source: string; line: number; verdict: {status: string; reason?: string; message?: string}; outputTail: string}>;
  passed: number;
  failed: number;
}

/** `check --json --record` on these blocks, through the in-process server `check` starts. */
async function check(blocks: SandboxBlock[]): Promise<{report: JsonReport; transcripts: TranscriptsFile}> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-examples-'));
  const manifest: SandboxManifest = {version: 1, blocks};
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  const out: string[] = [];
  const errors: string[] = [];
  await runCheck(
    {command: 'check', siteDir: dir, configFile: undefined, serverUrl: undefined, jobs: 2, filter: undefined, json: true, junit: undefined, record: true},
    {stdout: {write: (text: string) => out.push(text)}, stderr: {write: (text: string) => errors.push(text)}, cwd: dir, env: {}},
  );
  assert.ok(out.length > 0, errors.join(''));
  const transcripts = JSON.parse(readFileSync(join(dir, TRANSCRIPTS_FILE), 'utf8')) as TranscriptsFile;
  return {report: JSON.parse(out.join('')) as JsonReport, transcripts};
}

const failuresOf = (report: JsonReport) =>
  report.blocks
    .filter((block) => block.verdict.status === 'fail')
    .map((block) => `${block.source}:${block.line} ${block.verdict.reason}: ${block.verdict.message}\n${plainText(block.outputTail).slice(-400)}`);

describe('examples of the README and the site (Docker)', {skip: needDocker()}, () => {
  before(async () => {
    await buildImages({});
  });

  it('every block of README.md passes check, and a recording shows the prompt before the typed answer', {timeout: 180_000}, async () => {
    const {own, shown} = pageExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md', loadConfig());
    const blocks = [...own, ...shown];
    assert.ok(blocks.length >= 3, `found ${blocks.length} README examples`);
    const {report, transcripts} = await check(blocks);
    assert.deepEqual(failuresOf(report), []);
    assert.equal(report.passed, blocks.length);

    const withInput = blocks.find((block) => block.options.input !== undefined);
    assert.ok(withInput, 'the README has an example that reads input');
    const text = plainText(transcripts.transcripts[withInput.id]!.chunks.map(([, data]) => data).join(''));
    assert.match(text, /Your name\? Ada\nHello, Ada!/, 'the recording replays in the order the reader saw');
  });

  it("every block the site's pages show as source passes check", {timeout: 300_000}, async () => {
    const config = loadConfig({file: join(SITE, 'sandbox.config.json')});
    const shown = ['docs', 'blog', 'src/pages']
      .flatMap((folder) => markdownFiles(join(SITE, folder)))
      .flatMap((file) => pageExamples(readFileSync(file, 'utf8'), relative(SITE, file), config).shown);
    assert.ok(shown.length >= 5, `found ${shown.length} examples shown as source`);
    const {report} = await check(shown);
    assert.deepEqual(failuresOf(report), []);
    assert.equal(report.passed, shown.length);
  });

  it("the built site's manifest (what check site/build runs) holds every block of every page", {timeout: 300_000}, () => {
    const siteBuild = join(SITE, 'build');
    if (!existsSync(join(siteBuild, MANIFEST_FILE))) {
      for (const args of [['run', 'build'], ['run', 'build', '--workspace', 'site']]) {
        const built = spawnSync('npm', args, {cwd: ROOT, encoding: 'utf8', stdio: 'pipe'});
        assert.equal(built.status, 0, `npm ${args.join(' ')} failed: ${built.stderr.slice(-2000)}`);
      }
    }
    const manifest = JSON.parse(readFileSync(join(siteBuild, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    const inManifest = new Set(manifest.blocks.map((block) => block.id));
    const config = loadConfig({file: join(SITE, 'sandbox.config.json')});
    const pages = ['docs', 'blog', 'src/pages'].flatMap((folder) => markdownFiles(join(SITE, folder)));
    const missing: string[] = [];
    let count = 0;
    for (const file of pages) {
      for (const block of pageExamples(readFileSync(file, 'utf8'), relative(SITE, file), config).own) {
        count++;
        if (!inManifest.has(block.id)) missing.push(`${block.source}:${block.line}`);
      }
    }
    assert.ok(count >= 10, `${count} blocks on the site's pages`);
    assert.deepEqual(missing, []);
  });
});
