/**
 * `npm run bench:import [-- --ids 1000000]` — a members import of N externalIds through the
 * API of `beckon serve` (its own process, fresh SQLite file or PostgreSQL schema as
 * `BECKON_DATABASE_URL` says), timed to the job's success, with the job's progress on the way
 * and the same import at a tenth of the size, so the ratio shows whether time grows linearly.
 */
import { parseArgs } from 'node:util';
import { benchDatabase } from './fanout/database.ts';
import { importMembers, type ImportResult } from './fanout/members-import.ts';
import { seed } from './fanout/seed.ts';
import { startServer } from './fanout/server-process.ts';

const { values } = parseArgs({ options: { ids: { type: 'string', default: '1000000' } } });
const N = Number(values.ids);
if (!Number.isInteger(N) || N < 10) throw new Error(`--ids: not an integer ≥ 10: ${values.ids}`);

const database = benchDatabase(process.env.BECKON_DATABASE_URL);
try {
  const seeded = await seed(database.url, (async function* () {})());
  const server = await startServer({
    BECKON_DATABASE_URL: database.url,
    BECKON_RATE_LIMIT_PER_IP: '0',
    BECKON_RATE_LIMIT_PER_SITE: '0',
  });
  try {
    const small = await importMembers(server, seeded.apiKey, Math.round(N / 10));
    const big = await importMembers(server, seeded.apiKey, N);
    const line = (r: ImportResult) =>
      `  ${r.ids.toLocaleString('en-US').padStart(9)} ids  ${r.seconds.toFixed(1).padStart(6)} s  ` +
      `${Math.round(r.ids / r.seconds).toLocaleString('en-US')} ids/s  ${r.status}`;
    console.log(`Members import through the API, ${database.label}`);
    console.log(line(small));
    console.log(line(big));
    console.log(
      `  ${N / small.ids}× the ids took ${(big.seconds / small.seconds).toFixed(1)}× the time (linear: ${N / small.ids}×)`,
    );
    const steps = big.progress.filter((_, i, all) => i % Math.ceil(all.length / 8) === 0);
    console.log(`  progress: ${steps.map((p) => `${p.at.toFixed(1)} s ${p.done}`).join(', ')}`);
  } catch (error) {
    process.stderr.write(`the server said:\n${server.log()}`);
    throw error;
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
}
