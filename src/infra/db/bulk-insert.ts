/**
 * Plain multi-row INSERTs through Prisma's raw queries, on SQLite and PostgreSQL.
 *
 * - `bulkInsert`, for imports: Prisma's createMany goes row-group by row-group
 *   through the query compiler and took ~16 s for 100k ratings on SQLite; plain
 *   multi-row VALUES statements take ~2.5 s.
 * - `insertRows`, for the writes every turn makes: Prisma compiles each query in
 *   WebAssembly on the event loop, which measured 1.1 ms of CPU for one mood row
 *   and 2.3 ms for a batch of five picks (createManyAndReturn), against about 0.3
 *   ms for the same statement sent raw. Dates are passed as Date parameters, which
 *   the driver adapters store exactly as Prisma's own writes do.
 */
import type { Database } from './database.js';

export type Cell = string | number | null;
export type Param = Cell | Date;

export async function bulkInsert(
  database: Database,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  rowsPerStatement = 1000,
): Promise<void> {
  if (rows.length === 0) return;
  const statements = [];
  for (let k = 0; k < rows.length; k += rowsPerStatement) {
    const chunk = rows.slice(k, k + rowsPerStatement);
    statements.push(database.db.$executeRawUnsafe(insertSql(database, table, columns, chunk.length), ...chunk.flat()));
  }
  await database.db.$transaction(statements);
}

/**
 * One INSERT of `rows` into `table`, returning the `returning` columns of each
 * inserted row (in no guaranteed order: match them on a column you know).
 * Identifiers come from code, never from users; values are bound parameters.
 */
export async function insertRows(
  database: Database,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly Param[])[],
  returning: readonly string[] = [],
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const sql = insertSql(database, table, columns, rows.length);
  if (returning.length === 0) {
    await database.db.$executeRawUnsafe(sql, ...rows.flat());
    return [];
  }
  return database.db.$queryRawUnsafe<Record<string, unknown>[]>(`${sql} RETURNING ${returning.map((c) => `"${c}"`).join(',')}`, ...rows.flat());
}

/** `INSERT INTO "table" ("a","b") VALUES (?,?),(?,?)...` with the provider's placeholders ($1, $2... on PostgreSQL). */
function insertSql(database: Database, table: string, columns: readonly string[], rowCount: number): string {
  let p = 0;
  const tuple = () => `(${columns.map(() => (database.provider === 'postgres' ? `$${++p}` : '?')).join(',')})`;
  return `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${Array.from({ length: rowCount }, tuple).join(',')}`;
}
