import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseCommandLine, resolveConfigFile, UsageError} from '../args.js';

const usage = (argv: string[]) => assert.throws(() => parseCommandLine(argv), UsageError);

describe('parseCommandLine', () => {
  it('reads serve with a site directory and flags', () => {
    assert.deepEqual(parseCommandLine(['serve', 'build', '--port', '0', '--host', '0.0.0.0', '--config', 'x.json', '--allow-inline']), {
      command: 'serve',
      siteDir: 'build',
      configFile: 'x.json',
      port: 0,
      host: '0.0.0.0',
      allowInline: true,
    });
    assert.deepEqual(parseCommandLine(['serve']), {
      command: 'serve',
      siteDir: undefined,
      configFile: undefined,
      port: undefined,
      host: undefined,
      allowInline: false,
    });
  });

  it('reads images build and doctor', () => {
    assert.deepEqual(parseCommandLine(['images', 'build', '--force', 'node', 'python']), {
      command: 'images-build',
      envs: ['node', 'python'],
      force: true,
      configFile: undefined,
    });
    assert.deepEqual(parseCommandLine(['doctor']), {command: 'doctor', configFile: undefined});
  });

  it('shows help', () => {
    for (const argv of [[], ['--help'], ['-h'], ['serve', '--help']]) assert.deepEqual(parseCommandLine(argv), {command: 'help'});
  });

  it('refuses bad usage with a message naming the problem', () => {
    usage(['launch']);
    usage(['serve', '--port', 'http']);
    usage(['serve', '--port', '70000']);
    usage(['serve', '--bogus']);
    usage(['serve', 'a', 'b']);
    usage(['images']);
    usage(['doctor', 'extra']);
    assert.throws(() => parseCommandLine(['serve', '--port', 'x']), /--port must be a number/);
    assert.throws(() => parseCommandLine(['frobnicate']), /unknown command "frobnicate"/);
  });
});

describe('resolveConfigFile', () => {
  it('prefers the named file, then the working directory, then beside the site', () => {
    const none = () => false;
    assert.deepEqual(resolveConfigFile('c.json', {cwd: '/w', siteDir: undefined, exists: none}), {file: '/w/c.json', optional: false});
    assert.deepEqual(resolveConfigFile(undefined, {cwd: '/w', siteDir: 'site/build', exists: none}), {file: undefined, optional: true});
    const onlySite = (path: string) => path === '/w/site/sandbox.config.json';
    assert.equal(resolveConfigFile(undefined, {cwd: '/w', siteDir: 'site/build', exists: onlySite}).file, '/w/site/sandbox.config.json');
    const both = () => true;
    assert.equal(resolveConfigFile(undefined, {cwd: '/w', siteDir: 'site/build', exists: both}).file, '/w/sandbox.config.json');
  });
});
