// The command-line bench's floor: a bare Node process that opens the database of DATABASE_URL with postgres.js, runs
// one query and prints its rows as JSON, as `sandbox status --json` does with its answer.
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
const rows = await sql`select id, name, kind from environments order by position`;
process.stdout.write(`${JSON.stringify({ environments: rows })}\n`);
await sql.end();
