// Compiles the package to dist/ and copies the theme's non-TypeScript assets
// (CSS modules; the client, client/, has none): Docusaurus does not compile .ts/.tsx files under
// node_modules, so the theme ships as JavaScript beside its CSS.
import {execFileSync} from 'node:child_process';
import {cpSync, rmSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', {recursive: true, force: true});
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
const isAsset = (path) =>
  statSync(path).isDirectory() ? !path.includes('__tests__') : !/\.(ts|tsx)$/.test(path);
cpSync('theme', 'dist/theme', {recursive: true, filter: isAsset});
