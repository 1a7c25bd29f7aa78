// Public face of the storage layer: the Store contract and its embedded SQLite implementation.

export * from './store.js';
export { openSqliteStore, SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { TransformingStore, type StoreValueTransformer, type TransformerForKey } from './transforming-store.js';
