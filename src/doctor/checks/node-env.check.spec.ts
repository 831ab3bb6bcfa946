import { configOf, defaults, highs, matching } from '../../testing/doctor-fixture';
import { nodeEnvCheck } from './node-env.check';

describe('nodeEnvCheck', () => {
  it.each(['0.0.0.0', '::', '10.0.0.20'])('NODE_ENV unset with HOST=%s: high', (host) => {
    const findings = nodeEnvCheck(configOf({ ...defaults(), HOST: host }));
    expect(matching(findings, /^NODE_ENV is not set/)).toEqual([
      expect.objectContaining({
        severity: 'high',
        finding: expect.stringContaining(`HOST=${host} is reachable from the network`),
      }),
    ]);
  });

  it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])(
    'NODE_ENV unset with the loopback HOST=%s: no high finding',
    (host) => {
      expect(highs(nodeEnvCheck(configOf({ ...defaults(), HOST: host })))).toEqual([]);
    },
  );

  it('NODE_ENV=development set on purpose with HOST=0.0.0.0: medium, not high', () => {
    const findings = nodeEnvCheck(configOf({ ...defaults(), NODE_ENV: 'development', HOST: '0.0.0.0' }));
    expect(highs(findings)).toEqual([]);
    expect(matching(findings, /listens on HOST=0\.0\.0\.0/)).toEqual([expect.objectContaining({ severity: 'medium' })]);
  });

  it('says in words that NODE_ENV is unset (info), and nothing more on the default loopback HOST', () => {
    expect(nodeEnvCheck(configOf(defaults()))).toEqual([
      expect.objectContaining({ severity: 'info', finding: expect.stringMatching(/^NODE_ENV=development \(unset\)/) }),
    ]);
    expect(nodeEnvCheck(configOf({ ...defaults(), NODE_ENV: 'test' }))).toEqual([
      expect.objectContaining({ severity: 'info', finding: expect.stringMatching(/^NODE_ENV=test:/) }),
    ]);
  });
});
