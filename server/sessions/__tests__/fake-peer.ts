/** A client socket double for Session and OutputPump tests. */
import type {SessionPeer} from '../session.js';
import {parseServerMessage, type ServerMessage} from '../../../protocol/index.js';

export class FakePeer implements SessionPeer {
  bufferedAmount = 0;
  open = true;
  paused = false;
  readonly binary: Buffer[] = [];
  readonly control: ServerMessage[] = [];
  closed: {code: number; reason: string} | undefined;

  send(data: Buffer | string): void {
    if (typeof data === 'string') this.control.push(parseServerMessage(data)!);
    else this.binary.push(data);
  }

  close(code: number, reason: string): void {
    this.closed ??= {code, reason};
    this.open = false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  get output(): string {
    return Buffer.concat(this.binary).toString('utf8');
  }
}
