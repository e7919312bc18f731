/** Where the shared data sets are for tests: MOODREEL_DATA_DIR, else ../shared/data beside the repository. */
import path from 'node:path';

export const DATA_DIR = process.env.MOODREEL_DATA_DIR ?? path.resolve('..', 'shared', 'data');
