using System.Text.Json.Serialization;

namespace Exchange.Fakes.State;

/// <summary>Source-generated (reflection-free) JSON for the state file and the call log: fast process start.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FakeStateData))]
[JsonSerializable(typeof(FakeCall))]
internal sealed partial class FakeJsonContext : JsonSerializerContext;
