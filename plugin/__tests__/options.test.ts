import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {createRequire} from 'node:module';
import {DEFAULT_OPTIONS, validateOptions, type Options, type PluginOptions} from '../options.js';

const {normalizePluginOptions} = createRequire(import.meta.url)('@docusaurus/utils-validation') as typeof import('@docusaurus/utils-validation');

// What Docusaurus does with a plugin's validateOptions.
const validate = (options: Options | undefined) =>
  validateOptions({validate: normalizePluginOptions as never, options}) as PluginOptions;

describe('plugin options', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(validate({}), {id: 'default', ...DEFAULT_OPTIONS});
    assert.deepEqual(validate(undefined), {id: 'default', ...DEFAULT_OPTIONS});
  });

  it('accepts a server URL, a config file and a dev port', () => {
    const options = validate({serverUrl: 'https://sandbox.example.com', configFile: 'conf/sandbox.json', devServer: {port: 4001}});
    assert.equal(options.serverUrl, 'https://sandbox.example.com');
    assert.equal(options.configFile, 'conf/sandbox.json');
    assert.deepEqual(options.devServer, {port: 4001});
    assert.equal(options.recordedOnly, false);
    assert.equal(validate({recordedOnly: true}).recordedOnly, true);
  });

  it('check is off by default; true means the defaults of its object form', () => {
    assert.equal(validate({}).check, false);
    assert.deepEqual(validate({check: true}).check, {record: false});
    assert.deepEqual(validate({check: {jobs: 2, record: true}}).check, {jobs: 2, record: true});
    assert.throws(() => validate({check: {jobs: 0}}), /"check\.jobs" must be greater than or equal to 1/);
    assert.throws(() => validate({check: 'yes'} as unknown as Options), /"check"/);
  });

  it('names the option in the error', () => {
    assert.throws(() => validate({serverUrl: 'ftp://x'}), /"serverUrl" must be an http\(s\) URL/);
    assert.throws(() => validate({configFile: ''}), /"configFile" is not allowed to be empty/);
    assert.throws(() => validate({devServer: {port: 70000}}), /"devServer\.port" must be less than or equal to 65535/);
    assert.throws(() => validate({colour: 'red'} as Options), /"colour" is not allowed/);
    assert.throws(() => validate({recordedOnly: 'yes'} as unknown as Options), /"recordedOnly" must be a boolean/);
  });
});
