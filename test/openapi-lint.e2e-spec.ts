import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeDataDir, useTestApp } from './support/test-app';

/**
 * The OpenAPI document a booted app serves, linted by Spectral with its
 * OpenAPI rules and OWASP's API Security ruleset (.spectral.yaml): no
 * errors. The rules it switches off for some operations are deliberate
 * security choices, each with its reason in .spectral.yaml.
 */

const ROOT = join(__dirname, '..');
const SPECTRAL = join(ROOT, 'node_modules', '.bin', 'spectral');
const RULESET = join(ROOT, '.spectral.yaml');

interface Finding {
  code: string;
  path: Array<string | number>;
  message: string;
  /** 0 error, 1 warning, 2 info, 3 hint */
  severity: number;
}

/** Runs the CLI on a document; Spectral exits 1 when it finds errors, anything else is a failure of the run. */
async function lint(dir: string, name: string, document: unknown): Promise<Finding[]> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  try {
    const { stdout } = await promisify(execFile)(SPECTRAL, ['lint', '--ruleset', RULESET, '--format', 'json', file], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Finding[];
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    if (code === 1 && stdout?.trim().startsWith('[')) return JSON.parse(stdout) as Finding[];
    throw new Error(`spectral failed (exit ${code}): ${stderr || stdout}`, { cause: error });
  }
}

const describeFinding = (f: Finding) => `${f.code} at ${f.path.join(' > ')}: ${f.message}`;

describe('OpenAPI document under OWASP API lint (Spectral)', () => {
  const live = useTestApp();
  let dir: string;
  let document: { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-spectral-'));
    const res = await live.client.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => removeDataDir(dir));

  it('reports no error', async () => {
    const findings = await lint(dir, 'openapi.json', document);
    const errors = findings.filter((f) => f.severity === 0).map(describeFinding);
    const warnings = findings.filter((f) => f.severity === 1).map(describeFinding);
    // Printed either way: the warnings left are a conscious choice, and a failure should show its findings.
    console.log(
      `Spectral: ${errors.length} errors, ${warnings.length} warnings\n${[...errors, ...warnings].join('\n')}`,
    );
    expect(errors).toEqual([]);
  }, 60_000);

  it('would report an error: the OWASP rules are loaded and see the document', async () => {
    // The same document with one request limit removed: a lint that passed
    // because its ruleset never loaded would pass this too.
    const weakened = structuredClone(document);
    delete weakened.components.schemas.TotpCodeDto.properties.code.maxLength;
    const findings = await lint(dir, 'weakened.json', weakened);
    expect(findings.filter((f) => f.severity === 0).map(describeFinding)).toEqual([
      expect.stringMatching(/^owasp:api4:2023-string-limit at components > schemas > TotpCodeDto > properties > code:/),
    ]);
  }, 60_000);
});
