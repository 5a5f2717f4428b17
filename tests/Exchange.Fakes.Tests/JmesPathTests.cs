using System.Text.Json.Nodes;
using Exchange.Fakes.Aws;

namespace Exchange.Fakes.Tests;

/// <summary>The --query forms the pipeline and the design document use.</summary>
public sealed class JmesPathTests
{
    private static readonly JsonNode Stacks = JsonNode.Parse("""
        {"Stacks":[{"StackName":"A","Outputs":[{"OutputKey":"RdsEndpoint","OutputValue":"db.example"},{"OutputKey":"RdsPort","OutputValue":"3306"}]},
                   {"StackName":"B","Outputs":[]}]}
        """)!;

    [Theory]
    [InlineData("Stacks[0].Outputs[?OutputKey=='RdsEndpoint'].OutputValue", """["db.example"]""")]
    [InlineData("Stacks[0].Outputs[?OutputKey==`RdsPort`].OutputValue | [0]", "\"3306\"")]
    [InlineData("Stacks[].StackName", """["A","B"]""")]
    [InlineData("Stacks[*].Outputs[*].OutputKey", """[["RdsEndpoint","RdsPort"],[]]""")]
    [InlineData("Stacks[].Outputs[].OutputKey", """["RdsEndpoint","RdsPort"]""")]
    [InlineData("Stacks[-1].StackName", "\"B\"")]
    [InlineData("Stacks[5].StackName", "null")]
    public void Queries_select_what_the_aws_cli_would(string query, string expected)
    {
        var result = JmesPath.Search(Stacks, query);

        Assert.Equal(expected, result?.ToJsonString() ?? "null");
    }
}
