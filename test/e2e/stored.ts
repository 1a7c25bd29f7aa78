// What a stopped server left in its SQLite file: the raw stored bytes, to check encryption at rest
// from outside Bulwark's code (the server holds the file exclusively while it runs).
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';

// Each key's current version is a row of `history` that `current` points at (storage schema 2).
const CURRENT = 'current c CROSS JOIN history h ON h.rev = c.mod_rev';

/** The stored values whose storage keys match a SQL LIKE pattern, e.g. `/registry/secrets/%`. */
export function storedValues(dataDir: string, keyLike: string): Buffer[] {
  const db = new Database(path.join(dataDir, 'state.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT h.value FROM ${CURRENT} WHERE c.key LIKE ?`).all(keyLike) as { value: Buffer }[]).map((r) => r.value);
  } finally {
    db.close();
  }
}

/** The stored bytes of one key. */
export function storedValue(dataDir: string, key: string): Buffer {
  const db = new Database(path.join(dataDir, 'state.db'), { readonly: true });
  try {
    const row = db.prepare(`SELECT h.value FROM ${CURRENT} WHERE c.key = ?`).get(key) as { value: Buffer } | undefined;
    assert.ok(row, `${key} is not stored`);
    return row.value;
  } finally {
    db.close();
  }
}

/** Puts other bytes under a key of a stopped server's database (to test what the server makes of them). */
export function replaceStoredValue(dataDir: string, key: string, value: Buffer): void {
  const db = new Database(path.join(dataDir, 'state.db'));
  try {
    const changed = db.prepare('UPDATE history SET value = ? WHERE rev = (SELECT mod_rev FROM current WHERE key = ?)').run(value, key).changes;
    assert.equal(changed, 1, `${key} is not stored`);
  } finally {
    db.close();
  }
}

/** Every storage key and stored value of the current state. */
export function allStored(dataDir: string): { key: string; value: Buffer }[] {
  const db = new Database(path.join(dataDir, 'state.db'), { readonly: true });
  try {
    return db.prepare(`SELECT c.key, h.value FROM ${CURRENT}`).all() as { key: string; value: Buffer }[];
  } finally {
    db.close();
  }
}
