/** Renderings of a check report: a human table, JSON and JUnit XML. */
import type {TranscriptsFile} from '../../config/block.js';
import {outputTailLines} from './explain.js';
import type {BlockReport, CheckReport} from './run.js';

const place = (block: BlockReport) => `${block.source}:${block.line}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function statusText(block: BlockReport): string {
  const {verdict} = block;
  if (verdict.status === 'pass') return 'pass';
  if (verdict.status === 'skip') return 'skipped (skip-check)';
  return `FAIL ${verdict.reason}: ${verdict.message}`;
}

/** Under a failed block, the last lines of its output: the reason is often there (a traceback, a prompt). */
function failureTail(block: BlockReport): string[] {
  if (block.verdict.status !== 'fail') return [];
  return outputTailLines(block.outputTail).map((text) => `    | ${text}`);
}

export function formatTable(report: CheckReport): string {
  const rows = report.blocks.map((block) => [
    place(block),
    block.env,
    block.exitCode === undefined ? '-' : String(block.exitCode),
    block.verdict.status === 'skip' ? '-' : seconds(block.durationMs),
    statusText(block),
  ]);
  const header = ['block', 'env', 'exit', 'time', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  const summary =
    `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped` +
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

export function toJUnit(report: CheckReport): string {
  const cases = report.blocks.map((block) => {
    const name = xml(`${place(block)}${block.title ? ` ${block.title}` : ''}`);
    const open = `  <testcase classname="${xml(block.source)}" name="${name}" time="${(block.durationMs / 1000).toFixed(3)}">`;
    const {verdict} = block;
    if (verdict.status === 'pass') return `${open}</testcase>`;
    if (verdict.status === 'skip') return `${open}<skipped message="skip-check"/></testcase>`;
    return `${open}\n    <failure type="${verdict.reason}" message="${xml(verdict.message)}">${xml(block.outputTail)}</failure>\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="docusaurus-sandbox check" tests="${report.blocks.length}" failures="${report.failed}" skipped="${report.skipped}" time="${(report.wallMs / 1000).toFixed(3)}">`,
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
