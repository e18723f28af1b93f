// The floor: the same stack (Fastify + pg, same pool size) answering the same 20 rows with no
// security at all — no token, no store, no tenant transaction, no metrics, no logging, connected as
// the superuser. What the service costs above this is the price of its pipeline.
// Run by the bench as its own process: FLOOR_DATABASE_URL, FLOOR_TENANT_ID, DATABASE_POOL_SIZE, PORT.
import Fastify from 'fastify';
import pg from 'pg';

const SQL = `SELECT id, name, kind, exchange, strategy, status, api_url, created_at, updated_at
  FROM bots WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 50`;

const tenantId = process.env.FLOOR_TENANT_ID;
const pool = new pg.Pool({
  connectionString: process.env.FLOOR_DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
const app = Fastify({ logger: false });

app.get('/ready', async () => {
  await pool.query('SELECT 1');
  return { status: 'ok' };
});
app.get('/bots', async () => {
  const { rows } = await pool.query(SQL, [tenantId]);
  return { items: rows, next_cursor: null };
});

const close = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', () => void close());
process.once('SIGINT', () => void close());

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
