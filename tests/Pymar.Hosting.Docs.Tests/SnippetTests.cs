using Pymar.Hosting.Docs.Tests.Snippets;

namespace Pymar.Hosting.Docs.Tests;

public sealed class SnippetTests
{
    [Fact]
    public async Task TheReadmeJobAnswersTheIntegralWithNoBroker()
    {
        var answer = await Hosts.RunReadmeJobAsync(["--Pymar:Transport=InProcess"]);

        Assert.Equal(22023.7365, answer, 4);
    }
}
