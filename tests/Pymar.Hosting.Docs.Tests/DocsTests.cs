namespace Pymar.Hosting.Docs.Tests;

public sealed class DocsTests
{
    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in MarkdownPages.All())
        {
            data.Add(page);
        }

        return data;
    }

    [Fact]
    public void TheDocsHaveCSharpBlocksAndSnippetFiles()
    {
        Assert.Contains(MarkdownPages.All(), page => MarkdownPages.Blocks(page, "csharp").Any());
        Assert.NotEmpty(Directory.EnumerateFiles(MarkdownPages.SnippetsFolder, "*.cs", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryCSharpBlockIsPartOfACompiledSnippetFile(string page)
    {
        var snippets = Directory.EnumerateFiles(MarkdownPages.SnippetsFolder, "*.cs", SearchOption.AllDirectories)
            .Select(path => MarkdownPages.Normalize(File.ReadAllText(path)))
            .ToList();

        var missing = MarkdownPages.Blocks(page, "csharp")
            .Where(block => !snippets.Any(snippet => snippet.Contains(MarkdownPages.Normalize(block.Text), StringComparison.Ordinal)))
            .Select(block => $"{page}, the csharp block at line {block.Line} (starting \"{block.Text.Split('\n')[0].Trim()}\")")
            .ToList();

        Assert.True(missing.Count == 0,
            $"These blocks appear in no file under tests/Pymar.Hosting.Docs.Tests/Snippets, so no build checks them:\n{string.Join('\n', missing)}");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryRelativeLinkResolvesToAFileOfTheRepository(string page)
    {
        var folder = Path.GetDirectoryName(Path.Combine(MarkdownPages.Root, page))!;
        var broken = MarkdownPages.LinkTargets(page)
            .Where(target => !target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                && !target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                && !target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)
                && !target.StartsWith('#'))
            .Where(target =>
            {
                var path = Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(target.Split('#')[0])));
                var insideRepository = path.StartsWith(MarkdownPages.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                return !insideRepository || !(File.Exists(path) || Directory.Exists(path));
            })
            .ToList();

        Assert.True(broken.Count == 0, $"{page} links to what is not a file of the repository: {string.Join(", ", broken)}");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryLinkToAHeadingOfAPageFindsTheHeading(string page)
    {
        var file = Path.Combine(MarkdownPages.Root, page);
        var folder = Path.GetDirectoryName(file)!;
        var broken = MarkdownPages.LinkTargets(page)
            .Where(target => target.Contains('#', StringComparison.Ordinal)
                && !target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                && !target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            .Where(target =>
            {
                var parts = target.Split('#', 2);
                var linked = parts[0].Length == 0 ? file : Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(parts[0])));
                return linked.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                    && File.Exists(linked)
                    && !MarkdownPages.Anchors(linked).Contains(parts[1]);
            })
            .ToList();

        Assert.True(broken.Count == 0, $"{page} links to headings that do not exist: {string.Join(", ", broken)}");
    }
}
