/**
 * A session's control messages (text frames): parsed, held to the message
 * rate, and dispatched to the session's handlers. A message that cannot be
 * read is answered with `bad-message` and the session goes on.
 */
import {parseClientMessage, ProtocolError, type ServerMessage, type SignalName} from '../../protocol/index.js';
import type {Clock} from '../clock.js';
import {MessageRateWindow} from './message-rate.js';

/** What the session does for each message. */
export interface ControlHandlers {
  acknowledge(bytes: number): void;
  resize(cols: number, rows: number): void;
  /**
   * SIGINT: Ctrl-C (ETX) to the TTY. The terminal's line discipline turns it
   * into SIGINT for the foreground process group, exactly as in a local
   * terminal, and a program in raw mode (an editor, a REPL) gets the key it expects.
   */
  interrupt(): void;
  /** SIGTERM and SIGKILL go to the container (tini forwards them). */
  kill(signal: Exclude<SignalName, 'SIGINT'>): void;
  /** `hello` from a client that acknowledges output. */
  enableAcks(): void;
  /** Sends an error (or other control message) back to the client. */
  reply(message: ServerMessage): void;
}

export class ControlChannel {
  readonly #window: MessageRateWindow;

  constructor(
    messagesPerSecond: number,
    clock: Clock,
    private readonly handlers: ControlHandlers,
  ) {
    this.#window = new MessageRateWindow(messagesPerSecond, clock);
  }

  receive(text: string): void {
    let message;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      if (!this.allow()) return;
      const reason = error instanceof ProtocolError ? error.message : 'control message could not be read';
      this.handlers.reply({type: 'error', code: 'bad-message', message: reason});
      return;
    }
    // Acks are paced by the output itself (one per ACK_EVERY_BYTES) and cost a
    // counter update: they are not rate-limited, or a fast flood would stall
    // its own window.
    if (message.type === 'ack') {
      this.handlers.acknowledge(message.bytes);
      return;
    }
    if (!this.allow()) return;
    switch (message.type) {
      case 'resize':
        this.handlers.resize(message.cols, message.rows);
        break;
      case 'signal':
        if (message.signal === 'SIGINT') this.handlers.interrupt();
        else this.handlers.kill(message.signal);
        break;
      case 'hello':
        if (message.acks) this.handlers.enableAcks();
        break;
    }
  }

  private allow(): boolean {
    const verdict = this.#window.take();
    if (verdict === 'refused-first') {
      this.handlers.reply({
        type: 'error',
        code: 'message-rate',
        message: `more than ${this.#window.perSecond} control messages per second; extra messages are dropped`,
      });
    }
    return verdict === 'allowed';
  }
}
