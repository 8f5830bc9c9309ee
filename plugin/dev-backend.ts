/**
 * The dev backend's process, forked by `startDevBackend` (dev.ts). It stops,
 * removing its containers, when the plugin closes the channel or the dev
 * server dies (the channel closes then too), and on SIGINT/SIGTERM: Ctrl-C in
 * a terminal reaches the whole process group, and the default action would
 * end this process before its containers are gone.
 */
import {requireBackendPackages} from '../server/cli/backend-packages.js';
import {serveDevBackend, type BackendMessage} from './dev.js';

const backend = serveDevBackend({
  load: () => {
    // Named with the install line when the backend's optional packages are missing.
    requireBackendPackages('docusaurus start (the dev backend)');
    return import('../server/index.js');
  },
  send: (message: BackendMessage) => {
    if (process.connected) process.send?.(message);
  },
  exit: (code) => process.exit(code),
});
process.on('message', backend.onMessage);
process.on('disconnect', () => void backend.stop());
process.on('SIGINT', () => void backend.stop());
process.on('SIGTERM', () => void backend.stop());
