using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exchange.Build.Aws;

/// <summary>One statement of the deploy role's policy: actions allowed on resources (under a condition).</summary>
public sealed record PolicyStatement(string Sid, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources, IamCondition? Condition);

/// <summary>
/// The least-privilege IAM policy the deploy role needs, built from <see cref="IamPermissions"/>: every
/// grant the wrappers declare, scoped to this environment's resources, one statement per set of
/// resources. No action is a wildcard.
/// </summary>
public static class DeployPolicy
{
    public const string Version = "2012-10-17";

    public static IReadOnlyList<PolicyStatement> Statements(IamScope scope)
    {
        var grants = IamPermissions.All.Values.SelectMany(g => g)
            .Select(g => (g.Action, Resources: g.Resources(scope).Order(StringComparer.Ordinal).ToArray(), Condition: g.Condition?.Invoke(scope)))
            .ToArray();
        var wildcard = grants.FirstOrDefault(g => g.Action.Contains('*'));
        if (wildcard.Action is not null) throw new InvalidOperationException($"IAM action '{wildcard.Action}' is a wildcard: name the action.");
        var groups = grants
            .GroupBy(g => (Resources: string.Join("\n", g.Resources), g.Condition))
            .Select(group => (Actions: group.Select(g => g.Action).Distinct().Order(StringComparer.Ordinal).ToArray(),
                              Resources: group.First().Resources, group.Key.Condition))
            .OrderBy(g => g.Actions[0], StringComparer.Ordinal)
            .ToArray();
        var sids = new Dictionary<string, int>(StringComparer.Ordinal);
        return groups.Select(g =>
        {
            var name = string.Concat(g.Actions.Select(a => a.Split(':')[0]).Distinct().Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            if (g.Resources is ["*"]) name += "AnyResource";
            var n = sids[name] = sids.GetValueOrDefault(name) + 1;
            return new PolicyStatement(n == 1 ? name : name + n, g.Actions, g.Resources, g.Condition);
        }).ToArray();
    }

    /// <summary>The policy document as IAM takes it (`aws iam put-role-policy --policy-document file://...`).</summary>
    public static string Render(IamScope scope)
    {
        var statements = new JsonArray();
        foreach (var s in Statements(scope))
        {
            var statement = new JsonObject
            {
                ["Sid"] = s.Sid,
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray(s.Actions.Select(a => (JsonNode)a).ToArray()),
                ["Resource"] = s.Resources is [var one] ? one : new JsonArray(s.Resources.Select(r => (JsonNode)r).ToArray()),
            };
            if (s.Condition is { } c) statement["Condition"] = new JsonObject { [c.Operator] = new JsonObject { [c.Key] = c.Value } };
            statements.Add(statement);
        }
        var document = new JsonObject { ["Version"] = Version, ["Statement"] = statements };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
