import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { SECURITY_EVENTS } from './audit/security-events.service';
import { envSchema } from './config/env.schema';

/**
 * The docs are part of the contract: an operator configures the API from
 * docs/configuration.md and .env.example, and watches the security events
 * docs/operations.md lists. These checks fail when the code and the docs
 * drift apart, in either direction.
 */
const ROOT = resolve(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const MARKDOWN_FILES = [
  'README.md',
  'SECURITY.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

const withoutCodeBlocks = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');

/** The cells of every table row whose first cell is not a header or separator. */
function tableRows(markdown: string, header: RegExp): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) throw new Error(`no table with a header matching ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of withoutCodeBlocks(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe('docs', () => {
  const variables = Object.keys(envSchema.shape).sort();

  describe('every variable of the env schema is documented', () => {
    const example = read('.env.example');
    const exampleVariables = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    const configuration = read('docs/configuration.md');
    const tableVariables = tableRows(configuration, /^\|\s*variable\s*\|\s*default\s*\|\s*meaning\s*\|/).flatMap(
      ([first]) => backticked(first),
    );

    it('has a schema to check (control)', () => {
      expect(variables).toEqual(expect.arrayContaining(['APP_SECRET', 'ENROLLMENT_TICKET_TTL', 'AUDIT_QUEUE_MAX']));
    });

    it.each(variables)('%s is in .env.example', (variable) => {
      expect(exampleVariables).toContain(variable);
    });

    it.each(variables)('%s is in the table of docs/configuration.md', (variable) => {
      expect(tableVariables).toContain(variable);
    });

    it('.env.example and docs/configuration.md name no variable the schema does not read', () => {
      expect([...exampleVariables, ...tableVariables].filter((name) => !variables.includes(name))).toEqual([]);
    });
  });

  describe('every security event is in docs/operations.md', () => {
    const events = Object.keys(SECURITY_EVENTS).sort();
    const documented = tableRows(read('docs/operations.md'), /^\|\s*event\s*\|\s*when\s*\|\s*level\s*\|/).flatMap(
      ([first]) => backticked(first),
    );

    it('has events to check, the CLI ones included (control)', () => {
      expect(events).toEqual(expect.arrayContaining(['auth.login.failed', 'cli.secrets.resealed']));
    });

    it.each(events)('%s is in the event table', (event) => {
      expect(documented).toContain(event);
    });

    it('the event table names no event the code does not record', () => {
      expect(documented.filter((name) => !events.includes(name))).toEqual([]);
    });
  });

  describe('SECURITY.md', () => {
    const security = read('SECURITY.md');
    const controls = tableRows(security, /^\|\s*control\s*\|\s*where\s*\|\s*tested by\s*\|/);

    it('has a controls table with a "tested by" column (control)', () => {
      expect(controls.length).toBeGreaterThan(30);
    });

    it('names, for every control, a test file that exists, or says there is none', () => {
      const untested = controls.filter(([control, , testedBy]) => {
        const tests = backticked(testedBy ?? '').filter((path) => /\.(e2e-)?spec\.ts$/.test(path));
        return tests.length === 0 && !/^no automated test/.test(testedBy ?? '') ? control : false;
      });
      expect(untested.map(([control]) => control)).toEqual([]);
    });
  });

  describe('README.md, SECURITY.md and docs/', () => {
    it.each(MARKDOWN_FILES)('%s: every file or folder it names in backticks exists', (file) => {
      const paths = backticked(withoutCodeBlocks(read(file))).filter((text) =>
        /^(src|test|config)\/[\w./-]*$/.test(text),
      );
      expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
    });

    it.each(MARKDOWN_FILES)('%s: every relative link leads to a file and, with #, to a heading', (file) => {
      const broken: string[] = [];
      for (const [, target] of withoutCodeBlocks(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#');
        const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!resolved.startsWith(ROOT) || !existsSync(resolved)) {
          broken.push(target);
        } else if (anchor !== undefined && !anchorsOf(read(relative(ROOT, resolved))).has(anchor)) {
          broken.push(target);
        }
      }
      expect(broken).toEqual([]);
    });
  });
});
