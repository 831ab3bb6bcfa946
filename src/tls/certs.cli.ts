import * as path from 'node:path';
import { restrictNewFilesToOwner } from '../common/owner-only-files';
import { generateDevCertificates } from './dev-certificates';

restrictNewFilesToOwner();

generateDevCertificates(path.resolve('certs'), console.log).catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`Could not generate dev certificates: ${reason}`);
  process.exitCode = 1;
});
