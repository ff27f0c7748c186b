// A second reporter for Node's test runner (scripts/test.mjs): writes each failed test's file, name and error, one
// JSON line per failure, so the summary at the end of a long run can name them where a reader of its last lines
// (a CI log cut to its tail) sees them.
import { inspect } from 'node:util';

/** The error of a failed test as a short text: its message and the first lines of its stack. */
function describe(error) {
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : inspect(cause, { depth: 4 });
  return text.split('\n').slice(0, 12).join('\n');
}

export default async function* failures(source) {
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    // A suite fails when a test in it does; the test's own line says more.
    if (details?.type === 'suite') continue;
    yield `${JSON.stringify({ file: file ?? '', name, error: describe(details?.error) })}\n`;
  }
}
