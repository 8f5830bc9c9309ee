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
      adminPort: undefined,
      adminHost: undefined,
      adminToken: undefined,
      logLevel: undefined,
    });
    assert.deepEqual(parseCommandLine(['serve']), {
      command: 'serve',
      siteDir: undefined,
      configFile: undefined,
      port: undefined,
      host: undefined,
      allowInline: false,
      adminPort: undefined,
      adminHost: undefined,
      adminToken: undefined,
      logLevel: undefined,
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

  it('reads the admin and log flags of serve', () => {
    const command = parseCommandLine(['serve', '--admin-port', '9101', '--admin-host', '0.0.0.0', '--admin-token', 't0k', '--log-level', 'debug']);
    assert.equal(command.command, 'serve');
    if (command.command !== 'serve') return;
    assert.deepEqual(
      [command.adminPort, command.adminHost, command.adminToken, command.logLevel],
      [9101, '0.0.0.0', 't0k', 'debug'],
    );
    assert.throws(() => parseCommandLine(['serve', '--admin-port', 'x']), /--admin-port must be a number/);
    assert.throws(() => parseCommandLine(['serve', '--log-level', 'loud']), /--log-level must be one of/);
  });

  it('reads mcp with its flags and defaults', () => {
    assert.deepEqual(parseCommandLine(['mcp']), {
      command: 'mcp',
      siteDir: 'build',
      configFile: undefined,
      serverUrl: undefined,
      allowInline: false,
      jobs: undefined,
      logLevel: undefined,
    });
    assert.deepEqual(
      parseCommandLine(['mcp', 'site/build', '--server', 'http://127.0.0.1:3000/', '--allow-inline', '--jobs', '3', '--config', 'c.json', '--log-level', 'debug']),
      {
        command: 'mcp',
        siteDir: 'site/build',
        configFile: 'c.json',
        serverUrl: 'http://127.0.0.1:3000',
        allowInline: true,
        jobs: 3,
        logLevel: 'debug',
      },
    );
    assert.throws(() => parseCommandLine(['mcp', 'a', 'b']), /mcp takes one SITE_BUILD_DIR/);
    assert.throws(() => parseCommandLine(['mcp', '--jobs', '0']), /--jobs must be a whole number/);
    usage(['mcp', '--port', '1']);
  });

  it('reads check with its flags and defaults', () => {
    assert.deepEqual(parseCommandLine(['check']), {
      command: 'check',
      siteDir: 'build',
      configFile: undefined,
      serverUrl: undefined,
      jobs: undefined,
      filter: undefined,
      json: false,
      junit: undefined,
      record: false,
    });
    assert.deepEqual(
      parseCommandLine(['check', 'site/build', '--server', 'http://127.0.0.1:3000/', '--jobs', '2', '--filter', 'tour', '--json', '--junit', 'r.xml', '--record']),
      {
        command: 'check',
        siteDir: 'site/build',
        configFile: undefined,
        serverUrl: 'http://127.0.0.1:3000',
        jobs: 2,
        filter: 'tour',
        json: true,
        junit: 'r.xml',
        record: true,
      },
    );
    assert.throws(() => parseCommandLine(['check', '--jobs', '0']), /--jobs must be a whole number/);
    assert.throws(() => parseCommandLine(['check', '--server', 'ftp://x']), /--server must be an http/);
    assert.throws(() => parseCommandLine(['check', 'a', 'b']), /one SITE_BUILD_DIR/);
  });

  it('reads sessions list and kill', () => {
    assert.deepEqual(parseCommandLine(['sessions', 'list', '--admin', 'http://127.0.0.1:3001', '--json']), {
      command: 'sessions-list',
      adminUrl: 'http://127.0.0.1:3001',
      adminToken: undefined,
      json: true,
    });
    assert.deepEqual(parseCommandLine(['sessions', 'kill', 'abc_DEF-1', '--admin-token', 'T']), {
      command: 'sessions-kill',
      id: 'abc_DEF-1',
      adminUrl: undefined,
      adminToken: 'T',
    });
    assert.throws(() => parseCommandLine(['sessions', 'kill']), /one session ID/);
    assert.throws(() => parseCommandLine(['sessions', 'stop']), /unknown sessions command/);
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

  it("finds a VitePress site's config at its root, beside .vitepress/", () => {
    const onlyRoot = (path: string) => path === '/w/docs/sandbox.config.json';
    assert.equal(resolveConfigFile(undefined, {cwd: '/w', siteDir: 'docs/.vitepress/dist', exists: onlyRoot}).file, '/w/docs/sandbox.config.json');
    assert.equal(resolveConfigFile(undefined, {cwd: '/w', siteDir: 'docs/other/dist', exists: onlyRoot}).file, undefined);
  });
});

describe('serve --node and --redis', () => {
  it('are passed on when given and absent otherwise', () => {
    const command = parseCommandLine(['serve', '--node', 'n1', '--redis', 'redis://127.0.0.1:6379']);
    assert.equal(command.command === 'serve' && command.node, 'n1');
    assert.equal(command.command === 'serve' && command.redis, 'redis://127.0.0.1:6379');
    assert.equal('node' in parseCommandLine(['serve']), false);
    assert.throws(() => parseCommandLine(['serve', '--node', '']), /--node needs a name/);
    assert.throws(() => parseCommandLine(['serve', '--redis', '']), /--redis needs a URL/);
  });
});
