using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Stacks;

/// <summary>
/// One repository per image of <see cref="ContainerImages"/> (the engine, the backend, the connectivity checker): scanned on
/// push, last 10 images kept, emptied and deleted with the stack.
/// </summary>
[Stack(StackKind.Ecr)]
public sealed class EcrStack : ExchangeStack
{
    public EcrStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        foreach (var image in ContainerImages.All)
            Output(image.RepositoryUri, Repository(image.RepositoryLogicalId, image.Repository(Names)).RepositoryUri);
    }

    private Repository Repository(string logicalId, string name)
    {
        var repository = new Repository(this, logicalId, new RepositoryProps
        {
            RepositoryName = name,
            ImageScanOnPush = true,
            // Immutable: a tag names one build forever. The pipeline never pushes a tag ECR already has,
            // so a second push of the same tag can only be a different build under an old name: refused.
            ImageTagMutability = TagMutability.IMMUTABLE,
            Encryption = RepositoryEncryption.AES_256,
            // A dev registry: images are rebuilt from source, so delete them with the stack
            // (EmptyOnDelete is a native CloudFormation property: no custom resource).
            RemovalPolicy = RemovalPolicy.DESTROY,
            EmptyOnDelete = true,
            LifecycleRules =
            [
                new LifecycleRule { Description = "Keep last 10 images", MaxImageCount = 10, RulePriority = 1, TagStatus = TagStatus.ANY },
            ],
        });
        PinLogicalId(repository, logicalId);
        return repository;
    }
}
