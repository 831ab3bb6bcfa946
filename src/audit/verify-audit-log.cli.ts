import { verifyAuditLog } from './verify-audit-log';

/**
 * npm run audit:verify -- <file>: checks <file> and its rotated
 * predecessors (<file>.1 … <file>.N) as one chain. Exit 0 when the whole
 * chain holds, 1 at the first tampered line (file and line are printed), 2
 * on a usage or read error.
 */
async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1) {
    console.error('usage: npm run audit:verify -- <audit log file>');
    return 2;
  }
  try {
    const result = await verifyAuditLog(file);
    if (result.ok) {
      const start = result.startsAfterRotation
        ? '; it starts where the oldest rotated-away file ended (AUDIT_LOG_KEEP)'
        : '';
      console.log(`OK: ${result.count} entries in ${result.files} file(s), chain intact${start}`);
      return 0;
    }
    console.error(
      `TAMPERED: ${result.file} line ${result.line}: ${result.reason} (${result.count} entries before it are intact)`,
    );
    return 1;
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
