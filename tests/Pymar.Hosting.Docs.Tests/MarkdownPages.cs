using System.Text.RegularExpressions;

namespace Pymar.Hosting.Docs.Tests;

/// <summary>The markdown pages of the repository a user reads, and what is in them: C# blocks and relative links.</summary>
internal static partial class MarkdownPages
{
    /// <summary>The repository's root: the folder holding Pymar.Hosting.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The folder of the snippet files the C# blocks are taken from.</summary>
    public static string SnippetsFolder => Path.Combine(Root, "tests", "Pymar.Hosting.Docs.Tests", "Snippets");

    /// <summary>README.md, CONTRIBUTING.md and every page under docs/, as paths relative to the root.</summary>
    public static IReadOnlyList<string> All()
    {
        var pages = new List<string> { "README.md", "CONTRIBUTING.md" };
        pages.AddRange(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));
        return pages;
    }

    /// <summary>The fenced blocks of a page in a language, each with the line it starts on.</summary>
    public static IEnumerable<(int Line, string Text)> Blocks(string page, string language)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, page));
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = FenceOpening().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var marker = fence.Groups["marker"].Value;
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith(marker, StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            if (string.Equals(fence.Groups["language"].Value, language, StringComparison.OrdinalIgnoreCase))
            {
                yield return (start + 1, string.Join('\n', body));
            }
        }
    }

    /// <summary>The targets of a page's links and images, outside code.</summary>
    public static IEnumerable<string> LinkTargets(string page)
    {
        var text = File.ReadAllText(Path.Combine(Root, page));
        text = FencedBlock().Replace(text, string.Empty);
        text = InlineCode().Replace(text, string.Empty);
        return Link().Matches(text).Select(m => m.Groups["target"].Value);
    }

    /// <summary>The anchors of a page's headings, as GitHub makes them (lower case, punctuation dropped, spaces to hyphens).</summary>
    public static IReadOnlySet<string> Anchors(string path)
    {
        var text = FencedBlock().Replace(File.ReadAllText(path), string.Empty);
        return Heading().Matches(text)
            .Select(m => NotInAnchor().Replace(m.Groups["title"].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Text with every run of white space made one space, and trimmed.</summary>
    public static string Normalize(string text) => WhiteSpace().Replace(text, " ").Trim();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Pymar.Hosting.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Pymar.Hosting.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\s*(?<marker>`{3,}|~{3,})\s*(?<language>[\w+#-]*)")]
    private static partial Regex FenceOpening();

    [GeneratedRegex(@"^\s*(`{3,}|~{3,}).*?^\s*\1\s*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"(`+).*?\1", RegexOptions.Singleline)]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd} _-]")]
    private static partial Regex NotInAnchor();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
