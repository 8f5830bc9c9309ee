import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_OPTIONS, validateOptions, type Options} from '../options.js';

describe('withSandbox options', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(validateOptions(undefined), DEFAULT_OPTIONS);
    assert.deepEqual(validateOptions({}), DEFAULT_OPTIONS);
  });

  it('accepts a server URL, a config file, a config, a dev port and recordedOnly', () => {
    const options = validateOptions({serverUrl: 'https://sandbox.example.com', configFile: 'conf/sandbox.json', devServer: {port: 4001}, recordedOnly: true});
    assert.equal(options.serverUrl, 'https://sandbox.example.com');
    assert.equal(options.configFile, 'conf/sandbox.json');
    assert.deepEqual(options.devServer, {port: 4001});
    assert.equal(options.recordedOnly, true);
    assert.deepEqual(validateOptions({config: {defaultEnv: 'python'}}).config, {defaultEnv: 'python'});
  });

  it('names the option in the error', () => {
    assert.throws(() => validateOptions({serverUrl: 'ftp://x'}), /invalid withSandbox option: "serverUrl" must be an http\(s\) URL/);
    assert.throws(() => validateOptions({configFile: ''}), /"configFile" is not allowed to be empty/);
    assert.throws(() => validateOptions({devServer: {port: 70000}}), /"devServer\.port" must be less than or equal to 65535/);
    assert.throws(() => validateOptions({colour: 'red'} as Options), /"colour" is not allowed/);
    assert.throws(() => validateOptions({recordedOnly: 'yes'} as unknown as Options), /"recordedOnly" must be a boolean/);
    assert.throws(() => validateOptions({recordedOnly: 'yes'} as unknown as Options), {code: 'invalid-config'});
  });
});
