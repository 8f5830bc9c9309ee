/**
 * `npm run cluster -- up --nodes 3 | kill-node NAME | down | status`: a thin
 * entry over `plan.ts` (pure) and `commands.ts` (effects). Exit codes: 0
 * success, 1 failure (or something left behind by `down`), 2 bad usage.
 */
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {clusterDir, down, killNode, readState, restartRedis, up, type CommandContext} from './commands.js';
import {CLUSTER_USAGE, ClusterUsageError, parseClusterArgs} from './plan.js';

const context: CommandContext = {
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
};

async function main(argv: string[]): Promise<number> {
  const command = parseClusterArgs(argv);
  if (command.command === 'help') {
    context.out(CLUSTER_USAGE);
    return 0;
  }
  const dir = clusterDir(command.dir, context.env);
  if (command.command === 'up') {
    await up({...command, dir}, context);
    return 0;
  }
  const state = readState(dir);
  if (!state) {
    context.out(`no cluster is up in ${dir}`);
    return command.command === 'down' ? 0 : 1;
  }
  switch (command.command) {
    case 'status':
      context.out(JSON.stringify(state, null, 2));
      return 0;
    case 'kill-node':
      await killNode(state, command.name, context);
      return 0;
    case 'restart-redis':
      await restartRedis(state, context);
      return 0;
    case 'down': {
      const left = await down(state, context);
      return left.pids.length + left.namespaces.length + left.mounts.length === 0 && !left.dirExists ? 0 : 1;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof ClusterUsageError) process.stderr.write('Run `npm run cluster -- help` for usage.\n');
    process.exitCode = error instanceof ClusterUsageError ? 2 : 1;
  },
);
