'use strict';
// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), written from the RFC like
// test/support/totp.ts rather than imported from it (the bench is plain
// JavaScript and cannot load test TypeScript) and never from the server's
// otplib: the codes the bench sends are computed independently of the server.
const { createHmac } = require('node:crypto');

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(input) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of input.replace(/=+$/, '').toUpperCase()) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function currentStep(nowMs = Date.now()) {
  return Math.floor(nowMs / 1000 / 30);
}

function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

module.exports = { currentStep, totpAt };
