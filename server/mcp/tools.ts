/**
 * What each MCP tool does, over the catalog, the runner and the live
 * sessions. Returns a tool result; throws ToolArgumentError (or a refusal
 * that means the same) for a request the agent must change.
 */
import type {CreateSessionRequest} from '../../protocol/index.js';
import type {BlockCatalog} from './catalog.js';
import type {LiveSessions} from './live-sessions.js';
import {cleanOutput} from './output.js';
import {checkSite, failed, keystrokes, REQUEST_ERROR_CODES, runBlock, runCode, type SandboxTarget} from './runs.js';
import {parseToolArguments, ToolArgumentError, type ToolName} from './tool-arguments.js';

export interface ToolContext {
  catalog: BlockCatalog;
  target: SandboxTarget;
  sessions: LiveSessions;
  allowInline: boolean;
}

/** The shape of an MCP `tools/call` result: the JSON as text, and as structured content. */
export interface ToolResult {
  content: Array<{type: 'text'; text: string}>;
  structuredContent: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

const DEFAULT_WAIT_MS = 1000;

const result = (value: Record<string, unknown>, isError = false): ToolResult => ({
  content: [{type: 'text', text: JSON.stringify(value, null, 2)}],
  structuredContent: value,
  ...(isError ? {isError: true} : {}),
});

function blockOf(context: ToolContext, id: string) {
  const block = context.catalog.get(id);
  if (!block) throw new ToolArgumentError(`no block "${id.slice(0, 128)}" in this site; list_blocks gives the ids`);
  return block;
}

/** A server refusal: the agent's request was wrong (an argument error), or the sandbox is busy or down (a result). */
function refusal(error: {code: string; message: string}): ToolResult {
  if (REQUEST_ERROR_CODES.has(error.code)) throw new ToolArgumentError(`${error.code}: ${error.message}`);
  return result({error}, true);
}

export async function callTool(context: ToolContext, name: ToolName, rawArguments: unknown): Promise<ToolResult> {
  switch (name) {
    case 'list_blocks': {
      const args = parseToolArguments(name, rawArguments);
      const blocks = context.catalog.search(args).map((block) => context.catalog.summary(block));
      return result({blocks, total: blocks.length});
    }
    case 'get_block': {
      const args = parseToolArguments(name, rawArguments);
      const block = blockOf(context, args.block);
      return result({
        ...context.catalog.summary(block),
        cmd: block.cmd,
        files: block.files.map((file) => ({path: file.path, content: file.content, hidden: file.hidden, readonly: file.readonly, lang: file.lang})),
        options: block.options,
      });
    }
    case 'run_block': {
      const args = parseToolArguments(name, rawArguments);
      const block = blockOf(context, args.block);
      if (args.files && !block.options.editable) throw new ToolArgumentError(`block "${block.id}" is not editable; run it without "files"`);
      const run = await runBlock(context.target, block, args);
      return result({...run}, failed(run));
    }
    case 'run_code': {
      if (!context.allowInline) throw new ToolArgumentError('run_code is off: this server only runs the site\'s blocks (start it with --allow-inline)');
      const args = parseToolArguments(name, rawArguments);
      const run = await runCode(context.target, args);
      return result({...run}, failed(run));
    }
    case 'check_blocks': {
      const args = parseToolArguments(name, rawArguments);
      const report = (await checkSite(context.target, context.catalog, args.filter)) as Record<string, unknown>;
      return result(report, typeof report.failed === 'number' && report.failed > 0);
    }
    case 'start_session': {
      const args = parseToolArguments(name, rawArguments);
      let body: CreateSessionRequest;
      if (args.block !== undefined) {
        body = {block: blockOf(context, args.block).id};
      } else {
        if (!context.allowInline) throw new ToolArgumentError('a session of an environment needs inline runs (start the server with --allow-inline); give a block instead');
        // An interactive run opens the environment's shell once its command ends: a command that does nothing leaves just the shell.
        body = {env: args.env!, cmd: 'true', interactive: true};
      }
      const started = await context.sessions.start(body);
      return 'error' in started ? refusal(started.error) : result(started);
    }
    case 'send_input': {
      const args = parseToolArguments(name, rawArguments);
      const sent = context.sessions.send(args.sessionId, keystrokes(args.text));
      return sent ? result({sent: args.text.length}) : result({error: {code: 'session-ended', message: 'the session has ended; read_output gives its last output'}}, true);
    }
    case 'read_output': {
      const args = parseToolArguments(name, rawArguments);
      const read = await context.sessions.read(args.sessionId, args.waitMs ?? DEFAULT_WAIT_MS);
      const cleaned = cleanOutput(read.output, {raw: args.raw, maxChars: args.maxOutputChars});
      const ended = read.state === 'ended';
      return result(
        {
          output: cleaned.text,
          truncated: cleaned.truncated || read.droppedChars > 0,
          ...(read.droppedChars > 0 ? {droppedChars: read.droppedChars} : {}),
          state: read.state,
          ...(read.exit ? {exitCode: read.exit.code, reason: read.exit.reason} : {}),
          ...(read.error ? {error: read.error} : {}),
        },
        ended && (read.error !== undefined || read.exit?.reason !== 'exit' || read.exit.code !== 0),
      );
    }
    case 'stop_session': {
      const args = parseToolArguments(name, rawArguments);
      await context.sessions.stop(args.sessionId);
      return result({stopped: true});
    }
  }
}
