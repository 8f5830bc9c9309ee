import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {join, relative} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {getSwizzleConfig} from '../index.js';

const themeDir = fileURLToPath(new URL('../../theme', import.meta.url));

/** The names `docusaurus swizzle` lists for a theme folder: each module, and each folder above one. */
function componentNames(dir: string): string[] {
  const names = new Set<string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, {withFileTypes: true})) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__tests__') walk(path);
      } else if (/(?<!\.d)\.tsx?$/.test(entry.name)) {
        const name = relative(dir, path).split('\\').join('/').replace(/\/index\.tsx?$/, '').replace(/\.tsx?$/, '');
        const parts = name.split('/');
        for (let end = 1; end <= parts.length; end += 1) names.add(parts.slice(0, end).join('/'));
      }
    }
  };
  walk(dir);
  return [...names].sort();
}

describe('getSwizzleConfig', () => {
  it('says something about every part of the theme, and only about parts that exist', () => {
    assert.deepEqual(Object.keys(getSwizzleConfig().components).sort(), componentNames(themeDir));
  });

  it('offers the presentational parts safely and keeps wiring unsafe', () => {
    const {components} = getSwizzleConfig();
    for (const name of ['Sandbox/Files', 'Sandbox/Toolbar', 'Sandbox/StatusLine', 'SandboxKeyBar']) {
      assert.deepEqual(components[name]?.actions, {wrap: 'safe', eject: 'safe'}, name);
    }
    assert.equal(components['Sandbox']?.actions.eject, 'unsafe');
    assert.equal(components['SandboxAuth']?.actions.eject, 'safe');
    for (const [name, config] of Object.entries(components)) assert.ok(config.description, name);
  });
});
