/**
 * A reader in another process: connects to an interactive session and
 * measures keystroke echo round trips until stdin closes, then prints the
 * 99th percentile (ms) as JSON. Out of process so the test's own work (it also
 * runs the server and the attacking client) does not queue behind the echo.
 *   node --import tsx echo-probe.ts <ws url> <token> <origin>
 */
import WebSocket from 'ws';
import {clientSubprotocols} from '../../protocol/index.js';

const [url, token, origin] = process.argv.slice(2) as [string, string, string];
const ws = new WebSocket(url, clientSubprotocols(token), {origin});
const samples: number[] = [];
let stopping = false;
process.stdin.on('end', () => (stopping = true)).resume();

ws.on('error', (error) => {
  console.error(String(error));
  process.exit(1);
});
ws.on('open', () => {
  let sent = 0;
  let running = false;
  const next = () => {
    if (stopping && samples.length >= 100) {
      samples.sort((a, b) => a - b);
      process.stdout.write(JSON.stringify({p99: samples[Math.floor(samples.length * 0.99)], samples: samples.length}));
      ws.close();
      return;
    }
    // A key every ~10 ms: an attack of a few seconds gives several hundred
    // samples, so the p99 is not just the second-worst keystroke.
    setTimeout(() => {
      sent = performance.now();
      ws.send(Buffer.from('k'));
    }, 10);
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      if (!running && data.toString().includes('"running"')) {
        running = true;
        next();
      }
      return;
    }
    if (!running || sent === 0) return;
    samples.push(performance.now() - sent);
    sent = 0;
    next();
  });
});
