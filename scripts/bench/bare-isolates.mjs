// The density floor: N bare isolated-vm isolates in one process, each with a context and a hello
// module instantiated (no NANO runtime, no server), to compare NANO's per-app memory against.
// Prints one JSON line: { apps, baselineRssMiB, rssMiB }.
import ivm from 'isolated-vm';

const n = Number(process.argv[2] ?? 1000);
const rss = () => process.memoryUsage.rss() / 2 ** 20;
const baselineRssMiB = rss();
const keep = [];
for (let i = 0; i < n; i++) {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = isolate.createContextSync();
  const mod = isolate.compileModuleSync("export default { fetch() { return 'Hello World'; } };");
  mod.instantiateSync(context, () => {
    throw new Error('no imports');
  });
  mod.evaluateSync();
  keep.push({ isolate, context, mod });
}
console.log(JSON.stringify({ apps: n, baselineRssMiB, rssMiB: rss() }));
