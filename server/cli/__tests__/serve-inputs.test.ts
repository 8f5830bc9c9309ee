import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {requireNamedConfigFile, requireSiteDir, UsageError} from '../args.js';

describe('requireNamedConfigFile', () => {
  it('accepts no --config and a named file that exists', () => {
    requireNamedConfigFile(undefined, {cwd: '/w', exists: () => false});
    requireNamedConfigFile('sandbox.config.json', {cwd: '/w', exists: (path) => path === '/w/sandbox.config.json'});
  });

  it('refuses a named file that is missing, naming it, where it looked and the way out', () => {
    assert.throws(
      () => requireNamedConfigFile('sandbox.config.json', {cwd: '/w', exists: () => false}),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /^cannot read sandbox config file sandbox\.config\.json: there is no file \/w\/sandbox\.config\.json\./);
        assert.match(error.message, /leave out --config/);
        return true;
      },
    );
  });
});

describe('requireSiteDir', () => {
  it('accepts no site directory and one that is a folder', () => {
    requireSiteDir(undefined, {cwd: '/w', isDirectory: () => undefined});
    requireSiteDir('build', {cwd: '/w', isDirectory: (path) => (path === '/w/build' ? true : undefined)});
  });

  it('refuses a folder that does not exist, naming it and where it looked', () => {
    assert.throws(
      () => requireSiteDir('biuld', {cwd: '/w', isDirectory: () => undefined}),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /^site directory biuld does not exist \(looked at \/w\/biuld\); build the site first/);
        return true;
      },
    );
  });

  it('refuses a file given as the site directory', () => {
    assert.throws(() => requireSiteDir('build/index.html', {cwd: '/w', isDirectory: () => false}), /site directory build\/index\.html is a file, not a folder/);
  });
});
