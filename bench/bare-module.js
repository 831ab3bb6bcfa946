// @ts-check
'use strict';
// The bare Nest application of the bench: one controller answering
// GET /health with {"status":"ok"}, and nothing else (no guards, pipes,
// filters, helmet or hooks). Served by bench/bare-nest-server.js (npm run
// bench) and bench/instructions-server.js (npm run bench:instructions).
// Plain JavaScript, so decorators are applied by hand in the order
// TypeScript's emitted code would apply them.
const { Controller, Get, Module } = require('@nestjs/common');

class HealthController {
  check() {
    return { status: 'ok' };
  }
}
Get()(HealthController.prototype, 'check', Object.getOwnPropertyDescriptor(HealthController.prototype, 'check'));
Controller('health')(HealthController);

class BareModule {}
Module({ controllers: [HealthController] })(BareModule);

module.exports = { BareModule };
