// Starts a worker thread from the TypeScript sources (tests, and `npx annalist` where dist/ cannot be written):
// a worker does not inherit the tsx loader of the thread that starts it, so it loads its entry through tsx here.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
