/**
 * Page sessions (multi-step tutorials): the blocks of one page that name the
 * same session (`session=NAME`, or the page's `sandbox_session: NAME`) are the
 * steps of one environment, in page order. Pure: the transform hands over the
 * blocks it built and gets back the sessions and what is wrong with them.
 */
import {createHash} from 'node:crypto';
import type {PageSession} from '../../config/block.js';
import type {AuthoringProblem, Place} from './problems.js';

/** `session=none` keeps a block out of the page's `sandbox_session`. */
export const NO_SESSION = 'none';

/** Names show in messages and the theme's labels; longer ones are typos or sentences. */
export const MAX_SESSION_NAME_LENGTH = 40;

const SESSION_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Why `name` cannot name a session, phrased with the fix (`spell` writes a
 * name the way the author writes it there: `session=x` or `sandbox_session: x`),
 * or undefined when it can.
 */
export function checkSessionName(name: string, spell: (name: string) => string): string | undefined {
  if (name === '') return `the session name is empty; write e.g. ${spell('tour')}`;
  if (!SESSION_NAME.test(name)) {
    const fixed = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'tour';
    return `the session name "${name}" may hold only letters, digits, "-" and "_"; write e.g. ${spell(fixed)}`;
  }
  if (name.length > MAX_SESSION_NAME_LENGTH) {
    return `the session name "${name}" is longer than ${MAX_SESSION_NAME_LENGTH} characters; shorten it, e.g. ${spell(name.slice(0, MAX_SESSION_NAME_LENGTH))}`;
  }
  return undefined;
}

export const spellOption = (name: string) => `session=${name}`;

/**
 * The session a block joins: its own `session=` (`none`: no session), else
 * the page's default, else none.
 */
export function sessionNameOf(option: string | undefined, pageDefault: string | undefined): string | undefined {
  const name = option ?? pageDefault;
  return name === NO_SESSION ? undefined : name;
}

/**
 * Stable and page-scoped: the same page and name give the same id on every
 * build, whatever the steps hold, so editing, adding or removing a step keeps
 * it (a reader's environment and the server's bookkeeping are keyed by it).
 * The blocks' own ids still change with their content.
 */
export function pageSessionId(source: string, name: string): string {
  return `ps-${createHash('sha256').update(JSON.stringify(['page-session', source, name])).digest('hex').slice(0, 12)}`;
}

/** A block of the page as the grouping needs it, in page order. */
export interface StepCandidate {
  id: string;
  env: string;
  /** The session it joins (see `sessionNameOf`), or undefined for none. */
  session: string | undefined;
  place: Place | undefined;
}

export interface GroupedSessions {
  /** In the order of their first steps on the page. */
  sessions: PageSession[];
  /** One per step whose env differs from its session's first step. */
  problems: AuthoringProblem[];
}

/**
 * Groups the page's blocks into sessions, steps in page order. A session runs
 * in one environment, so its first step's `env` is the session's, and every
 * other step with another env is a problem at that step's place.
 */
export function groupPageSessions(source: string, candidates: readonly StepCandidate[]): GroupedSessions {
  const byName = new Map<string, {session: PageSession; first: StepCandidate}>();
  const problems: AuthoringProblem[] = [];
  for (const candidate of candidates) {
    if (candidate.session === undefined) continue;
    const found = byName.get(candidate.session);
    if (!found) {
      byName.set(candidate.session, {
        session: {id: pageSessionId(source, candidate.session), name: candidate.session, source, env: candidate.env, blocks: [candidate.id]},
        first: candidate,
      });
      continue;
    }
    if (candidate.env !== found.session.env) {
      const firstLine = found.first.place ? ` (line ${found.first.place.line})` : '';
      problems.push({
        reason:
          `this block uses env "${candidate.env}", but the first step${firstLine} of session "${candidate.session}" uses env "${found.session.env}"; ` +
          `all steps of a session run in one environment: write env=${found.session.env}, or session=none to run this block on its own`,
        place: candidate.place,
      });
      continue;
    }
    found.session.blocks.push(candidate.id);
  }
  return {sessions: [...byName.values()].map(({session}) => session), problems};
}
