#!/usr/bin/env node
// Runs cdk-nag's AwsSolutions pack over synthesized CloudFormation templates. Each template is loaded
// with cloudformation-include into a stack named after its file (Exchange-dev-Eks.template.json ->
// Exchange-dev-Eks), so cdk-nag sees the resources and honours the suppressions written in the
// template itself: Metadata: { cdk_nag: { rules_to_suppress: [ { id, reason, applies_to? } ] } }.
//
// Versions matter (package.json pins them): cdk-nag 3 reads suppressions only from construct metadata,
// which a template does not carry; with aws-cdk-lib >= 2.2xx CfnInclude maps AWS::EKS::* to other
// classes and the EKS rules silently stop applying.
//
// Usage: node check.mjs [--json] TEMPLATE.json...
// Prints one line per unsuppressed finding and per suppression (or, with --json, one JSON document),
// and exits 1 when there is an unsuppressed error or a rule could not be evaluated, 2 on a usage error.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { App, Aspects, BootstraplessSynthesizer, Stack } from "aws-cdk-lib";
import { CfnInclude } from "aws-cdk-lib/cloudformation-include";
import { AwsSolutionsChecks, NagMessageLevel } from "cdk-nag";

const TEMPLATE_SUFFIX = /\.template\.json$/;

/** Collects every rule outcome that matters, with the stack and logical id of the resource. */
class CollectingLogger {
  findings = [];
  checked = new Set();

  onCompliance(data) { this.#seen(data); }
  onNotApplicable(data) { this.#seen(data); }
  onNonCompliance(data) { this.#add(data, "open", { finding: data.findingId }); }
  onSuppressed(data) { this.#add(data, "suppressed", { finding: data.findingId, reason: data.suppressionReason }); }
  onError(data) { this.#add(data, "rule-error", { error: data.errorMessage }); }
  onSuppressedError(data) { this.#add(data, "suppressed", { error: data.errorMessage, reason: data.errorSuppressionReason }); }

  #where(resource) {
    const stack = Stack.of(resource);
    return { stack: stack.stackName, logicalId: stack.resolve(resource.logicalId), type: resource.cfnResourceType };
  }

  #seen(data) {
    const { stack, logicalId } = this.#where(data.resource);
    this.checked.add(`${stack}/${logicalId}`);
  }

  #add(data, status, extra) {
    this.#seen(data);
    this.findings.push({
      rule: data.ruleId,
      level: data.ruleLevel === NagMessageLevel.ERROR ? "error" : "warning",
      status,
      ...this.#where(data.resource),
      info: data.ruleInfo,
      ...extra,
    });
  }
}

function check(paths) {
  const outdir = mkdtempSync(join(tmpdir(), "cdk-nag-check-"));
  try {
    const app = new App({ outdir });
    for (const path of paths) {
      // Parse first: a broken file gets a message naming it, not a stack trace from CfnInclude.
      JSON.parse(readFileSync(path, "utf8"));
      // Bootstrapless: the template already has CDK's BootstrapVersion parameter and rule.
      const stack = new Stack(app, basename(path).replace(TEMPLATE_SUFFIX, ""), {
        synthesizer: new BootstraplessSynthesizer(),
        analyticsReporting: false,
      });
      new CfnInclude(stack, "Template", { templateFile: path });
    }
    const logger = new CollectingLogger();
    Aspects.of(app).add(new AwsSolutionsChecks({ reports: false, additionalLoggers: [logger] }));
    app.synth();
    return { templates: paths.length, resourcesChecked: logger.checked.size, findings: logger.findings };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const failing = (f) => f.status === "rule-error" || (f.status === "open" && f.level === "error");

function describe(f) {
  const detail = f.status === "suppressed" ? `suppressed: ${f.reason}` : f.error ? `rule failed: ${f.error}` : f.info;
  const finding = f.finding && f.finding !== f.rule && f.finding !== "" ? ` [${f.finding}]` : "";
  return `${f.rule}${finding} ${f.stack}/${f.logicalId} (${f.type}) ${f.level}: ${detail}`;
}

function main(args) {
  const json = args.includes("--json");
  const paths = args.filter((a) => a !== "--json");
  if (paths.length === 0 || paths.some((p) => p.startsWith("--"))) {
    console.error("usage: node check.mjs [--json] TEMPLATE.json...");
    return 2;
  }
  const result = check(paths);
  const failures = result.findings.filter(failing);
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return failures.length === 0 ? 0 : 1;
  }
  const order = { "rule-error": 0, open: 1, suppressed: 2 };
  for (const f of [...result.findings].sort((a, b) => order[a.status] - order[b.status])) {
    console.log(`${f.status === "suppressed" ? "  ok" : f.level === "error" ? "FAIL" : "warn"} ${describe(f)}`);
  }
  const count = (pred) => result.findings.filter(pred).length;
  console.log(
    `${result.templates} templates, ${result.resourcesChecked} resources checked: ` +
      `${failures.length} unsuppressed errors, ${count((f) => f.status === "open" && f.level === "warning")} unsuppressed warnings, ` +
      `${count((f) => f.status === "suppressed")} suppressed`,
  );
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`cdk-nag-check: ${error?.message ?? error}`);
  process.exitCode = 2;
}
