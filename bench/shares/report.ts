/**
 * Pure parts of the shares bench: the turns (which session is sampled when),
 * the summary of each viewer count and the report's lines.
 */
import {percentiles, type Percentiles} from '../steps/report.js';

/** The sessions' order in turn `turn`: rotated, so none always follows another's echo. */
export function turnOrder<T>(items: readonly T[], turn: number): T[] {
  const shift = turn % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export interface ViewerCountResult {
  viewers: number;
  echo: Percentiles;
}

export function summarize(samples: ReadonlyMap<number, readonly number[]>): ViewerCountResult[] {
  return [...samples.entries()].sort(([a], [b]) => a - b).map(([viewers, values]) => ({viewers, echo: percentiles(values)}));
}

const ms = (value: number) => value.toFixed(2);

/** One table per phase: p50/p90/p99 of the owner's echo with 0, 1, 8 viewers, and each beside 0 viewers. */
export function formatSharesReport(phases: ReadonlyArray<{name: string; results: ViewerCountResult[]}>): string {
  const lines: string[] = [];
  for (const {name, results} of phases) {
    const alone = results.find((result) => result.viewers === 0);
    lines.push(`${name}:`, '  viewers   n      p50     p90     p99   p99 − p99(0 viewers)');
    for (const {viewers, echo} of results) {
      const delta = alone ? `${echo.p99 - alone.echo.p99 >= 0 ? '+' : ''}${ms(echo.p99 - alone.echo.p99)}` : 'n/a';
      lines.push(`  ${String(viewers).padStart(7)} ${String(echo.count).padStart(5)} ${ms(echo.p50).padStart(8)} ${ms(echo.p90).padStart(7)} ${ms(echo.p99).padStart(7)}   ${delta} ms`);
    }
  }
  return lines.join('\n');
}
