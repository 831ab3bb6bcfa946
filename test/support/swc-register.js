// Lets `node -r ./test/support/swc-register.js src/…/main.ts` run the
// TypeScript sources directly, compiled on the fly by @swc/core with the same
// options as Jest (jest.config.js). The e2e suites use it to run the CLI and
// the doctor as real child processes without a full `tsc` build first.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
