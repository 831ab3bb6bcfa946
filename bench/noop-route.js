// @ts-check
'use strict';
// GET /bench/noop: a route "a team builds on this project" would add, with
// nothing of its own to do. It sits behind the app's global guards (IP
// allowlist, rate limit, access token: @Authenticated, the app's own
// decorator), helmet headers, pipes and filters, but reads no database, so
// its distance from the bare Nest route is the security tax alone. Mounted
// only by bench/api-main.js; no production entry point imports it.
// Plain JavaScript, so decorators are applied by hand in the order
// TypeScript's emitted code would apply them.
const { Controller, Get, Module } = require('@nestjs/common');
const { Authenticated } = require('../dist/access/authenticated.decorator.js');

const BODY = { status: 'ok' };

class NoopRouteController {
  noop() {
    return BODY;
  }
}
const noop = Object.getOwnPropertyDescriptor(NoopRouteController.prototype, 'noop');
Authenticated()(NoopRouteController.prototype, 'noop', noop);
Get('noop')(NoopRouteController.prototype, 'noop', noop);
Controller('bench')(NoopRouteController);

class NoopRouteModule {}
Module({ controllers: [NoopRouteController] })(NoopRouteModule);

module.exports = { NoopRouteModule };
