// The Kubernetes manifests in deploy/kubernetes/: valid against the Kubernetes API schemas
// (kubernetes-models' validators, and its TypeScript types for unknown fields), and consistent
// with NANO: probes, drain timing, the mounted config and secrets, selectors.
import t from 'tap';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';
import { ROOT } from '../helpers/serve.js';
import { configSchema } from '../../src/config/schema.js';

/** A parsed manifest: shape checked by the schema tests, read loosely by the consistency tests. */
type Obj = Record<string, any>;

const DIR = join(ROOT, 'deploy/kubernetes');
const docs: { file: string; doc: Obj }[] = [];
for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    docs.push({ file, doc: d.toJS() as Obj });
  }
}
/** The kubernetes-models module of an apiVersion ("apps/v1" → "kubernetes-models/apps/v1"). */
const modulePath = (apiVersion: string, kind: string): string => `kubernetes-models/${apiVersion}/${kind}`;
const one = (kind: string): Obj => {
  const found = docs.filter((d) => d.doc.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return (found[0] as { doc: Obj }).doc;
};

t.test('every manifest passes the Kubernetes schema of its kind', async (t) => {
  t.same(new Set(docs.map((d) => d.doc.kind)), new Set(['ConfigMap', 'Secret', 'Deployment', 'Service', 'Ingress', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']));
  for (const { file, doc } of docs) {
    const mod = (await import(modulePath(doc.apiVersion as string, doc.kind as string))) as Record<string, new (d: Obj) => { validate(): void }>;
    const Model = mod[doc.kind as string];
    if (Model === undefined) throw new Error(`${file}: no model for ${doc.apiVersion} ${doc.kind}`);
    t.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
  }
});

t.test('no field unknown to the Kubernetes API (TypeScript excess-property check)', async (t) => {
  // Each manifest becomes an object literal typed as its kind's interface: a misspelt or
  // misplaced field is an excess property, which tsc reports.
  const dir = join(ROOT, 'dist/test/deploy/k8s-typecheck');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'manifests.ts');
  const lines = docs.map(({ doc }, i) => `import type { I${doc.kind} as T${i} } from '${modulePath(doc.apiVersion as string, doc.kind as string)}';\nexport const m${i}: T${i} = ${JSON.stringify(doc)};`);
  writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  t.same(problems, [], 'tsc finds no problem');
});

t.test('the Deployment matches what NANO does', async (t) => {
  const deployment = one('Deployment');
  const pod = deployment.spec.template.spec as Obj;
  const c = (pod.containers as Obj[])[0] as Obj;
  const configMap = one('ConfigMap');
  const secret = one('Secret');

  // The mounted config: a directory mount (subPath never updates), the file --config names.
  const configVolume = (pod.volumes as Obj[]).find((v) => v.configMap?.name === configMap.metadata.name) as Obj;
  const configMount = (c.volumeMounts as Obj[]).find((m) => m.name === configVolume.name) as Obj;
  t.equal(configMount.subPath, undefined, 'the ConfigMap is mounted as a directory, so updates arrive');
  const args = c.args as string[];
  const configFile = args[args.indexOf('--config') + 1] as string;
  t.equal(configFile, `${configMount.mountPath}/nano.json`);
  t.ok('nano.json' in configMap.data, 'the ConfigMap holds nano.json');
  const parsed = configSchema.safeParse(JSON.parse(configMap.data['nano.json'] as string));
  t.ok(parsed.success, `nano.json is a valid NANO config: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
  if (!parsed.success) return;
  const cfg = parsed.data;

  // Probes and port.
  const port = (c.ports as Obj[]).find((p) => p.name === 'http') as Obj;
  t.equal(port.containerPort, cfg.server.port, 'containerPort is server.port');
  t.equal(cfg.server.host, '0.0.0.0', 'NANO listens on the pod address, not loopback');
  t.same(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
  t.same(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' });

  // Termination: preStop pause, then SIGTERM and the drain, all inside the grace period.
  const pause = c.lifecycle.preStop.exec.command as string[];
  t.equal(pause[0], 'sleep');
  const pauseS = Number(pause[1]);
  t.ok(pauseS >= 2, 'a preStop pause long enough for endpoint removal to spread');
  t.ok(pod.terminationGracePeriodSeconds > pauseS + cfg.server.drainTimeoutMs / 1000, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} > preStop ${pauseS} s + drain ${cfg.server.drainTimeoutMs / 1000} s`);
  t.ok(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold <= pauseS, 'readiness notices a drain within the pause');

  // Secrets: each fromFile path is a key of the mounted Secret.
  const secretVolume = (pod.volumes as Obj[]).find((v) => v.secret?.secretName === secret.metadata.name) as Obj;
  const secretMount = (c.volumeMounts as Obj[]).find((m) => m.name === secretVolume.name) as Obj;
  const keys = new Set(Object.keys({ ...secret.data, ...secret.stringData }));
  for (const app of cfg.apps) {
    for (const [name, spec] of Object.entries(app.secrets)) {
      if (!('fromFile' in spec)) continue;
      t.ok(spec.fromFile.startsWith(`${secretMount.mountPath}/`), `${app.name}.${name} is read from the Secret mount`);
      t.ok(keys.has(spec.fromFile.slice(secretMount.mountPath.length + 1)), `${app.name}.${name}: the Secret has its key`);
    }
  }

  // The image's bundle cache is writable with a read-only root filesystem.
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cacheDir = /NANO_CACHE_DIR=(\S+)/.exec(dockerfile)?.[1] as string;
  t.ok(c.securityContext.readOnlyRootFilesystem);
  t.ok((c.volumeMounts as Obj[]).some((m) => cacheDir.startsWith(`${m.mountPath}/`) && (pod.volumes as Obj[]).some((v) => v.name === m.name && v.emptyDir !== undefined)), `NANO_CACHE_DIR ${cacheDir} is on an emptyDir`);
  t.ok(c.resources.requests.cpu !== undefined && c.resources.requests.memory !== undefined, 'resource requests are set');
});

t.test('Service, PDB, HPA and Ingress point at the Deployment', async (t) => {
  const deployment = one('Deployment');
  const labels = deployment.spec.template.metadata.labels as Obj;
  const matches = (sel: Obj): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v);
  t.ok(matches(deployment.spec.selector.matchLabels as Obj), 'the Deployment selects its pods');
  t.ok(matches(one('Service').spec.selector as Obj), 'the Service selects the pods');
  t.ok(matches(one('PodDisruptionBudget').spec.selector.matchLabels as Obj), 'the PDB selects the pods');
  t.ok(one('PodDisruptionBudget').spec.minAvailable < deployment.spec.replicas, 'the PDB lets one pod go at a time');
  const hpa = one('HorizontalPodAutoscaler');
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  const service = one('Service');
  for (const rule of one('Ingress').spec.rules as Obj[]) {
    for (const p of rule.http.paths as Obj[]) t.same(p.backend.service, { name: service.metadata.name, port: { name: 'http' } }, `${rule.host} goes to the Service`);
  }
});
