// Writes docs/export-schema.json from the schemas the importer checks with (src/modules/export/export-schema.ts),
// formatted as the rest of the tree. Run: node --import tsx scripts/write-export-schema.mjs
// (test/export/json-export.test.ts fails while the file is stale).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exportJsonSchema } from '../src/modules/export/export-schema.ts';

const file = fileURLToPath(new URL('../docs/export-schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(exportJsonSchema(), null, 2)}\n`);
execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'inherit' });
