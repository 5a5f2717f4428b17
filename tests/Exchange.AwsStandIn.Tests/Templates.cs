namespace Exchange.AwsStandIn.Tests;

/// <summary>Small templates and a cloud assembly in the shapes the CDK synthesizes (parameters, outputs, exports, imports).</summary>
public static class Templates
{
    public const string Data = """
    {
      "Parameters": {
        "BootstrapVersion": { "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version",
          "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]" }
      },
      "Resources": {
        "DbSecret": { "Type": "AWS::SecretsManager::Secret", "Properties": { "Name": "standin-db-credentials",
          "GenerateSecretString": { "SecretStringTemplate": "{\"username\":\"admin\"}", "GenerateStringKey": "password", "PasswordLength": 24,
            "ExcludeCharacters": "\"@/\\" } } },
        "Db": { "Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Delete", "Properties": { "DBInstanceIdentifier": "standin-mysql", "Engine": "mysql",
          "EngineVersion": "8.4.7", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20", "DBName": "exchange" } },
        "DbSecretAttachment": { "Type": "AWS::SecretsManager::SecretTargetAttachment",
          "Properties": { "SecretId": { "Ref": "DbSecret" }, "TargetId": { "Ref": "Db" }, "TargetType": "AWS::RDS::DBInstance" } },
        "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "LogGroupName": "/standin/app", "RetentionInDays": 7 } }
      },
      "Outputs": {
        "DbEndpoint": { "Value": { "Fn::GetAtt": ["Db", "Endpoint.Address"] }, "Export": { "Name": "standin-DbEndpoint" } },
        "DbPort": { "Value": { "Fn::GetAtt": ["Db", "Endpoint.Port"] } },
        "SecretName": { "Value": { "Fn::Select": [0, { "Fn::Split": ["-", { "Fn::Join": ["-", ["standin", "db", "credentials"]] }]}] } }
      }
    }
    """;

    public const string App = """
    {
      "Conditions": { "InSeoul": { "Fn::Equals": [{ "Ref": "AWS::Region" }, "ap-northeast-2"] } },
      "Resources": {
        "Broker": { "Type": "AWS::EC2::Instance", "CreationPolicy": { "ResourceSignal": { "Timeout": "PT10M" } },
          "Properties": { "InstanceType": "t3.small", "ImageId": "ami-0123456789abcdef0",
            "UserData": { "Fn::Base64": { "Fn::Sub": ["db=${Db}", { "Db": { "Fn::ImportValue": "standin-DbEndpoint" } }] } } } },
        "Anything": { "Type": "AWS::Custom::Thing", "Properties": { "Name": { "Fn::Sub": "${AWS::StackName}-thing" } } }
      },
      "Outputs": {
        "BrokerIp": { "Value": { "Fn::GetAtt": ["Broker", "PrivateIp"] } },
        "Where": { "Value": { "Fn::If": ["InSeoul", { "Fn::Join": [":", [{ "Ref": "Broker" }, { "Fn::Select": [1, { "Fn::GetAZs": "" }] }]] }, "elsewhere"] } },
        "Db": { "Value": { "Fn::ImportValue": "standin-DbEndpoint" } }
      }
    }
    """;

    /// <summary>A cloud assembly with both stacks (App depends on Data), as `cdk deploy --app DIR` reads it.</summary>
    public static string Assembly(World world)
    {
        world.Write("assembly/StandIn-Data.template.json", Data);
        world.Write("assembly/StandIn-App.template.json", App);
        string Stack(string name, string deps) => $$"""
            "{{name}}": { "type": "aws:cloudformation:stack", "environment": "aws://{{World.Account}}/ap-northeast-2",
              "properties": { "templateFile": "{{name}}.template.json", "validateOnSynth": false, "requiresBootstrapStackVersion": 6,
                              "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version", "tags": { "project": "standin" } },
              "dependencies": [{{deps}}], "displayName": "{{name}}" }
            """;
        world.Write("assembly/manifest.json", $$"""
            { "version": "36.0.0", "artifacts": { {{Stack("StandIn-Data", "")}}, {{Stack("StandIn-App", "\"StandIn-Data\"")}} } }
            """);
        return Path.Combine(world.Root, "assembly");
    }
}
