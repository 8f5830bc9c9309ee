import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BuildCheckError, checkBuiltSite, type RunCheck} from '../check.js';

describe('check at the end of the build', () => {
  const quiet = {stdout: {write: () => true}, stderr: {write: () => true}};

  it('checks the build output with the site config, like `docusaurus-sandbox check <outDir>`', async () => {
    const calls: Array<Parameters<RunCheck>> = [];
    await checkBuiltSite({
      outDir: '/site/build',
      siteDir: '/site',
      configFile: '/site/sandbox.config.json',
      options: {jobs: 2, record: true},
      io: quiet,
      runCheck: async (...args) => {
        calls.push(args);
        return 0;
      },
    });
    assert.equal(calls.length, 1);
    const [command, io] = calls[0]!;
    assert.deepEqual(command, {
      command: 'check',
      siteDir: '/site/build',
      configFile: '/site/sandbox.config.json',
      serverUrl: undefined,
      jobs: 2,
      filter: undefined,
      json: false,
      junit: undefined,
      record: true,
    });
    assert.equal(io.cwd, '/site');
  });

  it('fails the build when a block fails', async () => {
    await assert.rejects(
      checkBuiltSite({outDir: 'b', siteDir: '.', configFile: undefined, options: {record: false}, io: quiet, runCheck: async () => 1}),
      (error: unknown) => error instanceof BuildCheckError && error.code === 'check-failed' && /failed the check/.test(error.message),
    );
  });

  it('loads the real check command when none is injected', async () => {
    // A build directory without a manifest is a usage error of the real command: proof it was loaded and ran.
    await assert.rejects(
      checkBuiltSite({outDir: 'no-such-build', siteDir: process.cwd(), configFile: undefined, options: {record: false}, io: quiet}),
      /no sandbox-manifest\.json in/,
    );
  });
});
