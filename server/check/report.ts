/** Renderings of a check report: a human table, JSON and JUnit XML. */
import type {TranscriptsFile} from '../../config/block.js';
import {outputTailLines} from './explain.js';
import type {BlockReport} from './block-report.js';
import type {CheckReport} from './run.js';

const place = (block: BlockReport) => `${block.source}:${block.line}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Where a step stands in its page session, as the table and JUnit name it: "step 2 of 4". */
const stepOf = (block: BlockReport) => (block.session && block.step !== undefined ? `step ${block.step} of ${block.session.steps}` : undefined);

/** The table's first column: the place, and for a step its session and position, so a failure names its step. */
function blockText(block: BlockReport): string {
  const step = stepOf(block);
  return step === undefined ? place(block) : `${place(block)} (${block.session!.name}, ${step})`;
}

function statusText(block: BlockReport): string {
  const {verdict} = block;
  if (verdict.status === 'pass') return 'pass';
  if (verdict.status === 'skip') return 'skipped (skip-check)';
  if (verdict.status === 'not-run') return verdict.message;
  return `FAIL ${verdict.reason}: ${verdict.message}`;
}

/** The progress line's short word for a verdict. */
export function statusWord(verdict: BlockReport['verdict']): string {
  return verdict.status === 'fail' ? 'FAIL' : verdict.status === 'not-run' ? 'not run' : verdict.status;
}

/** Under a failed block, the last lines of its output: the reason is often there (a traceback, a prompt). */
function failureTail(block: BlockReport): string[] {
  if (block.verdict.status !== 'fail') return [];
  return outputTailLines(block.outputTail).map((text) => `    | ${text}`);
}

export function formatTable(report: CheckReport): string {
  const rows = report.blocks.map((block) => [
    blockText(block),
    block.env,
    block.exitCode === undefined ? '-' : String(block.exitCode),
    block.verdict.status === 'skip' || block.verdict.status === 'not-run' ? '-' : seconds(block.durationMs),
    statusText(block),
  ]);
  const header = ['block', 'env', 'exit', 'time', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  const summary =
    `${report.passed} passed, ${report.failed} failed, ${report.notRun > 0 ? `${report.notRun} not run, ` : ''}${report.skipped} skipped` +
    ` in ${seconds(report.wallMs)} wall (${seconds(report.sumMs)} of block run time, ${report.jobs} jobs)`;
  const body = report.blocks.flatMap((block, index) => [line(rows[index]!), ...failureTail(block)]);
  return [line(header), ...body, '', summary].join('\n');
}

/** The machine-readable report; transcripts are left out (they go to their own files). */
export function toJson(report: CheckReport): string {
  const blocks = report.blocks.map(({transcript: _transcript, ...block}) => block);
  return `${JSON.stringify({...report, blocks}, null, 2)}\n`;
}

const xml = (text: string) =>
  text
    // XML 1.0 cannot carry most control characters, even escaped: drop them.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/**
 * A step is named "Step 2 of 4: <place> <title>" under a class of its own
 * (its page and session), so a CI viewer groups a tutorial's steps, in order,
 * apart from the page's other blocks. A step not run is `skipped` with the
 * step that failed.
 */
export function toJUnit(report: CheckReport): string {
  const cases = report.blocks.map((block) => {
    const title = `${place(block)}${block.title ? ` ${block.title}` : ''}`;
    const name = xml(block.session && block.step !== undefined ? `Step ${block.step} of ${block.session.steps}: ${title}` : title);
    const classname = xml(block.session ? `${block.source} (${block.session.name})` : block.source);
    const open = `  <testcase classname="${classname}" name="${name}" time="${(block.durationMs / 1000).toFixed(3)}">`;
    const {verdict} = block;
    if (verdict.status === 'pass') return `${open}</testcase>`;
    if (verdict.status === 'skip') return `${open}<skipped message="skip-check"/></testcase>`;
    if (verdict.status === 'not-run') return `${open}<skipped message="${xml(verdict.message)}"/></testcase>`;
    return `${open}\n    <failure type="${verdict.reason}" message="${xml(verdict.message)}">${xml(block.outputTail)}</failure>\n  </testcase>`;
  });
  // JUnit has no "not run": such steps are among the skipped, as their <skipped> elements are.
  const skipped = report.skipped + report.notRun;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="docusaurus-sandbox check" tests="${report.blocks.length}" failures="${report.failed}" skipped="${skipped}" time="${(report.wallMs / 1000).toFixed(3)}">`,
    ...cases,
    '</testsuite>',
    '',
  ].join('\n');
}

/** Longest pause kept between two recorded chunks: replay keeps the rhythm, not the waits. */
export const MAX_RECORDED_DELAY_MS = 1000;

/** The recorded transcripts of a `check --record` run, for the theme's offline playback. */
export function toTranscripts(report: CheckReport, recordedAt: Date): TranscriptsFile {
  const transcripts: TranscriptsFile['transcripts'] = {};
  for (const block of report.blocks) {
    if (!block.transcript || block.verdict.status === 'skip') continue;
    let previous = 0;
    transcripts[block.id] = {
      recordedAt: recordedAt.toISOString(),
      ...(block.exitCode === undefined ? {} : {exitCode: block.exitCode}),
      chunks: block.transcript.map(({at, data}) => {
        const delay = Math.min(MAX_RECORDED_DELAY_MS, at - previous);
        previous = at;
        return [delay, data];
      }),
    };
  }
  return {version: 1, transcripts};
}
