/**
 * One reason the configuration is refused. `variable` names the environment
 * variable to fix (several, joined by ", ", when only their combination is
 * wrong); the message never quotes a secret value.
 */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** A configuration problem that must stop startup; its message names the variable of each problem. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
