// Checks rendered Kubernetes manifests (multi-document YAML files named on the command line, e.g.
// `kubectl kustomize` output), offline:
//   1. every object against the Kubernetes JSON schema of its apiVersion and kind (types, enums,
//      required fields), through the kubernetes-models package; an unknown apiVersion/kind fails;
//   2. that the objects fit together the way docs/deploy.md says: Services, the PodDisruptionBudget
//      and the HorizontalPodAutoscaler select or name the Deployment's pods; every container has
//      gRPC readiness and liveness probes and a preStop pause that the termination grace period
//      covers; named target ports exist; mounted ConfigMaps are in the output; no kustomize patch
//      directive ($patch, ...) is left in.
// Prints one line per problem and exits 1 when there is any; prints a summary otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// kubernetes-models/<group>/<version> exports a class per kind ("v1" for the core group).
function modelOf(apiVersion, kind) {
  const path = apiVersion.includes("/") ? apiVersion : `v1`;
  let module;
  try {
    module = require(`kubernetes-models/${path}`);
  } catch {
    return null;
  }
  return module[kind] ?? null;
}

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

const objects = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      problem(file, `YAML: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (object == null) continue;
    const where = `${file}: ${object.kind}/${object.metadata?.name}`;
    objects.push({ where, object });
    // A patch directive left in the output (a kustomize that did not apply it) is no valid field.
    const directives = JSON.stringify(object).match(/"\$[a-zA-Z]+"(?=:)/g);
    if (directives) problem(where, `holds patch directives kustomize did not apply: ${directives}`);
    const Model = modelOf(object.apiVersion ?? "", object.kind ?? "");
    if (Model == null) {
      problem(where, `no Kubernetes schema for apiVersion ${object.apiVersion}, kind ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problem(where, `schema: ${error.message}`);
    }
  }
}

const ofKind = (kind) => objects.filter(({ object }) => object.kind === kind);
const deployments = ofKind("Deployment");
if (deployments.length === 0) problem("manifests", "no Deployment");
const configMaps = new Set(ofKind("ConfigMap").map(({ object }) => object.metadata.name));

for (const { where, object } of deployments) {
  const spec = object.spec;
  const podLabels = spec.template.metadata?.labels ?? {};
  if (!selects(spec.selector.matchLabels, podLabels)) {
    problem(where, "its selector does not match its own pod template's labels");
  }
  const grace = spec.template.spec.terminationGracePeriodSeconds ?? 30;
  const ports = new Set();
  for (const container of spec.template.spec.containers) {
    const at = `${where} container ${container.name}`;
    for (const port of container.ports ?? []) ports.add(port.name);
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      if (container[probe]?.grpc?.port == null) problem(at, `no gRPC ${probe}`);
    }
    const preStop = container.lifecycle?.preStop?.exec?.command;
    const pause = preStop?.[0] === "/bin/sleep" ? Number(preStop[1]) : NaN;
    if (Number.isNaN(pause)) problem(at, "no preStop pause (/bin/sleep N)");
    const drain = (container.env ?? []).find((e) => e.name === "FLOWHOST_SHUTDOWN_GRACE_PERIOD");
    const drainSeconds = drain ? parseInt(drain.value, 10) : 30;
    if (!(grace > pause + drainSeconds)) {
      problem(at, `terminationGracePeriodSeconds ${grace} does not cover the preStop pause ` +
                  `(${pause} s) and the drain (${drainSeconds} s)`);
    }
    for (const mount of container.volumeMounts ?? []) {
      const volume = spec.template.spec.volumes?.find((v) => v.name === mount.name);
      if (volume == null) problem(at, `mounts volume ${mount.name}, which the pod does not have`);
      else if (volume.configMap && !configMaps.has(volume.configMap.name)) {
        problem(at, `mounts ConfigMap ${volume.configMap.name}, which the manifests do not hold`);
      }
    }
  }
  const pods = { labels: podLabels, ports, name: object.metadata.name };
  for (const { where: at, object: service } of ofKind("Service")) {
    if (!selects(service.spec.selector, pods.labels)) problem(at, "selects no flowhost pod");
    for (const port of service.spec.ports) {
      if (typeof port.targetPort === "string" && !pods.ports.has(port.targetPort)) {
        problem(at, `targetPort ${port.targetPort} is no container port's name`);
      }
    }
  }
  for (const { where: at, object: budget } of ofKind("PodDisruptionBudget")) {
    if (!selects(budget.spec.selector.matchLabels, pods.labels)) problem(at, "selects no pod");
  }
  for (const { where: at, object: scaler } of ofKind("HorizontalPodAutoscaler")) {
    const target = scaler.spec.scaleTargetRef;
    if (target.kind !== "Deployment" || target.name !== pods.name) {
      problem(at, `scales ${target.kind}/${target.name}, not the Deployment`);
    }
  }
}
const headless = ofKind("Service").filter(({ object }) => object.spec.clusterIP === "None");
if (ofKind("Service").length > 0 && headless.length === 0) {
  problem("manifests", "no headless Service (clusterIP: None) for client-side balancing");
}

for (const line of problems) console.log(line);
if (problems.length > 0) process.exit(1);
console.log(`${objects.length} objects valid: ${objects.map(({ object }) => object.kind).join(", ")}`);
