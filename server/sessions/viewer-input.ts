/**
 * What a viewer's frame may do, by its share's mode: pure, so each rule is
 * tested alone. The terminal's size is the owner's and only the owner ends
 * the program; a `view` viewer reaches the program with nothing at all.
 */
import {parseClientMessage, ProtocolError, type ErrorCode, type ShareMode} from '../../protocol/index.js';

export type ViewerAction =
  | {kind: 'input'}
  | {kind: 'interrupt'}
  /** Accepted and without effect: a viewer has no flow window (its bound is its own buffer). */
  | {kind: 'ignore'}
  | {kind: 'refuse'; code: ErrorCode; message: string};

const VIEW_ONLY = 'this share can only watch: input, resize and signals do not reach the program';

export function viewerAction(mode: ShareMode, data: Buffer, isBinary: boolean): ViewerAction {
  if (isBinary) return mode === 'control' ? {kind: 'input'} : {kind: 'refuse', code: 'view-only', message: VIEW_ONLY};
  let message;
  try {
    message = parseClientMessage(data.toString('utf8'));
  } catch (error) {
    return {kind: 'refuse', code: 'bad-message', message: error instanceof ProtocolError ? error.message : 'control message could not be read'};
  }
  switch (message.type) {
    case 'ack':
    case 'hello':
      return {kind: 'ignore'};
    case 'resize':
      return mode === 'control'
        ? {kind: 'refuse', code: 'owner-only', message: "the terminal's size is the owner's; viewers get resize notices"}
        : {kind: 'refuse', code: 'view-only', message: VIEW_ONLY};
    case 'signal':
      if (mode === 'view') return {kind: 'refuse', code: 'view-only', message: VIEW_ONLY};
      // Ctrl-C is a keystroke (ETX through the terminal); ending the program is the owner's.
      return message.signal === 'SIGINT' ? {kind: 'interrupt'} : {kind: 'refuse', code: 'owner-only', message: `only the owner may send ${message.signal}`};
  }
}
