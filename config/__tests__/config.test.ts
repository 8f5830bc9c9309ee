import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {
  checkFilePath,
  ConfigError,
  DEFAULT_LIMITS,
  loadConfig,
  normalizeConfig,
  parseDuration,
  parseSize,
  serverOverridesFromEnv,
} from '../index.js';

describe('units', () => {
  test('durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration(2), 2000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('-1s'), undefined);
  });
  test('sizes', () => {
    assert.equal(parseSize('64k'), 65_536);
    assert.equal(parseSize('256m'), 268_435_456);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.equal(parseSize(100), 100);
    assert.equal(parseSize('lots'), undefined);
  });
});

describe('normalizeConfig', () => {
  test('defaults give the three bundled environments', () => {
    const config = normalizeConfig({});
    assert.deepEqual(Object.keys(config.environments).sort(), ['node', 'python', 'shell']);
    assert.equal(config.defaultEnv, 'shell');
    assert.deepEqual(config.limits, DEFAULT_LIMITS);
    assert.equal(config.environments.node!.cmd, 'node index.js');
    assert.equal(config.server.port, 3000);
    assert.equal(config.server.allowInline, false);
  });

  test('units are normalised and environment limits inherit the global ones', () => {
    const config = normalizeConfig({
      limits: {timeout: '10s', memory: '512m'},
      environments: {python: {limits: {timeout: '1m', maxTimeout: '5m'}}},
    });
    assert.equal(config.limits.timeout, 10_000);
    assert.equal(config.environments.python!.limits.timeout, 60_000);
    assert.equal(config.environments.python!.limits.memory, 512 * 1024 ** 2);
    assert.equal(config.environments.shell!.limits.timeout, 10_000);
  });

  test('outputRate is a size per second, 4 MiB/s by default, 0 for no limit', () => {
    assert.equal(normalizeConfig({}).limits.outputRate, 4 * 1024 ** 2);
    assert.equal(normalizeConfig({limits: {outputRate: '512k'}}).limits.outputRate, 512 * 1024);
    assert.equal(normalizeConfig({environments: {shell: {limits: {outputRate: 0}}}}).environments.shell!.limits.outputRate, 0);
    assert.throws(() => normalizeConfig({limits: {outputRate: 'fast'}}), /"limits\.outputRate".*size such as "64k"/);
    assert.throws(() => normalizeConfig({limits: {outputRate: '1k'}}), /outputRate must be 0 \(no limit\) or at least "64k"/);
  });

  test('a custom environment needs image, file and cmd', () => {
    assert.throws(
      () => normalizeConfig({environments: {ruby: {image: 'ruby:3'}}}),
      (error: unknown) =>
        error instanceof ConfigError && error.code === 'invalid-config' && /"environments\.ruby\.file": required/.test(error.message),
    );
    const config = normalizeConfig({environments: {ruby: {image: 'ruby:3', file: 'main.rb', cmd: 'ruby main.rb'}}});
    assert.equal(config.environments.ruby!.shell, 'sh');
  });

  test('null removes a bundled environment', () => {
    const config = normalizeConfig({environments: {python: null}});
    assert.equal(config.environments.python, undefined);
  });

  test('errors name the option', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{limits: {timeout: 'soon'}}, /"limits\.timeout".*duration such as "500ms"/],
      [{limits: {memory: 'lots'}}, /"limits\.memory".*size such as "64k"/],
      [{server: {port: 70_000}}, /"server\.port"/],
      [{server: {origins: ['not a url']}}, /"server\.origins\.0"/],
      [{colour: 'blue'}, /"colour".*not allowed/],
      [{defaultEnv: 'cobol'}, /"defaultEnv": "cobol" is not an environment/],
      [{environments: {Bad_Name: {}}}, /"environments\.Bad_Name"/],
      [{limits: {memory: '64m', workspaceSize: '64m'}}, /workspaceSize \+ tmpSize .* below 75% of memory/],
      [{server: {highWaterMark: 10, lowWaterMark: 20}}, /lowWaterMark must be below/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => normalizeConfig(input), message, JSON.stringify(input));
    }
  });

  test('environment variables and flags override the file', () => {
    const env = {SANDBOX_PORT: '4000', SANDBOX_ALLOW_INLINE: 'true', SANDBOX_ORIGINS: 'https://a.example, https://b.example'};
    assert.deepEqual(serverOverridesFromEnv(env), {
      port: 4000,
      allowInline: true,
      origins: ['https://a.example', 'https://b.example'],
    });
    const config = loadConfig({env, server: {port: 5000}});
    assert.equal(config.server.port, 5000);
    assert.equal(config.server.allowInline, true);
    assert.throws(() => serverOverridesFromEnv({SANDBOX_PORT: 'x'}), /SANDBOX_PORT must be a whole number/);
  });

  test('a missing optional file is fine, a missing required one is not', () => {
    assert.equal(loadConfig({file: 'does-not-exist.json', optionalFile: true}).defaultEnv, 'shell');
    assert.throws(() => loadConfig({file: 'does-not-exist.json'}), /cannot read sandbox config file/);
  });
});

