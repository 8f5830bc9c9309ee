/**
 * Where a new session goes, decided by the gateway that received it (pure).
 * The balancer already sends it to a live gateway and skips one that answers
 * 503; the heartbeats let a full gateway send the reader straight to the
 * node with the most room instead of refusing, and never to a node whose
 * heartbeat expired (dead, or cut off from Redis: its beat lives 3 s).
 */
import type {NodeBeat} from './store.js';

export type Placement =
  /** This node has room: the session is made here, on its own engine. */
  | {decision: 'local'}
  /** This node is full and `node` has the most room: the reader is sent there. */
  | {decision: 'redirect'; node: string}
  /** No live node has room. */
  | {decision: 'full'};

export function place(self: string, selfFree: number, beats: readonly NodeBeat[]): Placement {
  if (selfFree > 0) return {decision: 'local'};
  let best: NodeBeat | undefined;
  for (const beat of beats) {
    if (beat.node === self || beat.free <= 0) continue;
    // Most room first; the name breaks ties so every gateway picks the same one.
    if (!best || beat.free > best.free || (beat.free === best.free && beat.node < best.node)) best = beat;
  }
  return best ? {decision: 'redirect', node: best.node} : {decision: 'full'};
}
