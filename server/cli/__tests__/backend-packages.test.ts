import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {backendPackages, FEATURE_PEERS, FRAMEWORK_PEERS, MissingBackendPackagesError, missingPackages, requireBackendPackages, type PackageManifest} from '../backend-packages.js';

const manifest: PackageManifest = {
  peerDependencies: {react: '^19.0.0', express: '^5.1.0', ws: '^8.18.3'},
  peerDependenciesMeta: {express: {optional: true}, ws: {optional: true}},
};

describe('backendPackages', () => {
  it('is the optional peer dependencies with their ranges', () => {
    assert.deepEqual(backendPackages(manifest), [
      {name: 'express', range: '^5.1.0'},
      {name: 'ws', range: '^8.18.3'},
    ]);
    assert.deepEqual(backendPackages({}), []);
  });

  it("leaves out the docs frameworks' peers, optional as they are: a site has one framework, never the other's", () => {
    const both: PackageManifest = {
      peerDependencies: {...manifest.peerDependencies, vue: '^3.5.0', vitepress: '^1.6.0', '@docusaurus/core': '^3.10.0'},
      peerDependenciesMeta: {...manifest.peerDependenciesMeta, vue: {optional: true}, vitepress: {optional: true}, '@docusaurus/core': {optional: true}, react: {optional: true}},
    };
    assert.deepEqual(backendPackages(both).map(({name}) => name), ['express', 'ws']);
  });

  it("leaves out a feature's peers (a cluster's Redis client): only a server with that setting loads them", () => {
    const cluster: PackageManifest = {
      peerDependencies: {...manifest.peerDependencies, ioredis: '^5.11.1'},
      peerDependenciesMeta: {...manifest.peerDependenciesMeta, ioredis: {optional: true}},
    };
    assert.deepEqual(backendPackages(cluster).map(({name}) => name), ['express', 'ws']);
    assert.equal(FEATURE_PEERS.get('ioredis'), 'server.redis');
  });

  it('holds the whole server stack in the real package.json, which a site without the backend does not install', () => {
    const own = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as PackageManifest & {dependencies: Record<string, string>};
    const names = backendPackages(own).map(({name}) => name);
    for (const name of FRAMEWORK_PEERS) assert.equal(own.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer dependency`);
    assert.equal(names.some((name) => FRAMEWORK_PEERS.has(name)), false);
    for (const name of FEATURE_PEERS.keys()) assert.equal(own.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer dependency`);
    for (const name of ['dockerode', 'express', 'ws', 'pino', 'prom-client', 'jose', '@modelcontextprotocol/sdk', 'zod', '@xterm/headless', '@xterm/addon-serialize']) {
      assert.ok(names.includes(name), `${name} is an optional peer dependency`);
      assert.equal(own.dependencies[name], undefined, `${name} is not a dependency every site installs`);
    }
  });
});

describe('missingPackages', () => {
  const required = backendPackages(manifest);

  it('finds a package in node_modules of the package folder or of any folder above it', () => {
    const installed = new Set(['/site/node_modules/express/package.json', '/site/node_modules/docusaurus-sandbox/node_modules/ws/package.json']);
    assert.deepEqual(missingPackages(required, '/site/node_modules/docusaurus-sandbox', (path) => installed.has(path)), []);
  });

  it('names the ones Node would not find', () => {
    const installed = new Set(['/node_modules/express/package.json']);
    assert.deepEqual(missingPackages(required, '/site/node_modules/docusaurus-sandbox', (path) => installed.has(path)), [{name: 'ws', range: '^8.18.3'}]);
  });
});

describe('MissingBackendPackagesError', () => {
  it('says which command needs them and the npm install line that adds them', () => {
    const error = new MissingBackendPackagesError('docusaurus-sandbox serve', backendPackages(manifest));
    assert.equal(error.code, 'missing-packages');
    assert.match(error.message, /^docusaurus-sandbox serve runs the sandbox backend/);
    assert.match(error.message, /missing: express, ws\./);
    assert.match(error.message, /\n {2}npm install "express@\^5\.1\.0" "ws@\^8\.18\.3"$/);
  });
});

describe('requireBackendPackages', () => {
  it('names the install line when this install lacks a backend package, and passes when it has them all', () => {
    assert.throws(
      () => requireBackendPackages('docusaurus start (the dev backend)', (path) => !path.includes('dockerode')),
      (error: unknown) => error instanceof MissingBackendPackagesError && /docusaurus start \(the dev backend\)[\s\S]*npm install "dockerode@/.test(error.message),
    );
    assert.doesNotThrow(() => requireBackendPackages('serve', () => true));
  });
});
