/**
 * Entry of the worker threads that write a large restore's rows, two SQLite connections beside the main thread
 * that reads the archive (src/storage/backup/restore-writer.ts).
 */
import { parentPort } from 'node:worker_threads';
import { serveRestoreWriter } from './storage/backup/restore-writer.ts';

serveRestoreWriter(parentPort!);
