import type { AppConfig } from '../config/app-config';
import type { ConfiguredFiles } from './configured-files';

export type Severity = 'high' | 'medium' | 'low' | 'info';

export interface Finding {
  severity: Severity;
  finding: string;
  fix: string;
}

/** A check of the typed configuration: runs only when the API would accept it. */
export type ConfigCheck = (config: AppConfig, root: string) => Finding[];

/**
 * A check of the files the configuration names (modes, existence,
 * certificates): runs even when the configuration is refused, since the
 * operator will meet those problems next.
 */
export type FileCheck = (files: ConfiguredFiles, root: string) => Finding[];

const SEVERITY_ORDER: Severity[] = ['high', 'medium', 'low', 'info'];

/** Most severe first; the order of the checks within a severity. */
export function bySeverity(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

export function hasHighFinding(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'high');
}
