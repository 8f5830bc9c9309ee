/**
 * Page sessions (multi-step tutorials): `session=NAME` on fences and
 * directives, the page's `sandbox_session`, `session=none`, step order, the
 * page-scoped session id, the one-env rule, and the `<Sandbox session>` prop.
 * The remark plugin (with remark-frontmatter, as in Docusaurus) and the
 * manifest scanner must agree on all of it.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Root} from 'mdast';
import type {MdxJsxAttribute, MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {visit} from 'unist-util-visit';
import {VFile} from 'vfile';
import type {SandboxBlock, SandboxStepSession} from '../../../config/block.js';
import {normalizeConfig} from '../../../config/normalize.js';
import {frontMatterSession} from '../front-matter.js';
import remarkSandbox from '../index.js';
import {scanMarkdown, scanPage} from '../scan.js';
import {checkSessionName, groupPageSessions, pageSessionId, spellOption} from '../session.js';

const config = normalizeConfig({});

interface Rendered {
  block: SandboxBlock;
  session: SandboxStepSession | undefined;
}

/** Compiles a page the way Docusaurus's mdx-loader parses it and returns each `<Sandbox>` element's props, read back. */
async function render(markdown: string, path = 'docs/tour.md'): Promise<Rendered[]> {
  const processor = unified().use(remarkParse).use(remarkFrontmatter).use(remarkMdx).use(remarkDirective).use(remarkSandbox, {siteDir: '/site', config: {}});
  const file = new VFile({path: `/site/${path}`, value: markdown});
  const tree = (await processor.run(processor.parse(file), file)) as Root;
  const rendered: Rendered[] = [];
  visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
    const prop = (name: string) => node.attributes.find((item): item is MdxJsxAttribute => item.type === 'mdxJsxAttribute' && item.name === name)?.value;
    const block = prop('block');
    const session = prop('session');
    if (typeof block !== 'string') return;
    rendered.push({block: JSON.parse(block) as SandboxBlock, session: typeof session === 'string' ? (JSON.parse(session) as SandboxStepSession) : undefined});
  });
  return rendered;
}

