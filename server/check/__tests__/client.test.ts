/**
 * The one-shot runner against a scripted server that behaves like a program on
 * a TTY (no Docker): what it types and when, and the transcript it records.
 */
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {WebSocketServer, type WebSocket} from 'ws';
import {SUBPROTOCOL, encodeMessage} from '../../../protocol/index.js';
import {runSession} from '../client.js';

/**
 * A guessing program as a TTY shows it: the TTY echoes what arrives at once
 * (typed-ahead keys too), the program prints its next prompt once it read a
 * line, after a start-up delay longer than the first network round trip.
 */
function scriptedProgram(socket: WebSocket): void {
  const prompts = ['Your name? ', 'Guess: '];
  const lines: string[] = [];
  let reading = false;
  let line = '';
  const print = (text: string) => socket.send(Buffer.from(text));
  const read = () => {
    while (reading && lines.length > 0) {
      const answer = lines.shift()!;
      const prompt = prompts.shift();
      if (prompt !== undefined) {
        print(prompt);
        continue;
      }
      reading = false;
      print(`Bye, ${answer}\r\n`);
      socket.send(encodeMessage({type: 'exit', code: 0, reason: 'exit'}));
      socket.close(1000);
    }
  };
  socket.send(encodeMessage({type: 'status', state: 'running'}));
  setTimeout(() => {
    print(prompts.shift()!);
    reading = true;
    read();
  }, 150);
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return;
    for (const key of data.toString()) {
      // The TTY echoes every key when it arrives, whether the program reads yet or not.
      print(key === '\r' ? '\r\n' : key);
      if (key !== '\r') line += key;
      else {
        lines.push(line);
        line = '';
        read();
      }
    }
  });
}

describe('runSession against a scripted TTY', () => {
  let server: Server;
  let url = '';
  before(async () => {
    const sockets = new WebSocketServer({noServer: true, handleProtocols: () => SUBPROTOCOL});
    server = createServer((request, response) => {
      request.resume();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({id: 's1', token: 't', ws: '/api/sessions/s1/ws'}));
    });
    server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head, scriptedProgram));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const record = (paceInput: boolean) =>
    runSession(url, {block: 'b'}, {deadlineMs: 10_000, input: 'Ada\r7\r', record: true, ...(paceInput ? {paceInput} : {})});

  it('paced: the transcript shows each prompt before the answer typed at it, as the reader saw it', async () => {
    const run = await record(true);
    assert.deepEqual(run.exit, {code: 0, reason: 'exit'});
    const text = run.transcript!.map((chunk) => chunk.data).join('');
    assert.equal(text, 'Your name? Ada\r\nGuess: 7\r\nBye, 7\r\n');
    assert.equal(run.output, text);
    const at = (data: string) => run.transcript!.find((chunk) => chunk.data === data)!.at;
    assert.ok(at('A') >= at('Your name? '), 'the typed answer comes after its prompt');
    assert.ok(at('7') >= at('Guess: '));
    assert.ok(run.silentForMs !== undefined && run.silentForMs < 1000);
  });

  it('unpaced (as the MCP tools type): everything is typed when the program starts', async () => {
    const run = await record(false);
    assert.equal(run.output, 'Ada\r\n7\r\nYour name? Guess: Bye, 7\r\n', 'the TTY echoed the answers before any prompt');
  });
});
