/**
 * The server under benchmark, in its own process so its RSS and CPU are its
 * own (the benchmark's clients and the raw-Docker baselines run in the parent).
 * Started by bench/server/index.ts, compiled with tsc (build.ts), with an IPC
 * channel and `--expose-gc`:
 * - env BENCH_CONFIG: the config input (JSON), BENCH_INSTANCE: the instance id;
 * - sends `{type: 'ready', url}` once listening;
 * - answers `{id, type: 'sample', gc}` with memory and CPU figures,
 *   `{id, type: 'pool'}` with the ready warm containers, `{id, type: 'starts'}`
 *   with the container starts observed since the last ask;
 * - `{type: 'close'}` closes the server (drains the pool) and exits.
 */
import {getHeapSpaceStatistics} from 'node:v8';
import {normalizeConfig, type SandboxConfigInput} from '../../config/index.js';
import {createSandboxServer} from '../../server/index.js';
import {createRuntime} from '../../server/runtime/create.js';
import {PooledRuntime, type StartObservation} from '../../server/runtime/pool.js';

export type ChildRequest = {id: number; type: 'sample'; gc: boolean} | {id: number; type: 'pool'} | {id: number; type: 'starts'} | {type: 'close'};

export type ChildAnswer =
  | {type: 'ready'; url: string}
  | {
      id: number;
      type: 'sample';
      rss: number;
      heapUsed: number;
      external: number;
      arrayBuffers: number;
      /** Resident bytes of V8's young generation (see youngGenerationBytes). */
      youngGeneration: number;
      cpuMicros: number;
      at: number;
    }
  | {id: number; type: 'pool'; warm: number}
  | {id: number; type: 'starts'; starts: StartObservation[]};

const send = (answer: ChildAnswer) => process.send?.(answer);

/**
 * The young generation's resident bytes. V8 sizes it by the allocation rate,
 * not by what is live (it grew by 3-8 MB, 75-200 KB "per session", while 40
 * sessions typed), so the benchmark takes it out of the RSS per session.
 */
function youngGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') bytes += space.physical_space_size;
  }
  return bytes;
}

const input = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as SandboxConfigInput;
const instanceId = process.env.BENCH_INSTANCE ?? `bench-${process.pid}`;
const config = normalizeConfig({...input, server: {...input.server, instanceId}});
const starts: StartObservation[] = [];
const runtime = createRuntime({config, instanceId, onStart: (observation) => starts.push(observation)});
const server = createSandboxServer({config, runtime});
const {url} = await server.listen();

const collect = (global as {gc?: () => void}).gc;

process.on('message', (message: ChildRequest) => {
  switch (message.type) {
    case 'sample': {
      if (message.gc && collect) {
        // Two passes: the second frees what the first one's finalizers released.
        collect();
        collect();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({
        id: message.id,
        type: 'sample',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        youngGeneration: youngGenerationBytes(),
        cpuMicros: cpu.user + cpu.system,
        at: performance.now(),
      });
      break;
    }
    case 'pool':
      send({id: message.id, type: 'pool', warm: runtime instanceof PooledRuntime ? runtime.warmCount : 0});
      break;
    case 'starts':
      send({id: message.id, type: 'starts', starts: starts.splice(0)});
      break;
    case 'close':
      void (async () => {
        await server.close();
        await runtime.close?.();
        process.exit(0);
      })();
      break;
  }
});

send({type: 'ready', url});
