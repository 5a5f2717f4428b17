using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>A manifest checked against the fake API server: its type, namespace and canonical hash.</summary>
internal sealed record Resolved(Manifest Manifest, KubeKind Kind, string? Namespace, JsonObject Body, string Sha256)
{
    public string Key => KubectlCall.Key(Namespace, Kind.Kind, Manifest.Name);
    public string Display => $"{Kind.Singular}/{Manifest.Name}";
}

/// <summary>
/// `kubectl apply (-f -|-f PATH|-k DIR) [-n NS] [--server-side] [--dry-run=client|server]`: created, configured
/// or unchanged per object, by comparing a canonical hash with what was applied before. Secrets are kept as
/// hashes and key names only; the call log gets each value's sha256.
/// </summary>
internal static class Apply
{
    public static int Run(KubectlCall call)
    {
        var manifests = Manifests.Read(call);
        call.Connect("apply");
        var dryRun = call.Args.Get("--dry-run") ?? (call.Args.Has("--dry-run") ? "client" : "none");
        var suffix = dryRun switch { "client" => " (dry run)", "server" => " (server dry run)", _ => "" };
        var created = new HashSet<string>();
        var failures = 0;
        foreach (var manifest in manifests)
        {
            try
            {
                var resolved = Resolve(call, manifest, created);
                if (resolved.Kind.Kind == "Secret")
                    call.Context.Secrets.Add(Manifests.Secret(manifest, resolved.Namespace ?? ""));
                var outcome = call.Args.Flag("--server-side")
                    ? "serverside-applied"
                    : Outcome(call.Find(resolved.Namespace, resolved.Kind.Kind, manifest.Name), resolved);
                if (resolved.Kind.Kind == "Namespace")
                    created.Add(manifest.Name);
                if (dryRun == "none")
                    Store(call, resolved);
                call.Context.Out.WriteLine($"{resolved.Display} {outcome}{suffix}");
            }
            catch (KubectlException e)
            {
                call.Context.Err.WriteLine(e.Message);
                failures++;
            }
        }
        return failures > 0 ? 1 : 0;
    }

    /// <summary>Validates the manifest like the API server (known kind, name, namespace present and consistent).</summary>
    public static Resolved Resolve(KubectlCall call, Manifest manifest, IReadOnlySet<string> namespacesInStream)
    {
        var missing = new[] { ("apiVersion", manifest.ApiVersion), ("kind", manifest.Kind) }
            .Where(f => f.Item2 == "").Select(f => $"{f.Item1} not set").ToList();
        if (missing.Count > 0)
            throw new KubectlException($"error: error validating \"{manifest.Source}\": error validating data: [{string.Join(", ", missing)}]; " +
                                       "if you choose to ignore these errors, turn validation off with --validate=false");
        var kind = KubeKinds.ForObject(manifest.ApiVersion, manifest.Kind)
            ?? throw new KubectlException($"error: resource mapping not found for name: \"{manifest.Name}\" namespace: \"{manifest.DeclaredNamespace}\" " +
                                          $"from \"{manifest.Source}\": no matches for kind \"{manifest.Kind}\" in version \"{manifest.ApiVersion}\"\n" +
                                          "ensure CRDs are installed first");
        if (manifest.Name == "")
            throw new KubectlException($"error: error when retrieving current configuration of:\nResource: \"{kind.Resource}\", GroupVersionKind: " +
                                       $"\"{manifest.ApiVersion}, Kind={manifest.Kind}\"\nfrom server for: \"{manifest.Source}\": " +
                                       "resource name may not be empty");
        var body = (JsonObject)manifest.Body.DeepClone();
        string? ns = null;
        if (kind.Namespaced)
        {
            var flag = call.Args.Get("-n", "--namespace");
            if (flag is not null && manifest.DeclaredNamespace is { } declared && declared != flag)
                throw new KubectlException($"error: the namespace from the provided object \"{declared}\" does not match the namespace \"{flag}\". " +
                                           $"You must pass '--namespace={declared}' to perform this operation.");
            ns = manifest.DeclaredNamespace ?? call.Namespace;
            if (!call.NamespaceExists(ns) && !namespacesInStream.Contains(ns))
                throw new KubectlException($"Error from server (NotFound): error when creating \"{manifest.Source}\": namespaces \"{ns}\" not found");
            ((JsonObject)(body["metadata"] ??= new JsonObject()))["namespace"] = ns;
        }
        return new Resolved(manifest, kind, ns, body, Json.CanonicalSha256(body));
    }

    private static string Outcome(KubeObjectState? existing, Resolved resolved) =>
        existing is null ? "created" : existing.Sha256 == resolved.Sha256 ? "unchanged" : "configured";

    public static void Store(KubectlCall call, Resolved resolved)
    {
        var existing = call.Find(resolved.Namespace, resolved.Kind.Kind, resolved.Manifest.Name);
        if (existing?.Sha256 == resolved.Sha256)
            return;
        var secret = resolved.Kind.Kind == "Secret";
        call.State.KubeObjects[resolved.Key] = new KubeObjectState
        {
            ApiVersion = resolved.Manifest.ApiVersion, Kind = resolved.Kind.Kind, Name = resolved.Manifest.Name, Namespace = resolved.Namespace,
            Sha256 = resolved.Sha256,
            Json = secret ? null : Json.OneLine(resolved.Body),
            SecretKeys = secret ? Manifests.Secret(resolved.Manifest, resolved.Namespace ?? "").Keys.ToList() : null,
            CreatedAt = existing?.CreatedAt ?? DateTimeOffset.UtcNow,
            Generation = (existing?.Generation ?? 0) + 1,
        };
    }
}
