/** The drizzle handle over the D1 binding. */
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

function open(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Database = ReturnType<typeof open>;

/**
 * One handle per binding: drizzle rebuilds its relational config from the
 * schema on every drizzle() call, which showed at 1.6 % of the isolate's
 * time while a broadcast applied node events (docs/webhooks.md). The handle
 * holds nothing but the binding, so sharing it is safe.
 */
const handles = new WeakMap<D1Database, Database>();

export function database(d1: D1Database): Database {
  let db = handles.get(d1);
  if (!db) handles.set(d1, (db = open(d1)));
  return db;
}
