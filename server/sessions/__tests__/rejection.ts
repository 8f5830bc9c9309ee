/** The SandboxError `action` throws; fails the test when it throws none. */
import assert from 'node:assert/strict';
import {SandboxError} from '../../errors.js';

export function rejection(action: () => unknown): SandboxError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SandboxError);
    return error;
  }
  assert.fail('expected a rejection');
}
