import {execFileSync} from 'node:child_process';
import {it} from 'node:test';
import type {SandboxBlock} from '../../config/index.js';
import {labelledContainers, startTestServer, testInstanceId} from '../helpers/server.js';
const mk = (id: string, step: number, cmd: string): SandboxBlock => ({id, env: 'shell', cmd, files: [], options: {editable: false, interactive: false, exit: 0, skipCheck: false}, source: 'x.md', line: step, session: 'ps', step});
const C = process.env.CMDS!.split('|||');
it('dbg', async () => {
  const instanceId = testInstanceId('dbg');
  const server = await startTestServer({instanceId, manifest: {version: 1, blocks: C.map((c, i) => mk(`s${i + 1}`, i + 1, c))}, config: {environments: {shell: {runtime: 'runsc'}}}});
  const state = () => labelledContainers(instanceId).map((id) => execFileSync('docker', ['inspect', '-f', '{{.State.Status}}', id], {encoding: 'utf8'}).trim());
  let ref: any;
  for (const [i] of C.entries()) {
    const c = await server.create({block: `s${i + 1}`, ...(ref ? {environment: ref} : {})});
    ref ??= {id: c.environment!.id, token: c.environment!.token};
    const cl = await server.connect(c);
    const e = await cl.waitForExit(20000).catch((err) => String(err).slice(0, 200));
    console.log(i + 1, JSON.stringify(cl.output), JSON.stringify(e), state());
    await new Promise((r) => setTimeout(r, 300));
    console.log('  after', state());
  }
  await server.close();
});
