import { readConfig } from '../../energy-query/src/config';
export const probe = readConfig;
