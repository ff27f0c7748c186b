import { fileURLToPath } from 'node:url';
import { sourceFile } from '../../source-files.ts';

/**
 * The demo's drawings ship with the package: every app process serves them from here, so a node that did not
 * seed the demo (several nodes on one PostgreSQL database) shows them too. Seeding still copies them into the
 * data folder's media/, which is looked in first.
 */
export const DEMO_MEDIA_DIR = fileURLToPath(sourceFile('modules/demo/content/media/'));
