import { isMainThread } from 'node:worker_threads';

/**
 * Every file and directory the process creates from here on is its owner's
 * alone (umask 077): the SQLite database and its WAL, the data directory,
 * dev secrets, the audit file. Set first thing at every entry point, in every
 * mode, so nothing is created group- or world-readable in between. A file
 * meant to be public (the dev CA certificate) sets its mode explicitly.
 * Worker threads cannot change the umask; they inherit the process's.
 */
export function restrictNewFilesToOwner(): void {
  if (isMainThread) process.umask(0o077);
}
