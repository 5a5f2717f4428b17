using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// `kubectl diff -f -|-k DIR`: exit 0 and no output when everything matches what was applied, else a unified
/// diff per changed object and exit 1 (kubectl's contract; errors exit above 1). Secret values show as ***.
/// </summary>
internal static class KubeDiff
{
    public static int Run(KubectlCall call)
    {
        List<Resolved> resolved;
        try
        {
            var manifests = Manifests.Read(call);
            call.Connect("patch");
            var namespaces = manifests.Where(m => m.Kind == "Namespace").Select(m => m.Name).ToHashSet();
            resolved = manifests.Select(m => Apply.Resolve(call, m, namespaces)).ToList();
        }
        catch (KubectlException e)
        {
            throw new KubectlException(e.Message, Math.Max(e.Exit, 2));
        }
        var changed = 0;
        foreach (var item in resolved)
        {
            var stored = call.Find(item.Namespace, item.Kind.Kind, item.Manifest.Name);
            if (stored?.Sha256 == item.Sha256)
                continue;
            changed++;
            var secret = item.Kind.Kind == "Secret";
            var before = stored is null ? [] : Lines(secret ? Masked(item.Body, "*** (before)") : KubectlCall.Body(stored));
            var after = Lines(secret ? Masked(item.Body, "*** (after)") : item.Body);
            var file = $"{item.Kind.Group}{(item.Kind.Group == "" ? "" : ".")}v1.{item.Kind.Kind}.{item.Namespace ?? ""}.{item.Manifest.Name}".TrimStart('.');
            var output = call.Context.Out;
            output.WriteLine($"diff -u -N /tmp/LIVE-0000000001/{file} /tmp/MERGED-0000000001/{file}");
            output.WriteLine($"--- /tmp/LIVE-0000000001/{file}\t{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fffffffff zzz}");
            output.WriteLine($"+++ /tmp/MERGED-0000000001/{file}\t{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fffffffff zzz}");
            output.WriteLine($"@@ -{(before.Count == 0 ? 0 : 1)},{before.Count} +1,{after.Count} @@");
            foreach (var line in before)
                output.WriteLine("-" + line);
            foreach (var line in after)
                output.WriteLine("+" + line);
        }
        return changed > 0 ? 1 : 0;
    }

    private static List<string> Lines(JsonObject body) => Yaml.Write(body).TrimEnd('\n').Split('\n').ToList();

    private static JsonObject Masked(JsonObject secret, string mask)
    {
        var copy = (JsonObject)secret.DeepClone();
        var keys = (copy["data"] as JsonObject ?? []).Select(p => p.Key).Concat((copy["stringData"] as JsonObject ?? []).Select(p => p.Key)).ToList();
        copy.Remove("stringData");
        copy["data"] = new JsonObject(keys.Distinct().Select(k => KeyValuePair.Create(k, (JsonNode?)mask)));
        return copy;
    }
}
