using System.Globalization;
using System.Text.RegularExpressions;

namespace Exchange.K8s.Tests.Support;

/// <summary>Kubernetes resource quantities as numbers: CPU in millicores, memory in MiB.</summary>
public static partial class Quantity
{
    public static double Millicores(string quantity) =>
        quantity.EndsWith('m') ? Number(quantity[..^1]) : Number(quantity) * 1000;

    public static double Mebibytes(string quantity)
    {
        var match = WithSuffix().Match(quantity);
        if (!match.Success) throw new FormatException($"Not a quantity: '{quantity}'.");
        var bytes = Number(match.Groups[1].Value) * match.Groups[2].Value switch
        {
            "" => 1d,
            "Ki" => 1024d, "Mi" => Math.Pow(1024, 2), "Gi" => Math.Pow(1024, 3), "Ti" => Math.Pow(1024, 4),
            "k" => 1e3, "M" => 1e6, "G" => 1e9, "T" => 1e12,
            var unit => throw new FormatException($"Unit '{unit}' in '{quantity}'."),
        };
        return bytes / Math.Pow(1024, 2);
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|)$")]
    private static partial Regex WithSuffix();
}
