/**
 * The dependency rules between the package's parts, read from the source, so
 * an import that runs the wrong way fails a test instead of a review: no import
 * circle anywhere; the wire protocol imports nothing; configuration only the
 * protocol; the authoring core (a build needs no Docker) nothing of the server;
 * the container runtime nothing above it (HTTP, sessions, the stream, admin,
 * the CLI); the browser side (client/, theme/, vitepress/theme/) nothing of the server (see also
 * client/__tests__/boundaries.test.ts for the browser's own rules).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {findCircle, importGraph, importSpecifiers, relativeToRoot, resolveOwn, sourceFiles} from '../helpers/imports.js';

const PARTS = ['config', 'protocol', 'plugin', 'server', 'client', 'theme', 'vitepress'];
const files = PARTS.flatMap(sourceFiles);

/**
 * What each part may import of ours (root-relative path prefixes). A part not
 * listed has no rule beyond "no circle". Type-only imports count: a type from a
 * part above is a design dependency even when it is erased.
 */
const MAY_IMPORT: Array<{part: string; may: string[]; except?: string}> = [
  {part: 'protocol/', may: ['protocol/']},
  {part: 'config/', may: ['config/', 'protocol/']},
  {part: 'plugin/remark/', may: ['plugin/remark/', 'config/', 'protocol/']},
  {part: 'server/runtime/', may: ['server/runtime/', 'config/', 'protocol/', 'server/clock.ts', 'server/log.ts', 'server/errors.ts']},
  {part: 'server/stream/', may: ['server/stream/', 'protocol/', 'server/clock.ts']},
  {part: 'client/', may: ['client/', 'protocol/', 'config/block.ts']},
  {part: 'theme/', may: ['theme/', 'client/', 'protocol/', 'config/block.ts']},
  // The VitePress integration's build side: the authoring core, config, and the framework-neutral manifest
  // writer and dev backend of plugin/ (the server only through the dev backend's child process).
  {part: 'vitepress/', except: 'vitepress/theme/', may: ['vitepress/', 'plugin/remark/', 'plugin/manifest.ts', 'plugin/dev.ts', 'plugin/frontend-options.ts', 'config/', 'protocol/']},
  // The Vue component runs in the browser: the client, and the theme's framework-free terminal and editor chunks.
  {
    part: 'vitepress/theme/',
    may: ['vitepress/theme/', 'client/', 'protocol/', 'config/block.ts', 'theme/SandboxTerminal/xterm.ts', 'theme/SandboxTerminal/rows.ts', 'theme/SandboxTerminal/themes.ts', 'theme/SandboxEditor/codemirror.ts'],
  },
];

/** The import of a file's own `@theme/…` declarations for its Props is a type, not a file dependency. */
const counted = (entry: {specifier: string; typeOnly: boolean}) => !(entry.typeOnly && entry.specifier.startsWith('@theme/'));

describe('architecture', () => {
  it('reads the graph it checks', () => {
    assert.ok(files.length > 90, `${files.length} source files`);
    assert.ok([...importGraph(files).values()].flat().length > 200);
  });

  it('has no import circle in the package', () => {
    assert.equal(findCircle(importGraph(files, counted)), undefined);
  });

  for (const {part, may, except} of MAY_IMPORT) {
    it(`${part}${except ? ` (but ${except})` : ''} imports only ${may.join(', ')}`, () => {
      const wrong: string[] = [];
      const inPart = (path: string) => path.startsWith(part) && !(except && path.startsWith(except));
      for (const file of files.filter((item) => inPart(relativeToRoot(item)))) {
        for (const entry of importSpecifiers(file).filter(counted)) {
          const target = resolveOwn(file, entry.specifier);
          if (target && !may.some((prefix) => relativeToRoot(target).startsWith(prefix))) {
            wrong.push(`${relativeToRoot(file)} → ${relativeToRoot(target)}`);
          }
        }
      }
      assert.deepEqual(wrong, []);
    });
  }

  it('keeps the Vue component off Node and the build side', () => {
    const wrong: string[] = [];
    for (const file of files.filter((item) => relativeToRoot(item).startsWith('vitepress/theme/'))) {
      for (const {specifier} of importSpecifiers(file)) {
        if (/^node:|^(fs|path|child_process|os|net|http)$|^docusaurus-sandbox\/(server|config|remark|vitepress)$/.test(specifier)) wrong.push(`${relativeToRoot(file)} → ${specifier}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('detects a circle and a wrong-way import when there is one', () => {
    const a = '/repo/a.ts';
    const b = '/repo/b.ts';
    assert.ok(findCircle(new Map([[a, [b]], [b, [a]]])));
    assert.equal(findCircle(new Map([[a, [b]], [b, []]])), undefined);
  });
});
