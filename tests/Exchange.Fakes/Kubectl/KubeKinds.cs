namespace Exchange.Fakes.Kubectl;

/// <summary>A resource type the fake API server knows: its kind, REST name, API group and scope.</summary>
internal sealed record KubeKind(string Kind, string Plural, string Group, bool Namespaced, params string[] ShortNames)
{
    /// <summary>"deployments.apps" / "namespaces": the resource as NotFound errors name it.</summary>
    public string Resource => Group == "" ? Plural : $"{Plural}.{Group}";

    /// <summary>"deployment.apps" / "namespace": the prefix kubectl prints before "/name".</summary>
    public string Singular => Group == "" ? Kind.ToLowerInvariant() : $"{Kind.ToLowerInvariant()}.{Group}";

    public string ApiVersionGroup(string apiVersion) => apiVersion.Contains('/') ? apiVersion.Split('/')[0] : "";
}

/// <summary>The built-in kinds (no CRDs: applying an unknown kind fails as on a cluster without that CRD).</summary>
internal static class KubeKinds
{
    public static readonly IReadOnlyList<KubeKind> All =
    [
        new("Namespace", "namespaces", "", false, "ns"),
        new("Node", "nodes", "", false, "no"),
        new("Pod", "pods", "", true, "po"),
        new("Service", "services", "", true, "svc"),
        new("ConfigMap", "configmaps", "", true, "cm"),
        new("Secret", "secrets", "", true),
        new("ServiceAccount", "serviceaccounts", "", true, "sa"),
        new("PersistentVolumeClaim", "persistentvolumeclaims", "", true, "pvc"),
        new("Event", "events", "", true, "ev"),
        new("ResourceQuota", "resourcequotas", "", true, "quota"),
        new("LimitRange", "limitranges", "", true, "limits"),
        new("Deployment", "deployments", "apps", true, "deploy"),
        new("StatefulSet", "statefulsets", "apps", true, "sts"),
        new("DaemonSet", "daemonsets", "apps", true, "ds"),
        new("ReplicaSet", "replicasets", "apps", true, "rs"),
        new("Job", "jobs", "batch", true),
        new("CronJob", "cronjobs", "batch", true, "cj"),
        new("PodDisruptionBudget", "poddisruptionbudgets", "policy", true, "pdb"),
        new("NetworkPolicy", "networkpolicies", "networking.k8s.io", true, "netpol"),
        new("Ingress", "ingresses", "networking.k8s.io", true, "ing"),
        new("IngressClass", "ingressclasses", "networking.k8s.io", false),
        new("HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", true, "hpa"),
        new("Role", "roles", "rbac.authorization.k8s.io", true),
        new("RoleBinding", "rolebindings", "rbac.authorization.k8s.io", true),
        new("ClusterRole", "clusterroles", "rbac.authorization.k8s.io", false),
        new("ClusterRoleBinding", "clusterrolebindings", "rbac.authorization.k8s.io", false),
        new("StorageClass", "storageclasses", "storage.k8s.io", false, "sc"),
        new("PriorityClass", "priorityclasses", "scheduling.k8s.io", false, "pc"),
    ];

    /// <summary>The kind of an apiVersion/kind pair, or null when the server has no such type.</summary>
    public static KubeKind? ForObject(string apiVersion, string kind) =>
        All.FirstOrDefault(k => k.Kind == kind && k.ApiVersionGroup(apiVersion) == k.Group);

    /// <summary>What `kubectl get X` accepts: plural, singular, short name, optionally with ".group".</summary>
    public static KubeKind? ForName(string name)
    {
        var lower = name.ToLowerInvariant();
        return All.FirstOrDefault(k =>
            lower == k.Plural || lower == k.Kind.ToLowerInvariant() || k.ShortNames.Contains(lower) ||
            lower == k.Resource || lower == k.Singular);
    }
}