async function failure(markdown: string): Promise<string> {
  try {
    await render(markdown, 'docs/guide.md');
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail('expected the page to be refused');
}

const fence = (meta: string, body = 'echo hi') => `\`\`\`sandbox ${meta}\n${body}\n\`\`\`\n`;
const page = (...parts: string[]) => parts.join('\n');

const TOUR = page(
  '# Tour',
  '',
  fence('env=shell session=tour title="One"', 'echo one > one.txt'),
  'Some text.',
  '',
  ':::sandbox{env=shell session=tour title="Two"}',
  '```sh file=two.sh',
  'cat one.txt',
  '```',
  ':::',
  '',
  fence('env=shell title="Alone"', 'echo alone'),
  fence('env=shell session=tour', ''),
);

describe('session=NAME', () => {
  it('makes the blocks that name one session its steps, in page order, fences, directives and terminals alike', async () => {
    const rendered = await render(TOUR);
    const id = pageSessionId('docs/tour.md', 'tour');
    assert.deepEqual(
      rendered.map(({block}) => [block.title ?? block.cmd, block.session, block.step]),
      [['One', id, 1], ['Two', id, 2], ['Alone', undefined, undefined], ['bash', id, 3]],
    );
    assert.equal(rendered[3]!.block.options.interactive, true, 'a terminal-only step is a shell in the environment, like any terminal');
  });

  it('gives each step a session prop naming the session and its number of steps, and no prop to other blocks', async () => {
    const rendered = await render(TOUR);
    const session = {id: pageSessionId('docs/tour.md', 'tour'), name: 'tour', steps: 3};
    assert.deepEqual(rendered.map((item) => item.session), [session, session, undefined, session]);
  });

  it('keeps the ids blocks have without the option', async () => {
    const without = TOUR.replaceAll(' session=tour', '');
    assert.notEqual(without, TOUR);
    const ids = (rendered: Rendered[]) => rendered.map(({block}) => block.id);
    assert.deepEqual(ids(await render(TOUR)), ids(await render(without)));
    assert.deepEqual(Object.keys((await render(without))[0]!.block).includes('session'), false);
  });

  it('keeps several sessions of one page apart, in the order of their first steps', () => {
    const text = page(fence('session=b'), fence('session=a'), fence('session=b'), fence('session=a'));
    const {blocks, sessions} = scanPage(text, {source: 'docs/two.md', config});
    assert.deepEqual(sessions.map((session) => [session.name, session.blocks]), [
      ['b', [blocks[0]!.id, blocks[2]!.id]],
      ['a', [blocks[1]!.id, blocks[3]!.id]],
    ]);
    assert.deepEqual(blocks.map((block) => block.step), [1, 1, 2, 2]);
  });

  it('lists the page session with its name, source, env and blocks', () => {
    const text = page(fence('env=node session=build-1', 'console.log(1)'), fence('env=node session=build-1', 'console.log(2)'));
    const {blocks, sessions} = scanPage(text, {source: 'docs/n.md', config});
    assert.deepEqual(sessions, [
      {id: pageSessionId('docs/n.md', 'build-1'), name: 'build-1', source: 'docs/n.md', env: 'node', blocks: blocks.map((block) => block.id)},
    ]);
  });
});

describe('the page session id', () => {
  it('is ps- and 12 hex digits, from the page and the name only: editing a step keeps it', () => {
    const before = scanPage(TOUR, {source: 'docs/tour.md', config});
    const after = scanPage(TOUR.replace('echo one > one.txt', 'echo ONE > one.txt\necho more'), {source: 'docs/tour.md', config});
    assert.match(before.sessions[0]!.id, /^ps-[0-9a-f]{12}$/);
    assert.equal(after.sessions[0]!.id, before.sessions[0]!.id);
    assert.notEqual(after.blocks[0]!.id, before.blocks[0]!.id, "the edited step's own id changes with its content");
    assert.equal(after.blocks[1]!.session, before.sessions[0]!.id);
  });

  it('differs for another page or another name', () => {
    const id = pageSessionId('docs/tour.md', 'tour');
    assert.notEqual(pageSessionId('docs/other.md', 'tour'), id);
    assert.notEqual(pageSessionId('docs/tour.md', 'tour2'), id);
    assert.equal(scanPage(TOUR, {source: 'docs/other.md', config}).sessions[0]!.id, pageSessionId('docs/other.md', 'tour'));
  });
});

describe('sandbox_session in the front matter', () => {
  const FRONT = page(
    '---',
    'title: Tour',
    'sandbox_session: tour # all blocks',
    '---',
    '',
    '# Tour',
    '',
    fence('env=shell', 'echo 1'),
    fence('env=shell session=none', 'echo 2'),
    fence('env=shell session=other', 'echo 3'),
    fence('env=shell', 'echo 4'),
  );

  it('makes every block a step unless it says session=none or names another session', async () => {
    const rendered = await render(FRONT);
    const tour = pageSessionId('docs/tour.md', 'tour');
    const other = pageSessionId('docs/tour.md', 'other');
    assert.deepEqual(
      rendered.map(({block}) => [block.session, block.step]),
      [[tour, 1], [undefined, undefined], [other, 1], [tour, 2]],
    );
    assert.deepEqual(rendered.map(({session}) => session?.steps), [2, undefined, 1, 2]);
  });

  it('is read the same by the manifest scanner (which blanks the front matter before parsing)', async () => {
    const rendered = (await render(FRONT)).map(({block}) => block);
    assert.deepEqual(scanMarkdown(FRONT, {source: 'docs/tour.md', config}), rendered);
    assert.deepEqual(scanMarkdown(FRONT, {source: 'docs/tour.md', config, format: 'md'}), rendered);
    assert.deepEqual(scanMarkdown(TOUR, {source: 'docs/tour.md', config}), (await render(TOUR)).map(({block}) => block));
  });

  it('reads the one-line forms of YAML, and only a front matter at the top of the page', () => {
    const read = (line: string) => frontMatterSession(`---\ntitle: x\n${line}\n---\n\ntext\n`);
    assert.deepEqual(read('sandbox_session: tour'), {name: 'tour', place: {line: 3, column: 1}});
    assert.deepEqual(read("sandbox_session: 'tour'"), {name: 'tour', place: {line: 3, column: 1}});
    assert.deepEqual(read('sandbox_session:   "tour"   # a comment'), {name: 'tour', place: {line: 3, column: 1}});
    assert.deepEqual(read('sandbox_session: my#tour'), {name: 'my#tour', place: {line: 3, column: 1}}, 'a # inside a word is not a comment in YAML');
    assert.equal(read('  sandbox_session: nested'), undefined, 'an indented key belongs to another map');
    assert.equal(read('other_sandbox_session: tour'), undefined);
    assert.equal(frontMatterSession('# Page\n\n---\nsandbox_session: tour\n---\n'), undefined);
    assert.equal(frontMatterSession(undefined), undefined);
    for (const value of ['', '# only a comment', '|', '>-', '[a, b]', '{a: 1}']) {
      assert.ok(read(`sandbox_session: ${value}`) && 'problem' in read(`sandbox_session: ${value}`)!, `"${value}" is reported`);
    }
  });
});

describe('session problems stop the build with a place', () => {
  it('refuses a name with other characters, naming a fix', async () => {
    assert.equal(
      await failure(page('# Guide', '', fence('session="my tour!"'))),
      'docs/guide.md:3:1: the session name "my tour!" may hold only letters, digits, "-" and "_"; write e.g. session=my-tour',
    );
    assert.equal(
      await failure(page(':::sandbox{session=a.b}', '```sh file=a.sh', 'echo', '```', ':::')),
      'docs/guide.md:1:1: the session name "a.b" may hold only letters, digits, "-" and "_"; write e.g. session=a-b',
    );
  });

  it('refuses an empty or overlong name, and a bare session', async () => {
    assert.equal(await failure(fence('session=""')), 'docs/guide.md:1:1: the session name is empty; write e.g. session=tour');
    assert.match(await failure(fence(`session=${'x'.repeat(41)}`)), /^docs\/guide\.md:1:1: the session name "x{41}" is longer than 40 characters; shorten it/);
    assert.equal(await failure(fence('session')), 'docs/guide.md:1:1: "session" needs a value, e.g. session="..."');
  });

  it('refuses a bad sandbox_session at its front matter line', async () => {
    assert.equal(
      await failure(page('---', 'title: Guide', 'sandbox_session: two words', '---', '', fence(''))),
      'docs/guide.md:3:1: the session name "two words" may hold only letters, digits, "-" and "_"; write e.g. sandbox_session: two-words',
    );
    assert.equal(
      await failure(page('---', 'sandbox_session: >', '  folded', '---', '', fence(''))),
      'docs/guide.md:2:1: sandbox_session in the front matter needs a name on the same line, e.g. "sandbox_session: tour"',
    );
  });

  it('refuses every step whose env differs from the first step, all at once, each at its place', async () => {
    const mismatch = (env: string) =>
      `this block uses env "${env}", but the first step (line 3) of session "tour" uses env "node"; ` +
      'all steps of a session run in one environment: write env=node, or session=none to run this block on its own';
    const markdown = page(
      '# Guide',
      '',
      fence('env=node session=tour', 'console.log(1)'),
      fence('env=python session=tour', 'print(2)'),
      fence('env=python session=other', 'print(3)'),
      fence('env=shell session=tour', 'echo 4'),
      fence('env=nope'),
    );
    assert.equal(
      await failure(markdown),
      [
        `docs/guide.md:7:1: ${mismatch('python')}`,
        `docs/guide.md:15:1: ${mismatch('shell')}`,
        'docs/guide.md:19:1: unknown env "nope"; use one of shell, node, python or add it to sandbox.config.json',
      ].join('\n'),
    );
  });

  it('compares the env a step runs in, the default one included', async () => {
    const markdown = page(fence('session=s'), fence('env=node session=s', 'console.log(1)'));
    assert.match(await failure(markdown), /^docs\/guide\.md:5:1: this block uses env "node", but the first step \(line 1\) of session "s" uses env "shell"/);
  });
});

describe('the pure parts', () => {
  it('checkSessionName spells the fix the way the author writes it', () => {
    assert.equal(checkSessionName('Step_2-a', spellOption), undefined);
    assert.equal(checkSessionName('a/b', (name) => `sandbox_session: ${name}`), 'the session name "a/b" may hold only letters, digits, "-" and "_"; write e.g. sandbox_session: a-b');
  });

  it('groupPageSessions leaves blocks of no session out and keeps a mismatched step out of its session', () => {
    const place = (line: number) => ({line, column: 1});
    const grouped = groupPageSessions('docs/p.md', [
      {id: 'a', env: 'shell', session: 's', place: place(1)},
      {id: 'b', env: 'shell', session: undefined, place: place(5)},
      {id: 'c', env: 'node', session: 's', place: place(9)},
      {id: 'd', env: 'shell', session: 's', place: place(13)},
    ]);
    assert.deepEqual(grouped.sessions.map((session) => session.blocks), [['a', 'd']]);
    assert.deepEqual(grouped.problems.map((problem) => problem.place), [place(9)]);
  });
});
