/**
 * `docusaurus-sandbox mcp site/build` driven by the SDK's own Client over
 * stdio, on the real engine: tools listed, every manifest block listed, a node
 * block run as built and with edits, an interactive block driven, bad
 * arguments refused as MCP errors, a flood and a fork bomb bounded while the
 * server keeps answering, and no container left 10 s after a client walks
 * away mid-session.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js';
import {McpError} from '@modelcontextprotocol/sdk/types.js';
import type {SandboxManifest} from '../../config/index.js';
import {LABELS} from '../../server/runtime/types.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'server/cli/main.ts');
const SITE_BUILD = join(ROOT, 'site/build');
const NODE_BLOCK = '28990bb10fa9'; // docs/tutorials/node-two-files.md "Greeting module"
const SHELL_BLOCK = '361afada61c2'; // docs/reference/authoring.md "A shell" (interactive)

interface RunResult {
  output: string;
  exitCode: number | null;
  reason: string;
  truncated: boolean;
  durationMs: number;
}

/** The project's containers made by the MCP process `pid` (its in-process server's instance id starts with mcp-<pid>-). */
function containersOf(pid: number): string[] {
  const lines = execFileSync('docker', ['ps', '-a', '--filter', `label=${LABELS.project}`, '--format', `{{.ID}} {{.Label "${LABELS.instance}"}}`], {encoding: 'utf8'});
  return lines
    .split('\n')
    .filter((line) => line.split(' ')[1]?.startsWith(`mcp-${pid}-`))
    .map((line) => line.split(' ')[0]!);
}

async function connect(args: string[] = []): Promise<{client: Client; transport: StdioClientTransport; stderr: () => string}> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', MAIN, 'mcp', SITE_BUILD, ...args],
    cwd: ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({name: 'mcp-integration-test', version: '1'});
  await client.connect(transport);
  return {client, transport, stderr: () => stderr};
}

const call = async (client: Client, name: string, args: Record<string, unknown>) => {
  const result = await client.callTool({name, arguments: args}, undefined, {timeout: 120_000});
  return {isError: result.isError === true, value: result.structuredContent as Record<string, unknown>};
};

