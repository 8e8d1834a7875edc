// What runtime units built from this folder import from the runtime script (units.ts). This file
// only declares it: scripts/build-guest.mjs generates the module esbuild bundles in its place, from
// the units' own imports, so each unit shares the runtime's module instances.

/** For a module name (file name without extension): an object with a getter per imported binding. */
export declare function unitCore(module: string): object;
