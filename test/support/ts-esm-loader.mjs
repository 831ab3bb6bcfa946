// `node --import ./test/support/ts-esm-loader.mjs file.ts`: runs TypeScript ES
// modules (examples/client) on a Node without type stripping (Node 20),
// compiled on the fly by @swc/core. Node >= 22.18 runs them natively.
import { register } from 'node:module';

register('./ts-esm-hooks.mjs', import.meta.url);