describe('checkFilePath', () => {
  test('accepts plain relative paths', () => {
    for (const path of ['main.py', 'src/lib/util.js', '.env', 'a-b_c.d']) assert.equal(checkFilePath(path), undefined, path);
  });
  test('refuses each bad form with the fix', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['/etc/passwd', /absolute.*"etc\/passwd"/],
      ['../../etc/passwd', /"\.\." segment/],
      ['a/../b', /"\.\." segment/],
      ['a\\b', /backslash/],
      ['a\0b', /NUL/],
      ['a//b', /empty or "\." segment/],
      ['./a', /empty or "\." segment/],
      ['x'.repeat(256), /longer than 255 bytes/],
      ['é'.repeat(128), /longer than 255 bytes/],
      ['a\nb', /control character/],
    ];
    for (const [path, reason] of cases) assert.match(checkFilePath(path) ?? '', reason, JSON.stringify(path));
  });
});

describe('security options', () => {
  test('defaults to anonymous auth and keeps the server defaults', () => {
    const config = normalizeConfig({});
    assert.deepEqual(config.auth, {mode: 'anonymous'});
    assert.equal(config.server.maxHeadersCount, 100);
    assert.equal(config.server.maxSessionsPerUser, 4);
    assert.equal(config.server.trustProxy, false);
    assert.equal(config.server.allowNoOrigin, false);
  });

  test('share limits: defaults, overrides and refusals that name the option', () => {
    const {server} = normalizeConfig({});
    assert.deepEqual([server.maxViewersPerSession, server.maxSharesPerSession, server.sharesPerMinute], [8, 4, 10]);
    const given = normalizeConfig({server: {maxViewersPerSession: 2, maxSharesPerSession: 1, sharesPerMinute: 3}}).server;
    assert.deepEqual([given.maxViewersPerSession, given.maxSharesPerSession, given.sharesPerMinute], [2, 1, 3]);
    assert.throws(() => normalizeConfig({server: {maxViewersPerSession: 0}}), /maxViewersPerSession/);
    assert.throws(() => normalizeConfig({server: {maxSharesPerSession: 1.5}}), /maxSharesPerSession/);
    assert.throws(() => normalizeConfig({server: {sharesPerMinute: -1}}), /sharesPerMinute/);
  });

  test('refuses a session token lifetime over 5 minutes', () => {
    assert.equal(normalizeConfig({server: {tokenTtl: '5m'}}).server.tokenTtl, 300_000);
    assert.throws(() => normalizeConfig({server: {tokenTtl: '6m'}}), /"server\.tokenTtl".*5m/);
  });

  test('normalises jwt settings: audience list, default algorithm by key type, clock tolerance 5 s', () => {
    const config = normalizeConfig({auth: {mode: 'jwt', jwt: {secret: 'x'.repeat(32), audience: 'docs'}}});
    assert.deepEqual(config.auth.jwt?.algorithms, ['HS256']);
    assert.deepEqual(config.auth.jwt?.audience, ['docs']);
    assert.equal(config.auth.jwt?.clockTolerance, 5_000);
    const jwks = normalizeConfig({auth: {mode: 'jwt', jwt: {jwksUrl: 'https://id.example/jwks.json', audience: ['a', 'b'], clockTolerance: '2s'}}});
    assert.deepEqual(jwks.auth.jwt?.algorithms, ['RS256', 'ES256']);
    assert.equal(jwks.auth.jwt?.clockTolerance, 2_000);
  });

  test('names the option for jwt settings in anonymous mode and for unknown auth modes', () => {
    assert.throws(() => normalizeConfig({auth: {jwt: {secret: 'x'.repeat(32), audience: 'a'}}}), /"auth\.jwt".*"auth\.mode": "jwt"/);
    assert.throws(() => normalizeConfig({auth: {mode: 'basic' as 'jwt'}}), /"auth\.mode"/);
  });

  test('a SANDBOX_JWT_SECRET without jwt mode stops the start', () => {
    // A secret without jwt mode is a mistake worth stopping for, not a silent anonymous server.
    assert.throws(() => loadConfig({env: {SANDBOX_JWT_SECRET: 's'.repeat(40)}}), /auth\.jwt/);
  });
});
