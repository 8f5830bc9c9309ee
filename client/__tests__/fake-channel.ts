/** The site's open pages' channel, for tests: a bus that delivers what one page posts to the others. */
import type {PageChannel, PageMessage} from '../page-channel.js';

/** A BroadcastChannel stand-in: what one page posts reaches every other page joined to the bus, synchronously. */
export class FakeBus {
  readonly posted: PageMessage[] = [];
  readonly #receivers = new Map<FakeChannel, (data: unknown) => void>();

  open(): FakeChannel {
    return new FakeChannel(this);
  }

  join(channel: FakeChannel, receive: (data: unknown) => void): void {
    this.#receivers.set(channel, receive);
  }

  leave(channel: FakeChannel): void {
    this.#receivers.delete(channel);
  }

  deliver(from: FakeChannel | undefined, data: unknown): void {
    if (from) this.posted.push(data as PageMessage);
    // Structured clone: the receiver never shares the sender's objects.
    for (const [channel, receive] of Array.from(this.#receivers)) if (channel !== from) receive(structuredClone(data));
  }
}

export class FakeChannel implements PageChannel {
  closed = false;
  constructor(readonly bus: FakeBus) {}
  post(message: PageMessage): void {
    if (!this.closed) this.bus.deliver(this, message);
  }
  listen(receive: (data: unknown) => void): void {
    this.bus.join(this, receive);
  }
  close(): void {
    this.closed = true;
    this.bus.leave(this);
  }
}
