// Every runtime unit's exports, by unit name, in the runtime built for isolates without the
// lazy-load native module (dist/guest/runtime-eager.js), where the units are bundled in; undefined
// in the normal runtime. This file only declares it: scripts/build-guest.mjs generates the module
// esbuild bundles in its place.
export declare const EAGER_UNITS: Readonly<Record<string, unknown>> | undefined;
