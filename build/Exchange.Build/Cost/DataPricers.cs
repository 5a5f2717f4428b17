using static Exchange.Build.Cost.ComputePricers;

namespace Exchange.Build.Cost;

/// <summary>RDS instances and ElastiCache nodes.</summary>
public static class DataPricers
{
    /// <summary>Instance hours (Pause stops the database) and provisioned storage (bills while stopped); Multi-AZ doubles both.</summary>
    public static Priced DbInstance(PricingInput p)
    {
        var props = p.Resource.Properties;
        var engine = Literal.String(props["Engine"]);
        if (engine is not "mysql") return Priced.NotPriced($"engine '{engine ?? "(not a literal)"}': the table holds RDS for MySQL prices");
        var dbClass = Literal.String(props["DBInstanceClass"]);
        if (dbClass is null || !p.Prices.Rds.TryGetValue(dbClass, out var rate))
            return Priced.NotPriced($"no price for DB instance class '{dbClass ?? "(not a literal)"}'");

        var multiAz = Literal.Bool(props["MultiAZ"]) == true;
        var copies = multiAz ? 2 : 1;
        var az = multiAz ? "Multi-AZ" : "single-AZ";
        var instance = p.Hourly($"{dbClass} MySQL {az} instance", rate, copies, stopsWhenPaused: p.Plan.Stops(p.Resource));
        if (Literal.Number(props["AllocatedStorage"]) is not { } gb) return new Priced([instance], ["AllocatedStorage is not a literal"]);
        var type = Literal.String(props["StorageType"]) ?? "gp2"; // CloudFormation's default
        var (storage, unpriced) = p.Storage($"{Count(gb)} GB {type} {az} storage (bills while stopped)",
            p.Prices.RdsStoragePerGbMonth, type, copies * gb);
        var iops = Literal.Number(props["Iops"]) > 3000 ? "provisioned IOPS above the gp3 baseline" : null;
        return new Priced([instance, .. Some(storage)], [.. Some(unpriced), .. Some(iops)]);
    }

    /// <summary>Node hours of every node: primary and replicas (NumCacheClusters), or shards x (replicas + 1).</summary>
    public static Priced ReplicationGroup(PricingInput p)
    {
        var props = p.Resource.Properties;
        var nodes = Literal.Number(props["NumCacheClusters"])
                    ?? (Literal.Number(props["NumNodeGroups"]) ?? 1) * ((Literal.Number(props["ReplicasPerNodeGroup"]) ?? 0) + 1);
        return Nodes(p, Literal.String(props["CacheNodeType"]), Literal.String(props["Engine"]), nodes);
    }

    public static Priced CacheCluster(PricingInput p)
    {
        var props = p.Resource.Properties;
        return Nodes(p, Literal.String(props["CacheNodeType"]), Literal.String(props["Engine"]), Literal.Number(props["NumCacheNodes"]) ?? 1);
    }

    private static Priced Nodes(PricingInput p, string? nodeType, string? engine, decimal nodes)
    {
        if (engine is not ("redis" or "memcached"))
            return Priced.NotPriced($"engine '{engine ?? "(not a literal)"}': the table holds Redis OSS / Memcached node prices");
        if (nodeType is null || !p.Prices.Cache.TryGetValue(nodeType, out var rate))
            return Priced.NotPriced($"no price for cache node type '{nodeType ?? "(not a literal)"}'");
        return Priced.Of(p.Hourly($"{Count(nodes)} x {nodeType} {engine} node{(nodes == 1 ? "" : "s")} (keeps running when paused)", rate, nodes));
    }
}
