import { readFileSync } from 'node:fs';

/** The version in package.json (beside src/ and dist/ alike). */
export function annalistVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
