import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_SERVER, normalizeConfig} from '../index.js';

describe('server.manifestGrace', () => {
  it('defaults to one hour and takes a duration', () => {
    assert.equal(DEFAULT_SERVER.manifestGrace, 3_600_000);
    assert.equal(normalizeConfig({}).server.manifestGrace, 3_600_000);
    assert.equal(normalizeConfig({server: {manifestGrace: '10m'}}).server.manifestGrace, 600_000);
    assert.equal(normalizeConfig({server: {manifestGrace: 0}}).server.manifestGrace, 0, '0 keeps no replaced block');
  });

  it('refuses what is not a duration and a grace over 7 days, naming the option', () => {
    assert.throws(() => normalizeConfig({server: {manifestGrace: 'soon'}}), /"server\.manifestGrace".*duration such as/);
    assert.throws(() => normalizeConfig({server: {manifestGrace: '169h'}}), /"server\.manifestGrace": at most 168h/);
    assert.equal(normalizeConfig({server: {manifestGrace: '168h'}}).server.manifestGrace, 168 * 3_600_000);
  });
});
