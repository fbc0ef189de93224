/**
 * `node pglite-initdb.js <dir>`: creates an embedded database folder and exits. Run by openDatabase
 * (./connect.ts) in its own process, so the memory initdb takes goes away with that process.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './connect.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: pglite-initdb <data dir>');
const pglite = await PGlite.create(dir, await pgliteOptions());
await pglite.close();
