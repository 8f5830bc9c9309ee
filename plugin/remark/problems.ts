/**
 * Authoring errors of one file, gathered so that an author fixing a page sees
 * every bad block at once instead of one per build. The file then fails once:
 * Docusaurus prints only the message of a failed MDX compilation, so that
 * message holds every problem, one `source:line:column: reason` per line.
 */
import type {VFile} from 'vfile';

export interface Place {
  line: number;
  column: number;
}

export interface AuthoringProblem {
  reason: string;
  place: Place | undefined;
}

const ORIGIN = {ruleId: 'invalid-block', source: 'docusaurus-sandbox'} as const;

/** `source:line:column: reason`, or `source: reason` without a place. */
export function formatProblem(source: string, {reason, place}: AuthoringProblem): string {
  const where = place ? `${source}:${place.line}:${place.column}` : source;
  return `${where}: ${reason}`;
}

/** Document order; problems without a place last. */
function byPlace(a: AuthoringProblem, b: AuthoringProblem): number {
  if (!a.place || !b.place) return (a.place ? 0 : 1) - (b.place ? 0 : 1);
  return a.place.line - b.place.line || a.place.column - b.place.column;
}

/** The problems in document order, those without a place last. */
export const sortProblems = (found: readonly AuthoringProblem[]): AuthoringProblem[] => [...found].sort(byPlace);

/**
 * The one message of a file's problems, one `source:line:column: reason` per
 * line in document order (what a failed remark file says), or undefined when
 * there are none: other front ends (markdown-it) throw it as it is.
 */
export function problemsMessage(source: string, found: readonly AuthoringProblem[]): string | undefined {
  const problems = sortProblems(found);
  return problems.length === 0 ? undefined : problems.map((problem) => formatProblem(source, problem)).join('\n');
}

/**
 * Throws once when there are problems. One problem fails exactly as a single
 * `file.fail` would. With several, each is also recorded as its own message
 * with its place (for tools that read `file.messages`), and the thrown one
 * carries the first problem's place and lists all of them in document order,
 * the first line being the first problem's message.
 */
export function failOnProblems(file: VFile, source: string, found: readonly AuthoringProblem[]): void {
  const problems = sortProblems(found);
  const [first] = problems;
  if (first === undefined) return;
  if (problems.length > 1) {
    for (const problem of problems) file.message(formatProblem(source, problem), {...(problem.place ? {place: problem.place} : {}), ...ORIGIN});
  }
  file.fail(problems.map((problem) => formatProblem(source, problem)).join('\n'), {...(first.place ? {place: first.place} : {}), ...ORIGIN});
}
