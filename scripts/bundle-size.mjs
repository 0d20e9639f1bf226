// Prints a bundle's raw and gzip size and fails over budget.
// Usage: node ../../scripts/bundle-size.mjs <file> <gzip budget in bytes> (from a browser package)
// gzip -9, as bundle-size tools report it; servers compress at least that well with brotli.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const [file, budgetArg] = process.argv.slice(2);
if (!file || !budgetArg) {
  console.error('usage: node scripts/bundle-size.mjs <file> <gzip budget in bytes>');
  process.exit(2);
}
const budget = Number(budgetArg);
let bytes;
try {
  bytes = readFileSync(file);
} catch {
  console.error(`${file}: not found, run \`npm run build\` first`);
  process.exit(2);
}
const gzip = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(
  `${file}: ${bytes.length} B raw (${kb(bytes.length)}), ${gzip} B gzip (${kb(gzip)}), budget ${budget} B gzip`,
);
if (gzip > budget) {
  console.error(`${file} is ${gzip - budget} B over its gzip budget`);
  process.exit(1);
}