describe('docusaurus-sandbox mcp (Docker)', {skip: needDocker()}, () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr: () => string;
  let manifest: SandboxManifest;

  before(async () => {
    assert.ok(existsSync(join(SITE_BUILD, 'sandbox-manifest.json')), 'build the demo site first: npm run build && npm run build --workspace site');
    manifest = JSON.parse(readFileSync(join(SITE_BUILD, 'sandbox-manifest.json'), 'utf8')) as SandboxManifest;
    await buildImages({envs: ['shell', 'node', 'python']});
    ({client, transport, stderr} = await connect(['--allow-inline']));
  });
  after(async () => {
    await client?.close();
  });

  it('lists its tools, run_code included with --allow-inline', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
    assert.deepEqual(names, ['check_blocks', 'get_block', 'list_blocks', 'read_output', 'run_block', 'run_code', 'send_input', 'start_session', 'stop_session']);
  });

  it('lists every block of the manifest, with its page', async () => {
    const {value} = await call(client, 'list_blocks', {});
    const blocks = value.blocks as Array<{id: string; pageUrl?: string}>;
    assert.deepEqual(blocks.map((block) => block.id).sort(), manifest.blocks.map((block) => block.id).sort());
    assert.equal(blocks.find((block) => block.id === NODE_BLOCK)?.pageUrl, '/docs/tutorials/node-two-files');
  });

  it('runs a node block to its expected output, and with edited files', async () => {
    const plain = await call(client, 'run_block', {block: NODE_BLOCK});
    const run = plain.value as unknown as RunResult;
    assert.equal(plain.isError, false, JSON.stringify(run));
    assert.equal(run.exitCode, 0);
    assert.equal(run.reason, 'exit');
    assert.match(run.output, /Hello, Ada!\nHello, Grace!/);
    assert.doesNotMatch(run.output, /\u001b|\r/, 'control sequences stripped');

    const edited = await call(client, 'run_block', {block: NODE_BLOCK, files: [{path: 'main.js', content: "import {shout} from './greet.js';\nconsole.log(shout('edited ' + 6 * 7));\n"}]});
    assert.equal((edited.value as unknown as RunResult).output.trim(), 'EDITED 42!');
    assert.equal((edited.value as unknown as RunResult).exitCode, 0);
  });

  it('drives an interactive block with start_session, send_input and read_output', async () => {
    const {value} = await call(client, 'start_session', {block: SHELL_BLOCK});
    const sessionId = value.sessionId as string;
    assert.ok(sessionId);
    await call(client, 'send_input', {sessionId, text: 'echo "answer: $((6 * 7))"\n'});
    let seen = '';
    for (let attempt = 0; attempt < 20 && !/answer: 42/.test(seen); attempt++) {
      seen += (await call(client, 'read_output', {sessionId, waitMs: 2000})).value.output as string;
    }
    assert.match(seen, /answer: 42/);
    // A terminal-only block is one shell: one `exit` ends it, with its code.
    await call(client, 'send_input', {sessionId, text: 'exit 3\n'});
    let ended: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 20 && ended.state !== 'ended'; attempt++) ended = (await call(client, 'read_output', {sessionId, waitMs: 2000})).value;
    assert.deepEqual([ended.state, ended.exitCode], ['ended', 3]);
    await assert.rejects(call(client, 'read_output', {sessionId}), /no session/);

    const second = (await call(client, 'start_session', {block: SHELL_BLOCK})).value.sessionId as string;
    assert.deepEqual((await call(client, 'stop_session', {sessionId: second})).value, {stopped: true});
    await assert.rejects(call(client, 'send_input', {sessionId: second, text: 'x'}), /no session/);
  });

  it('refuses invalid arguments with an MCP error naming them', async () => {
    const invalid = async (name: string, args: Record<string, unknown>, pattern: RegExp) =>
      assert.rejects(call(client, name, args), (error: unknown) => error instanceof McpError && error.code === -32602 && pattern.test(error.message));
    await invalid('run_block', {}, /block/);
    await invalid('run_block', {block: 'no-such-block'}, /no block "no-such-block"/);
    await invalid('run_block', {block: NODE_BLOCK, files: [{path: 'other.js', content: ''}]}, /bad-path/);
    await invalid('run_block', {block: NODE_BLOCK, timeoutSeconds: -1}, /timeoutSeconds/);
    await invalid('send_input', {sessionId: 'nope', text: 'x'}, /no session "nope"/);
  });

  it('bounds a flood and a fork bomb with their reasons while it keeps answering', async () => {
    const flood = call(client, 'run_code', {env: 'shell', files: [], cmd: "tr '\\0' y </dev/zero"});
    const bomb = call(client, 'run_code', {env: 'shell', files: [{path: 'bomb.sh', content: 'b() { b | b & }; b\nwhile :; do :; done\n'}], cmd: 'sh bomb.sh', timeoutSeconds: 5});
    // Both are running now; a cheap call still answers at once.
    const started = performance.now();
    const listed = await call(client, 'list_blocks', {env: 'node'});
    assert.ok((listed.value.total as number) > 0);
    assert.ok(performance.now() - started < 3000, 'list_blocks answered while the sandboxes ran');

    const flooded = (await flood).value as unknown as RunResult;
    assert.equal(flooded.reason, 'output-limit');
    assert.equal(flooded.truncated, true);
    assert.ok(flooded.output.length <= 64 * 1024);
    const bombed = await bomb;
    assert.equal(bombed.isError, true, JSON.stringify(bombed.value).slice(0, 500));
    assert.equal((bombed.value as unknown as RunResult).reason, 'timeout');
    // And it still runs blocks afterwards.
    assert.equal(((await call(client, 'run_block', {block: NODE_BLOCK})).value as unknown as RunResult).exitCode, 0);
  });

  it('leaves no container 10 s after a client goes away mid-session', async () => {
    const second = await connect();
    const pid = second.transport.pid!;
    const {value} = await call(second.client, 'start_session', {block: SHELL_BLOCK});
    assert.ok(value.sessionId);
    assert.ok(containersOf(pid).length > 0, 'the session has a container');
    await second.client.close();
    const deadline = Date.now() + 10_000;
    while (containersOf(pid).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(containersOf(pid), [], `containers left; the server said:\n${second.stderr()}`);
  });

  it('kept stdout for MCP alone', () => {
    // Anything else on stdout would have broken the client's parsing above; the log went to stderr.
    assert.doesNotMatch(stderr(), /SyntaxError|Unexpected token/);
    assert.ok(transport.pid);
  });
});
