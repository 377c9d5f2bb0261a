/**
 * Every overlay renders with `kubectl kustomize` and each rendered object validates offline against the
 * Kubernetes schemas (kubernetes-models); the settings they carry pass the server's own config schema.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../src/config/load.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const OVERLAYS = ['cpu', 'gpu'] as const;

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};
interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin')) {
    if (dir && existsSync(`${dir}/kubectl`)) return `${dir}/kubectl`;
  }
  return undefined;
}
const kubectl = findKubectl();

/** A dev dependency the suite can live without: imported by a computed name so tsc and vite leave it alone. */
async function importModels(path: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ `kubernetes-models/${path}`)) as Record<string, unknown>;
}

async function hasModels(): Promise<boolean> {
  try {
    await importModels('v1/Service');
    return true;
  } catch {
    return false;
  }
}
const modelsInstalled = await hasModels();
if (!kubectl)
  console.warn('[k8s] kubectl not found: manifests not rendered (Debian: apt-get install kubectl)');
if (!modelsInstalled)
  console.warn(
    '[k8s] kubernetes-models is not installed: schema validation skipped (npm i -D kubernetes-models)',
  );

function render(overlay: string): K8sObject[] {
  const out = execFileSync(kubectl!, ['kustomize', resolve(REPO, 'k8s/overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** kubernetes-models lays its classes out as <group>/<version>/<Kind> ("v1/Service", "apps/v1/Deployment"). */
async function modelFor(obj: K8sObject): Promise<ModelClass | undefined> {
  try {
    const mod = await importModels(`${obj.apiVersion}/${obj.kind}`);
    return mod[obj.kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

/** CRDs (not in kubernetes-models): the fields the Prometheus Operator requires. */
function validateServiceMonitor(obj: K8sObject, all: K8sObject[]): void {
  const spec = obj.spec as {
    selector?: { matchLabels?: Record<string, string> };
    endpoints?: { port?: string; path?: string }[];
  };
  expect(spec.selector?.matchLabels).toBeTruthy();
  expect(spec.endpoints?.length).toBeGreaterThan(0);
  const services = all.filter(
    (o) => o.kind === 'Service' && matches(spec.selector!.matchLabels!, o.metadata.labels),
  );
  expect(services.length).toBe(1);
  const portNames = ((services[0]!.spec as { ports: { name?: string }[] }).ports ?? []).map((p) => p.name);
  for (const endpoint of spec.endpoints!) expect(portNames).toContain(endpoint.port);
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The one object of `kind` whose name starts with `name` (generated ConfigMaps carry a hash suffix). */
function one<T extends object = object>(objects: K8sObject[], kind: string, name: string): K8sObject & T {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.startsWith(name));
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0] as K8sObject & T;
}

interface Container {
  name: string;
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string }[];
}

function serverPod(objects: K8sObject[]): { pod: PodSpec; labels: Record<string, string> } {
  const deployment = one<{
    spec: {
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    };
  }>(objects, 'Deployment', 'workout-rtc');
  expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
  return { pod: deployment.spec.template.spec, labels: deployment.spec.template.metadata.labels };
}

/** The env the server container gets from its ConfigMap and Secret. */
function serverEnv(objects: K8sObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef)
      Object.assign(
        env,
        one<{ data?: Record<string, string> }>(objects, 'ConfigMap', source.configMapRef.name).data,
      );
    if (source.secretRef)
      Object.assign(
        env,
        one<{ stringData?: Record<string, string> }>(objects, 'Secret', source.secretRef.name).stringData,
      );
  }
  return env;
}

describe.skipIf(!kubectl)('k8s manifests', () => {
  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = kubectl ? render(overlay) : [];

    it('renders the whole set, every object in the namespace', () => {
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ServiceMonitor',
        'NetworkPolicy',
        'ConfigMap',
        'Secret',
      ]) {
        expect(kinds, kind).toContain(kind);
      }
      for (const o of objects.filter((o) => o.kind !== 'Namespace'))
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('workout-rtc');
    });

    it.skipIf(!modelsInstalled)('validates every object against the Kubernetes schemas', async () => {
      for (const obj of objects) {
        if (obj.apiVersion === 'monitoring.coreos.com/v1' && obj.kind === 'ServiceMonitor') {
          validateServiceMonitor(obj, objects);
          continue;
        }
        const Model = await modelFor(obj);
        expect(Model, `no schema for ${obj.apiVersion} ${obj.kind}`).toBeDefined();
        expect(() => new Model!(obj).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
      }
    });

    it('carries settings the server accepts', () => {
      const { pod } = serverPod(objects);
      const env = serverEnv(objects, pod.containers[0]!);
      expect(() => loadConfig(env)).not.toThrow();
      const config = loadConfig(env);
      expect(config.redisUrl).toMatch(/^redis:\/\//);
      expect(config.maxSessions).toBeGreaterThan(0);
      expect(config.icePortRange).toMatch(/^\d+-\d+$/);
      if (overlay === 'gpu') expect(config.tfBackend).toBe('tensorflow-gpu');
    });

    it('probes, drain timing and selectors fit together', () => {
      const { pod, labels } = serverPod(objects);
      const server = pod.containers[0]!;
      expect(server.startupProbe?.httpGet?.path).toBe('/readyz');
      expect(server.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(server.livenessProbe?.httpGet?.path).toBe('/healthz');
      const preStop = server.lifecycle?.preStop?.exec?.command ?? [];
      expect(preStop[0]).toBe('sleep');
      const config = loadConfig(serverEnv(objects, server));
      // SIGTERM comes after preStop; the drain and the close must end before the kubelet's SIGKILL.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
        Number(preStop[1]) + config.drainTimeoutMs / 1000 + 5,
      );

      const service = one<{ spec: { selector: Record<string, string> } }>(objects, 'Service', 'workout-rtc');
      expect(matches(service.spec.selector, labels)).toBe(true);
      const pdb = one<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
        objects,
        'PodDisruptionBudget',
        'workout-rtc',
      );
      expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
      const hpa = one<{
        spec: {
          scaleTargetRef: { kind: string; name: string };
          metrics: { type: string; pods?: { metric: { name: string } } }[];
        };
      }>(objects, 'HorizontalPodAutoscaler', 'workout-rtc');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'workout-rtc' });
      expect(hpa.spec.metrics.map((m) => m.pods?.metric.name ?? m.type)).toEqual([
        'workout_sessions_active',
        'Resource',
      ]);

      const policy = one<{
        spec: { ingress: { ports: { port: number; endPort?: number; protocol: string }[] }[] };
      }>(objects, 'NetworkPolicy', 'workout-rtc');
      const udp = policy.spec.ingress.flatMap((rule) => rule.ports).find((p) => p.protocol === 'UDP');
      expect(`${udp?.port}-${udp?.endPort}`).toBe(config.icePortRange);
    });

    it('provisions the Grafana dashboard through the sidecar label', () => {
      const cm = one<{ data: Record<string, string> }>(objects, 'ConfigMap', 'workout-rtc-grafana-dashboard');
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      const dashboard = JSON.parse(cm.data['grafana-dashboard.json']!) as { uid: string; panels: unknown[] };
      expect(dashboard.uid).toBe('workout-rtc');
      expect(dashboard.panels.length).toBeGreaterThan(10);
    });

    if (overlay === 'gpu') {
      it('asks for a GPU on a GPU node', () => {
        const { pod } = serverPod(objects);
        const resources = pod.containers[0]!.resources!;
        expect(String(resources.limits?.['nvidia.com/gpu'])).toBe('1');
        expect(pod.tolerations?.map((t) => t.key)).toContain('nvidia.com/gpu');
        expect(pod.nodeSelector).toBeTruthy();
      });
    }
  });
});
