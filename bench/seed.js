// @ts-check
'use strict';
// Data for the growth rows (--full): copies of an API's SQLite database
// filled up by SQL, never through argon2 or the API (a million registrations
// would take hours at argon2's cost). The schema is the one the app's
// migrations built, since the copied database comes from a running API.
// Seeded users reuse a real user's row (hash, encrypted TOTP secret) under
// new ids and names: they fill the tables and indexes, nobody logs in as
// them. Seeded sessions are ended ones whose access tokens may still be
// alive, the rows the API turns into its in-memory revocation list at boot.
const { randomUUID } = require('node:crypto');
const Database = require('better-sqlite3');

/** A consistent copy of a live database (other connections may be writing). */
function snapshot(source, destination) {
  const db = new Database(source, { readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(destination);
  } finally {
    db.close();
  }
}

/**
 * Brings `file` up to `users` users and adds `revokedSessions` revoked
 * sessions whose access tokens expire in `accessAliveMs`, in one transaction
 * with prepared statements. Returns what it inserted and how long it took.
 */
function seed(file, { users, revokedSessions, accessAliveMs }) {
  const began = Date.now();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    const template = db.prepare('SELECT * FROM users ORDER BY created_at LIMIT 1').get();
    if (!template) throw new Error(`seed: ${file} has no user to copy`);
    const existing = /** @type {{ n: number }} */ (db.prepare('SELECT count(*) AS n FROM users').get()).n;
    const columns = Object.keys(template);
    const insertUser = db.prepare(
      `INSERT INTO users (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    );
    const insertSession = db.prepare(
      'INSERT INTO sessions (id, user_id, created_at, expires_at, last_used_at, revoked_at, access_expires_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const addUsers = Math.max(0, users - existing);
    const sessionOwners = [];
    db.transaction(() => {
      for (let i = 0; i < addUsers; i++) {
        const id = randomUUID();
        const name = `seed.${i}`;
        insertUser.run({ ...template, id, username: name, username_normalized: name });
        if (sessionOwners.length < revokedSessions) sessionOwners.push(id);
      }
      const now = Date.now();
      for (let i = 0; i < revokedSessions; i++) {
        const owner = sessionOwners[i % Math.max(1, sessionOwners.length)] ?? template.id;
        insertSession.run(randomUUID(), owner, now - 60_000, now + 86_400_000, now - 60_000, now, now + accessAliveMs);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { users: existing + addUsers, addedUsers: addUsers, revokedSessions, seconds: (Date.now() - began) / 1000 };
  } finally {
    db.close();
  }
}

module.exports = { snapshot, seed };
