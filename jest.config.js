// Nest 12, otplib 13 (@noble, @scure) ship ESM only: Jest in CommonJS mode
// needs them transformed, and @swc/jest does that faster than ts-jest.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@noble|@scure|otplib|@otplib)/)'],
  testEnvironment: 'node',
};
module.exports = {
  // e2e tests run over real HTTPS with argon2 on 2 cores (unit tests are
  // far below it): a busy machine must not turn a slow test into a failure.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '.*\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'e2e',
      rootDir: 'test',
      testRegex: '.*\\.e2e-spec\\.ts$',
      globalSetup: '<rootDir>/support/drop-test-databases.ts',
      globalTeardown: '<rootDir>/support/drop-test-databases.ts',
    },
  ],
};
