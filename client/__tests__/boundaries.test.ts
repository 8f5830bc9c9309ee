/**
 * The browser side's import rules, read from the source: no import circle in
 * client/ or theme/, the client free of React, Docusaurus and Node (so other
 * integrations can use it), and neither part reaching into the server.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {findCircle, importGraph, importSpecifiers, relativeToRoot, resolveOwn, sourceFiles} from '../../test/helpers/imports.js';

const files = [...sourceFiles('client'), ...sourceFiles('theme')];

/**
 * The specifiers a file imports (static, dynamic and re-exports). A type-only
 * import of `@theme/…` names the declarations in theme-sandbox.d.ts (a
 * component importing its own Props), not a file, so it is left out.
 */
const counted = (entry: {specifier: string; typeOnly: boolean}) => !(entry.typeOnly && entry.specifier.startsWith('@theme/'));
const specifiers = (file: string): string[] => importSpecifiers(file).filter(counted).map((entry) => entry.specifier);
const target = resolveOwn;
const graph = importGraph(files, counted);

const inside = (file: string, folder: string) => relativeToRoot(file).startsWith(`${folder}/`);

describe('browser import boundaries', () => {
  it('finds the imports it checks', () => {
    assert.ok(files.length > 20, `${files.length} files`);
    assert.ok([...graph.values()].flat().length > 30);
  });

  it('has no import circle in client/ or theme/', () => {
    assert.equal(findCircle(graph), undefined);
  });

  it('keeps the client free of React, Docusaurus, Node and the server', () => {
    for (const file of files.filter((item) => inside(item, 'client'))) {
      for (const specifier of specifiers(file)) {
        const resolved = target(file, specifier);
        const ours = resolved === undefined ? specifier.startsWith('.') : true;
        if (ours) {
          const where = resolved ? relativeToRoot(resolved) : specifier;
          assert.match(where, /^(client|protocol)\/|^config\/block\.ts$/, `${relativeToRoot(file)} imports ${specifier}`);
        } else {
          assert.fail(`${relativeToRoot(file)} imports the package ${specifier}`);
        }
      }
    }
  });

  it('keeps the theme off Node and the server', () => {
    for (const file of files.filter((item) => inside(item, 'theme'))) {
      for (const specifier of specifiers(file)) {
        assert.doesNotMatch(specifier, /^node:|^(fs|path|child_process|os|net|http)$/, `${relativeToRoot(file)} imports ${specifier}`);
        const resolved = target(file, specifier);
        if (resolved) assert.match(relativeToRoot(resolved), /^(client|theme)\//, `${relativeToRoot(file)} imports ${specifier}`);
        else if (!specifier.endsWith('.css')) assert.doesNotMatch(specifier, /^\.|^docusaurus-sandbox\/(server|config|remark)$|^docusaurus-sandbox$/, `${relativeToRoot(file)} imports ${specifier}`);
      }
    }
  });
});
