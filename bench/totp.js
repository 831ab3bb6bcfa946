// @ts-check
'use strict';
// Codes for the login flood, from the project's own TotpService (built into
// dist/ by `npm run bench`). The bench only needs valid codes; the e2e tests
// are what check the server against an independent RFC 6238 implementation.
const { TotpService } = require('../dist/factors/totp.service');

const STEP_MS = 30_000;
const totp = new TotpService({ window: 1, issuer: 'bench' });

function currentStep(nowMs = Date.now()) {
  return Math.floor(nowMs / STEP_MS);
}

/** The code of a given 30 s step. */
function totpAt(secret, step) {
  return totp.generate(secret, step * STEP_MS);
}

module.exports = { currentStep, totpAt };
