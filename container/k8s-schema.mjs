// Check Kubernetes manifests against the API's OpenAPI schema with the
// npm package kubernetes-models (types, required fields, enums).
// Usage: node k8s-schema.mjs FILE.yaml...   (run by container/validate.sh)
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';

const models = {
  'apps/v1 Deployment': Deployment,
  'v1 ConfigMap': ConfigMap,
  'v1 Service': Service,
};

let bad = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) {
      console.log(`${file}: ${doc.errors[0].message}`);
      bad++;
      continue;
    }
    const obj = doc.toJS();
    const what = `${obj.apiVersion} ${obj.kind}`;
    const Model = models[what];
    if (!Model) {
      console.log(`${file}: ${what}: no schema here for this kind`);
      bad++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`${file}: ${obj.kind} ${obj.metadata.name}: valid`);
    } catch (e) {
      console.log(`${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
