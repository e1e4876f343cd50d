import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const perfRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(perfRoot, '..');
export const reportsDir = join(perfRoot, 'reports');
