#!/usr/bin/env node
// Validates Kubernetes manifests against the API schemas that the npm package kubernetes-models
// ships (generated from the Kubernetes OpenAPI spec). Reads multi-document YAML from the files
// given, or from stdin when there are none (e.g. `kubectl kustomize k8s/overlays/aws-dev | node validate.mjs`).
// Prints one line per invalid object and exits 1 if there was any, 2 on a usage or read error.
import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { parseAllDocuments } from "yaml";

const API_VERSION = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;

async function readSources(paths) {
  if (paths.length === 0) return [{ name: "<stdin>", content: await text(process.stdin) }];
  return Promise.all(paths.map(async (path) => ({ name: path, content: await readFile(path, "utf8") })));
}

/** The kubernetes-models class for apiVersion/kind, or an error message. */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !API_VERSION.test(apiVersion)) return { error: `invalid apiVersion '${apiVersion}'` };
  if (typeof kind !== "string" || kind === "") return { error: "missing kind" };
  let models;
  try {
    models = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return { error: `no schema for apiVersion '${apiVersion}'` };
  }
  const model = models[kind];
  return typeof model?.prototype?.validate === "function" ? { model } : { error: `no schema for ${apiVersion} ${kind}` };
}

async function validateObject(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) return ["not a Kubernetes object (a mapping)"];
  const { model, error } = await modelFor(object.apiVersion, object.kind);
  if (error) return [error];
  try {
    new model(object).validate();
    return [];
  } catch (e) {
    return String(e?.message ?? e).split(", ");
  }
}

async function main(paths) {
  let total = 0;
  let failures = 0;
  for (const source of await readSources(paths)) {
    const documents = parseAllDocuments(source.content, { prettyErrors: true, uniqueKeys: true });
    for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
      const where = `${source.name} document ${index + 1}`;
      if (document.errors.length > 0) {
        total++;
        failures++;
        for (const error of document.errors) console.log(`${where}: YAML: ${error.message}`);
        continue;
      }
      const object = document.toJS();
      if (object === null || object === undefined) continue; // an empty document
      total++;
      const errors = await validateObject(object);
      if (errors.length === 0) continue;
      failures++;
      const id = `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
      for (const error of errors) console.log(`${where} (${id}): ${error}`);
    }
  }
  if (total === 0) {
    console.log("no Kubernetes objects found");
    return 1;
  }
  console.log(failures === 0 ? `${total} objects valid` : `${failures} of ${total} objects invalid`);
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { console.error(`k8s-validate: ${error?.message ?? error}`); process.exitCode = 2; },
);
