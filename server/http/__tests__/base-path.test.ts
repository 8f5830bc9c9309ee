import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {basePathsOf, normalizeBasePath, routeUnderBase} from '../base-path.js';

describe('base paths', () => {
  it('normalises a baseUrl and refuses what is not a plain path', () => {
    assert.equal(normalizeBasePath('/'), '/');
    assert.equal(normalizeBasePath('/sub/'), '/sub/');
    assert.equal(normalizeBasePath('sub'), '/sub/');
    assert.equal(normalizeBasePath('/a/b'), '/a/b/');
    for (const bad of ['https://x.example/', '/a/../b/', '/a?b', '/a b/', 42]) assert.equal(normalizeBasePath(bad), undefined, String(bad));
  });

  it("collects the site's base and each locale's API base, longest first", () => {
    assert.deepEqual(basePathsOf('/sub/', [{locale: 'fr', baseUrl: '/sub/fr/'}, {locale: 'pt-BR'}]), {site: '/sub/', api: ['/sub/pt-BR/', '/sub/fr/', '/sub/']});
    assert.deepEqual(basePathsOf(undefined, [{locale: 'fr'}]), {site: '/', api: ['/fr/']});
  });

  it('routes the API under every base and at /api, the site under its base only', () => {
    const bases = basePathsOf('/sub/', [{locale: 'fr', baseUrl: '/sub/fr/'}]);
    assert.deepEqual(routeUnderBase('/api/sessions', bases), {kind: 'api', path: '/api/sessions', base: '/sub/'});
    assert.deepEqual(routeUnderBase('/sub/api/sessions/x/ws', bases), {kind: 'api', path: '/api/sessions/x/ws', base: '/sub/'});
    assert.deepEqual(routeUnderBase('/sub/fr/api/sessions', bases), {kind: 'api', path: '/api/sessions', base: '/sub/fr/'});
    assert.deepEqual(routeUnderBase('/sub/docs/intro', bases), {kind: 'site', path: '/docs/intro'});
    assert.deepEqual(routeUnderBase('/sub/fr/docs/intro', bases), {kind: 'site', path: '/fr/docs/intro'});
    assert.deepEqual(routeUnderBase('/sub/apiary', bases), {kind: 'site', path: '/apiary'});
    assert.deepEqual(routeUnderBase('/', bases), {kind: 'redirect', location: '/sub/'});
    assert.deepEqual(routeUnderBase('/sub', bases), {kind: 'redirect', location: '/sub/'});
    assert.deepEqual(routeUnderBase('/docs/intro', bases), {kind: 'outside'});
    assert.deepEqual(routeUnderBase('/docs/intro', basePathsOf('/', [])), {kind: 'site', path: '/docs/intro'});
  });
});
