/**
 * `npm run bench -- mcp [--runs N]`: the round trip of an agent's `run_block`
 * over stdio (`docusaurus-sandbox mcp --server URL` driven by the SDK's
 * Client) beside a direct run of the same block through the same server
 * (POST /api/sessions, then the socket until the exit), interleaved run by
 * run so drift hits both alike. Both go through one sandbox server started
 * here, so the ratio is the cost of the MCP path alone: JSON-RPC over stdio,
 * the MCP process's own HTTP and WebSocket client, the result's shaping.
 * Prints p50/p95 and the ratio; writes JSON to bench/results/.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js';
import {MANIFEST_FILE, normalizeConfig, type SandboxBlock, type SandboxManifest} from '../../config/index.js';
import {runSession} from '../../server/check/client.js';
import {createSandboxServer} from '../../server/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {formatTable, summarize} from '../server/stats.js';

const argv = process.argv.slice(2);
const runsFlag = argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 20 : Number(argv[runsFlag + 1]);
const WARM_UP = 2;
const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => console.log(`[bench] ${line}`);

const BLOCK: SandboxBlock = {
  id: 'bench-echo',
  env: 'shell',
  cmd: 'echo bench-output',
  files: [],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false},
  source: 'bench/mcp.md',
  line: 1,
};
const manifest: SandboxManifest = {version: 1, blocks: [BLOCK]};

await buildImages({envs: ['shell']});
const siteDir = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
writeFileSync(join(siteDir, MANIFEST_FILE), JSON.stringify(manifest));
// Sequential runs from one address: the per-minute creation limit must not be what is measured.
const config = normalizeConfig({server: {port: 0, host: '127.0.0.1', sessionsPerMinute: 100_000, instanceId: `bench-mcp-${process.pid}`}});
const server = createSandboxServer({config, manifest});
const {url} = await server.listen();

const transport = new StdioClientTransport({
  command: process.execPath,
  args: ['--import', 'tsx', join(root, 'server/cli/main.ts'), 'mcp', siteDir, '--server', url],
  cwd: root,
  stderr: 'inherit',
});
const client = new Client({name: 'bench-mcp', version: '1'});
await client.connect(transport);

async function viaMcp(): Promise<number> {
  const started = performance.now();
  const result = await client.callTool({name: 'run_block', arguments: {block: BLOCK.id}}, undefined, {timeout: 60_000});
  const elapsed = performance.now() - started;
  const value = result.structuredContent as {exitCode: number | null; output: string};
  if (value.exitCode !== 0 || !value.output.includes('bench-output')) throw new Error(`run_block failed: ${JSON.stringify(value)}`);
  return elapsed;
}

async function direct(): Promise<number> {
  const started = performance.now();
  const run = await runSession(url, {block: BLOCK.id}, {deadlineMs: 60_000, endAtDeadline: true});
  const elapsed = performance.now() - started;
  if (run.exit?.code !== 0 || !run.output.includes('bench-output')) throw new Error(`direct run failed: ${JSON.stringify(run)}`);
  return elapsed;
}

const mcpTimes: number[] = [];
const directTimes: number[] = [];
try {
  for (let index = 0; index < WARM_UP; index++) {
    await viaMcp();
    await direct();
  }
  log(`${RUNS} runs each, interleaved (${WARM_UP} warm-up runs each left out)`);
  for (let index = 0; index < RUNS; index++) {
    // Alternate which goes first, so neither always runs right after the other's container removal.
    if (index % 2 === 0) {
      mcpTimes.push(await viaMcp());
      directTimes.push(await direct());
    } else {
      directTimes.push(await direct());
      mcpTimes.push(await viaMcp());
    }
  }
} finally {
  await client.close();
  await server.close();
  rmSync(siteDir, {recursive: true, force: true});
}

const mcp = summarize(mcpTimes);
const baseline = summarize(directTimes);
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(
  formatTable(
    ['path', 'p50', 'p95', 'ratio p50', 'ratio p95'],
    [
      ['direct: POST /api/sessions + socket to the exit', ms(baseline.p50), ms(baseline.p95), '1.00×', '1.00×'],
      ['run_block over stdio (mcp --server)', ms(mcp.p50), ms(mcp.p95), `${(mcp.p50 / baseline.p50).toFixed(2)}×`, `${(mcp.p95 / baseline.p95).toFixed(2)}×`],
    ],
  ),
);
console.log(`MCP overhead at p50: +${ms(mcp.p50 - baseline.p50)}`);
const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, {recursive: true});
const file = join(resultsDir, `mcp-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({at: new Date().toISOString(), cpus: cpus().length, model: cpus()[0]?.model, runs: RUNS, mcp, direct: baseline, mcpTimes, directTimes}, null, 2));
log(`wrote ${file}`);
