// Compiles the package to dist/ and copies the theme's non-TypeScript assets
// (CSS modules; the client, client/, has none): Docusaurus does not compile .ts/.tsx files under
// node_modules, so the theme ships as JavaScript beside its CSS.
// The theme's JSX is kept as JSX in those .js files (`jsx: react-native`), as Docusaurus's own themes
// ship theirs: `docusaurus write-translations` reads the plugin's theme path and finds only
// <Translate> elements and translate() calls it can parse, and compiled JSX (`_jsx(Translate, …)`) is
// neither. Docusaurus's bundler compiles JSX in the .js files of any package whose name contains
// "docusaurus"; .tsx files are the theme's only ones, so the flag changes nothing else.
import {execFileSync} from 'node:child_process';
import {cpSync, rmSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', {recursive: true, force: true});
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--jsx', 'react-native'], {
  stdio: 'inherit',
});
const isAsset = (path) =>
  statSync(path).isDirectory() ? !path.includes('__tests__') : !/\.(ts|tsx)$/.test(path);
cpSync('theme', 'dist/theme', {recursive: true, filter: isAsset});
// The Vue component's stylesheet (imported by vitepress/theme/index.ts).
cpSync('vitepress/theme', 'dist/vitepress/theme', {recursive: true, filter: isAsset});
