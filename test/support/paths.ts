import * as path from 'node:path';

/** The repository root, from compiled tests in out/test/<suite>/ or from sources. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const EXAMPLES = path.join(ROOT, 'examples');
export const DIST = path.join(ROOT, 'dist');
export const SHARED_NOTEBOOKS = path.resolve(ROOT, '..', 'shared', 'fixtures', 'notebooks');
